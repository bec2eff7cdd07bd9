"""`export_model`: model.keras, a SavedModel and TFLite files, each checked before it is written."""

import json
import os
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf

from zoo.export import atomic, convert, parity, saved_model, tflite_model
from zoo.export.errors import ExportError
from zoo.tables import format_table

TFLITE_FILES = {"none": "model.tflite", "float16": "model_fp16.tflite", "int8": "model_int8.tflite"}
TFLITE_SIGNATURE = "tflite"


def _as_input_dict(model, example_inputs):
    names = [saved_model.input_name(t) for t in model.inputs]
    if isinstance(example_inputs, dict):
        missing = [n for n in names if n not in example_inputs]
        if missing:
            raise ValueError(f"`example_inputs` lacks model input(s) {missing}; it has {sorted(example_inputs)}.")
        return {n: np.asarray(example_inputs[n]) for n in names}
    arrays = list(example_inputs) if isinstance(example_inputs, (list, tuple)) else [example_inputs]
    if len(arrays) != len(names):
        raise ValueError(f"`example_inputs` must hold {len(names)} array(s), one per model input {names}.")
    return {n: np.asarray(a) for n, a in zip(names, arrays)}


def _latency_ms(function, repeats=5):
    function()
    durations = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        durations.append(time.perf_counter() - start)
    return float(np.median(durations)) * 1000


def _directory_size(path):
    return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(path) for f in files)


def _keras_outputs(model, inputs):
    outputs = model(list(inputs.values()) if len(inputs) > 1 else next(iter(inputs.values())), training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {name: np.asarray(o) for name, o in zip(saved_model.output_names(model), outputs)}


def export_keras_file(model, workdir, inputs, expected):
    path = os.path.join(workdir, "model.keras")
    with atomic.atomic_file(path) as staging:
        model.save(staging)
        restored = keras.models.load_model(staging, safe_mode=True)
        check = parity.check_float("model.keras", expected, _keras_outputs(restored, inputs), 0.0)
    return dict(artifact="model.keras", bytes=os.path.getsize(path), ops=None, **check, latency_ms=None)


def export_saved_model(model, workdir, inputs, expected, tolerance, extra_signatures=None):
    """Writes `<workdir>/serving/1/` (TensorFlow Serving's layout), checked against the model."""
    signatures = {"serving_default": saved_model.numeric_function(model, saved_model.input_specs(model))}
    signatures.update(extra_signatures or {})
    target = os.path.join(workdir, "serving", "1")
    with atomic.atomic_directory(target) as staging:
        saved_model.save(model, staging, signatures)
        ops = saved_model.graph_op_types(staging)
        if saved_model.cudnn_ops(ops):
            raise ExportError(f"serving/1: the graph holds cuDNN ops {saved_model.cudnn_ops(ops)}")
        serve = tf.saved_model.load(staging).signatures["serving_default"]
        tensors = {name: tf.constant(value) for name, value in inputs.items()}
        actual = {name: value.numpy() for name, value in serve(**tensors).items()}
        check = parity.check_float("serving/1 (SavedModel)", expected, actual, tolerance)
        latency = _latency_ms(lambda: serve(**tensors))
    return dict(artifact="serving/1", bytes=_directory_size(target), ops=ops, **check, latency_ms=latency)


def export_tflite(model, workdir, inputs, expected, tolerance, agreement_threshold, quantizations, scratch):
    """Writes model.tflite (+ quantized variants); returns report rows, refused ones included."""
    source = os.path.join(scratch, "tflite_source")
    fixed = [value.shape for value in inputs.values()]
    signature = saved_model.numeric_function(model, saved_model.input_specs(model, fixed_shapes=fixed))
    saved_model.save(model, source, {TFLITE_SIGNATURE: signature})
    rows = []
    for quantization in ("none",) + tuple(q for q in quantizations if q != "none"):
        name = TFLITE_FILES[quantization]
        try:
            converted = os.path.join(scratch, name)
            convert.convert_in_subprocess(source, TFLITE_SIGNATURE, quantization, converted)
            with open(converted, "rb") as file:
                data = file.read()
            ops = tflite_model.operator_names(data)
            custom = [op for op in ops if op.startswith("CUSTOM")]
            if custom:
                raise ExportError(f"{name}: holds non-built-in ops {custom}")
            runner = tflite_model.TFLiteModel(data)
            try:
                actual = runner(**inputs)
            except (RuntimeError, ValueError) as error:
                raise ExportError(f"{name}: the TFLite runtime could not run it: {error}") from error
            if quantization == "none":
                check = parity.check_float(name, expected, actual, tolerance)
            else:
                check = parity.check_agreement(name, expected, actual, agreement_threshold)
            latency = _latency_ms(lambda: runner(**inputs))
            atomic.write_bytes(os.path.join(workdir, name), data)
            rows.append(dict(artifact=name, bytes=len(data), ops=ops, subgraphs=tflite_model.subgraph_count(data),
                             **check, latency_ms=latency))
        except ExportError as error:
            rows.append(dict(artifact=name, refused=str(error)))
    return rows


def export_model(
    model,
    workdir,
    example_inputs,
    tolerance=1e-4,
    agreement_threshold=0.98,
    quantizations=("float16", "int8"),
    extra_signatures=None,
    verbose=True,
):
    """Exports `model` to `workdir`, proving every artifact against the Keras model first.

    Writes `model.keras`, `serving/1/` (a SavedModel whose `serving_default` takes the model's
    inputs with free batch and length), `model.tflite` (float32, TFLITE_BUILTINS only, with the
    fixed input shapes of `example_inputs`), the quantized variants, and `export_report.json`.
    Each is written atomically and only if it passes: float artifacts within `tolerance`
    (absolute) and with the same argmax wherever the margin is clear; quantized ones with argmax
    agreement of at least `agreement_threshold`. A refused artifact leaves the previous one in place.

    Args:
        model: a Keras functional model.
        workdir: str. Where the artifacts go (e.g. `saved_models/<recipe>`).
        example_inputs: array, list of arrays or dict input name → array: real inputs (a test
            batch); their shapes become the TFLite input shapes.
        tolerance: float, default 1e-4.
        agreement_threshold: float, default 0.98.
        quantizations: the TFLite variants besides float32: "float16", "int8".
        extra_signatures: optional dict name → tf.function added to the SavedModel (e.g. a
            recipe's raw-string `serving_default`, which then replaces the numeric one).
        verbose: bool. Print the report table.

    Returns:
        The report: a list of dicts, one per artifact.

    Raises:
        ExportError: if any artifact was refused (the others are written; the report names it).
    """
    inputs = _as_input_dict(model, example_inputs)
    expected = _keras_outputs(model, inputs)
    os.makedirs(workdir, exist_ok=True)
    rows = []
    for write in (
        lambda: export_keras_file(model, workdir, inputs, expected),
        lambda: export_saved_model(model, workdir, inputs, expected, tolerance, extra_signatures),
    ):
        try:
            rows.append(write())
        except ExportError as error:
            rows.append(dict(artifact=str(error).split(":")[0], refused=str(error)))
    with tempfile.TemporaryDirectory(prefix="zoo-export-") as scratch:
        rows += export_tflite(model, workdir, inputs, expected, tolerance, agreement_threshold, quantizations, scratch)
    with atomic.atomic_file(os.path.join(workdir, "export_report.json")) as staging:
        with open(staging, "w") as file:
            json.dump(rows, file, indent=2)
    if verbose:
        print(report_table(rows))
    refused = [row["refused"] for row in rows if "refused" in row]
    if refused:
        raise ExportError("refused: " + "; ".join(refused))
    return rows


def report_table(rows):
    """The export report as a printed table."""
    table = []
    for row in rows:
        if "refused" in row:
            table.append([row["artifact"], "-", "-", "REFUSED", "-", "-"])
            continue
        ops = row.get("ops")
        table.append([
            row["artifact"], f"{row['bytes'] / 1024:.1f} KiB", "-" if ops is None else len(ops),
            f"{row['max_abs_diff']:.2e}", f"{row['argmax_agreement']:.1%}",
            "-" if row.get("latency_ms") is None else f"{row['latency_ms']:.2f}",
        ])
    return format_table(["artifact", "size", "ops", "max |diff|", "argmax agreement", "latency ms"], table)
