"""Measures one benchmark case: zoo and the Keras built-in (and PyTorch if present), timed together."""

from zoo.bench import timing, torch_peer
from zoo.precision import dtype_policy

GEMM_COUNT = 16


def _functions(case, xla, bfloat16, many_to_one):
    inputs = timing.inputs_for(case)
    zoo_layer, keras_layer = timing.layer_pair(case, inputs)
    functions = {}
    for side, layer in (("zoo", zoo_layer), ("keras", keras_layer)):
        functions[f"train_{side}"], functions[f"infer_{side}"] = timing.train_and_infer(layer, inputs)
        if xla:
            functions[f"xla_train_{side}"], functions[f"xla_infer_{side}"] = timing.train_and_infer(
                layer, inputs, jit_compile=True
            )
    if bfloat16:
        with dtype_policy("mixed_bfloat16"):
            pair = timing.layer_pair(case, inputs)
        for side, layer in zip(("zoo", "keras"), pair):
            functions[f"bf16_train_{side}"], functions[f"bf16_infer_{side}"] = timing.train_and_infer(layer, inputs)
    if many_to_one:
        for side, layer in zip(("zoo", "keras"), timing.layer_pair(case, inputs, return_sequences=False)):
            functions[f"m2o_train_{side}"] = timing.many_to_one_step(layer, inputs)
    functions["floor"] = timing.matmul_floor(case)
    functions["gemm"] = timing.gemm_throughput(case, GEMM_COUNT)
    return functions


def _torch_functions(case):
    functions = {}
    functions["train_torch"], functions["infer_torch"] = torch_peer.train_and_infer(case, timing.inputs_for(case))
    return functions


def measure_case(case, repeats, xla=True, torch=False, bfloat16=True, many_to_one=True):
    """Times `case` and returns its result row (milliseconds, ratios zoo / peer)."""
    durations = timing.time_interleaved(_functions(case, xla, bfloat16, many_to_one), repeats)
    if torch:
        # Timed apart: PyTorch's OpenMP threads keep spinning after each call and took a core from whatever ran
        # next (zoo's float32 inference right after PyTorch's took 26 ms instead of 14.5).
        durations.update(timing.time_interleaved(_torch_functions(case), repeats))
    ms = {name: timing.median_ms(values) for name, values in durations.items()}
    row = dict(cell=case.cell, shape=case.shape, batch=case.batch, time=case.time, features=case.features,
               hidden=case.hidden, reference=case.is_reference, repeats=repeats, **{f"{k}_ms": v for k, v in ms.items()})
    prefixes = ("train", "infer") + (("xla_train", "xla_infer") if xla else ())
    prefixes += (("bf16_train", "bf16_infer") if bfloat16 else ()) + (("m2o_train",) if many_to_one else ())
    for prefix in prefixes:
        row[f"{prefix}_ratio"] = ms[f"{prefix}_zoo"] / ms[f"{prefix}_keras"]
    if bfloat16:
        row["bf16_infer_speedup"] = ms["infer_zoo"] / ms["bf16_infer_zoo"]  # zoo float32 over zoo bfloat16
        row["bf16_train_speedup"] = ms["train_zoo"] / ms["bf16_train_zoo"]
    if torch:
        row["train_ratio_torch"] = ms["train_zoo"] / ms["train_torch"]
        row["infer_ratio_torch"] = ms["infer_zoo"] / ms["infer_torch"]
        if bfloat16:
            row["bf16_infer_ratio_torch"] = ms["bf16_infer_zoo"] / ms["infer_torch"]
    # Share of the unavoidable sequential matmul work: 1.0 would be the bare matmul loop itself.
    row["infer_floor_share"] = ms["floor"] / ms["infer_zoo"]
    row["train_floor_share"] = 3 * ms["floor"] / ms["train_zoo"]
    # The machine's floor: the step's two matmuls at the throughput 16 independent ones reach, times T.
    gemm_ms = ms["gemm"] / GEMM_COUNT
    row["gemm_gflops"] = 2 * case.batch * case.hidden * timing.GATES[case.cell] * case.hidden / gemm_ms / 1e6
    row["machine_floor_ms"] = case.time * timing.step_flops(case) / row["gemm_gflops"] / 1e6
    row["infer_machine_share"] = row["machine_floor_ms"] / ms["infer_zoo"]
    return row
