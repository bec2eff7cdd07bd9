"""Measures one benchmark case: zoo and the Keras built-in (and PyTorch if present), timed together."""

from zoo.bench import timing, torch_peer


def _functions(case, xla, torch):
    inputs = timing.inputs_for(case)
    zoo_layer, keras_layer = timing.layer_pair(case, inputs)
    functions = {}
    for side, layer in (("zoo", zoo_layer), ("keras", keras_layer)):
        functions[f"train_{side}"], functions[f"infer_{side}"] = timing.train_and_infer(layer, inputs)
        if xla:
            functions[f"xla_train_{side}"], functions[f"xla_infer_{side}"] = timing.train_and_infer(
                layer, inputs, jit_compile=True
            )
    functions["floor"] = timing.matmul_floor(case)
    if torch:
        functions["train_torch"], functions["infer_torch"] = torch_peer.train_and_infer(case, inputs)
    return functions


def measure_case(case, repeats, xla=True, torch=False):
    """Times `case` and returns its result row (milliseconds, ratios zoo / peer)."""
    durations = timing.time_interleaved(_functions(case, xla, torch), repeats)
    ms = {name: timing.median_ms(values) for name, values in durations.items()}
    row = dict(cell=case.cell, shape=case.shape, batch=case.batch, time=case.time, features=case.features,
               hidden=case.hidden, reference=case.is_reference, repeats=repeats, **{f"{k}_ms": v for k, v in ms.items()})
    for prefix in ("train", "infer") + (("xla_train", "xla_infer") if xla else ()):
        row[f"{prefix}_ratio"] = ms[f"{prefix}_zoo"] / ms[f"{prefix}_keras"]
    if torch:
        row["train_ratio_torch"] = ms["train_zoo"] / ms["train_torch"]
        row["infer_ratio_torch"] = ms["infer_zoo"] / ms["infer_torch"]
    # Share of the unavoidable sequential matmul work: 1.0 would be the bare matmul loop itself.
    row["infer_floor_share"] = ms["floor"] / ms["infer_zoo"]
    row["train_floor_share"] = 3 * ms["floor"] / ms["train_zoo"]
    return row
