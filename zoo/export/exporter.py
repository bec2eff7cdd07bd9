"""`export_model`: model.keras, a SavedModel and TFLite files, each checked before it is written."""

import json
import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from zoo.errors import UsageError
from zoo import atomic
from zoo.export import parity, saved_model, versions
from zoo.export.fused import export_fused_lstm_tflite
from zoo.export.tflite_files import (TFLITE_SIGNATURE, convert_built_in, latency_ms, prove_and_write_tflite,
                                     tflite_file_name)
from zoo.export.gpu_delegate import export_gpu_delegate_tflite
from zoo.export.unrolled import save_unrolled
from zoo.export.errors import ExportError
from zoo.precision import float32_copy
from zoo.tables import format_table

def _as_input_dict(model, example_inputs):
    names = [saved_model.input_name(t) for t in model.inputs]
    if isinstance(example_inputs, dict):
        missing = [n for n in names if n not in example_inputs]
        if missing:
            raise UsageError(f"`example_inputs` lacks model input(s) {missing}; it has {sorted(example_inputs)}.")
        return {n: np.asarray(example_inputs[n]) for n in names}
    arrays = list(example_inputs) if isinstance(example_inputs, (list, tuple)) else [example_inputs]
    if len(arrays) != len(names):
        raise UsageError(f"`example_inputs` must hold {len(names)} array(s), one per model input {names}.")
    return {n: np.asarray(a) for n, a in zip(names, arrays)}


def _directory_size(path):
    return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(path) for f in files)


def keras_outputs(model, inputs):
    """The model's outputs on `inputs` (dict input name → array) as a dict output name → array."""
    outputs = model(dict(inputs) if len(inputs) > 1 else next(iter(inputs.values())), training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {name: np.asarray(o) for name, o in zip(saved_model.output_names(model), outputs)}


def export_keras_file(model, workdir, inputs, expected):
    path = os.path.join(workdir, "model.keras")
    with atomic.atomic_file(path) as staging:
        model.save(staging)
        restored = keras.models.load_model(staging, safe_mode=True)
        check = parity.check_float("model.keras", expected, keras_outputs(restored, inputs), 0.0)
    return dict(artifact="model.keras", bytes=os.path.getsize(path), ops=None, **check, latency_ms=None)


def write_saved_model(workdir, save, check):
    """Writes the next version `<workdir>/serving/<n+1>/` (TensorFlow Serving's layout) atomically,
    checked first, and keeps the newest `versions.KEEP` versions.

    Args:
        workdir: str.
        save: callable `(directory)` writing a SavedModel there.
        check: callable `(loaded)` → `(parity dict, latency function)`; raises ExportError when the
            loaded SavedModel disagrees with the Keras model.

    Returns:
        The report row (artifact `serving/<n+1>`). Raises ExportError (the previous versions stay) if
        the graph holds cuDNN ops or the check fails.
    """
    artifact = f"{versions.SERVING}/{versions.next_version(workdir)}"
    target = os.path.join(workdir, artifact)
    with atomic.atomic_directory(target) as staging:
        save(staging)
        ops = saved_model.graph_op_types(staging)
        if saved_model.cudnn_ops(ops):
            raise ExportError(artifact=artifact, reason=f"the graph holds cuDNN ops {saved_model.cudnn_ops(ops)}")
        try:
            result, run = check(tf.saved_model.load(staging))
        except ExportError as error:  # the check names the signature; the report names the version
            raise ExportError(artifact=artifact, reason=str(error)) from error
        latency = latency_ms(run)
    versions.prune(workdir)
    return dict(artifact=artifact, bytes=_directory_size(target), ops=ops, **result, latency_ms=latency)


def export_saved_model(model, workdir, inputs, expected, tolerance):
    """Writes `serving/<n+1>` whose `serving_default` takes the model's inputs (refusing wrong ranks, NaN and
    empty sequences at its boundary), checked against the model."""
    signatures = {"serving_default": saved_model.serving_function(model, saved_model.input_specs(model))}

    def check(loaded):
        serve = loaded.signatures["serving_default"]
        tensors = {name: tf.constant(value) for name, value in inputs.items()}
        actual = {name: value.numpy() for name, value in serve(**tensors).items()}
        return parity.check_float("serving_default", expected, actual, tolerance), lambda: serve(**tensors)

    return write_saved_model(workdir, lambda directory: saved_model.save(model, directory, signatures), check)


def write_tflite_files(source, signature, stem, workdir, inputs, expected, tolerance, agreement_threshold,
                       quantizations, scratch, quantized_check=None):
    """Converts one signature of the SavedModel `source` to `<stem>.tflite` (+ quantized variants).

    Each file is converted in a subprocess with built-in ops only, run with ai-edge-litert on
    `inputs`, checked against `expected` (float32: `tolerance`; quantized: argmax agreement of at
    least `agreement_threshold`, or `quantized_check(name, expected, actual)` where argmax means
    nothing, e.g. a regression) and only then written, atomically.

    Returns:
        One report row per file; a refused file's row holds "refused" with the reason.
    """
    rows = []
    for quantization in ("none",) + tuple(q for q in quantizations if q != "none"):
        name = tflite_file_name(stem, quantization)
        try:
            data, ops = convert_built_in(source, signature, name, quantization, scratch)
            if quantization == "none":
                check = lambda actual: parity.check_float(name, expected, actual, tolerance)  # noqa: E731
            else:
                check = (lambda actual: quantized_check(name, expected, actual)) if quantized_check else (  # noqa: E731
                    lambda actual: parity.check_agreement(name, expected, actual, agreement_threshold))
            rows.append(prove_and_write_tflite(workdir, name, data, ops, inputs, check))
        except ExportError as error:
            rows.append(dict(artifact=name, refused=str(error)))
    return rows


def export_tflite(model, workdir, inputs, expected, tolerance, agreement_threshold, quantizations, scratch,
                  quantized_check=None):
    """Writes model.tflite (+ quantized variants but full_int8) of a Keras model, with the inputs' fixed shapes
    (quantized files checked as `write_tflite_files` says)."""
    source = os.path.join(scratch, "tflite_source")
    fixed = {name: value.shape for name, value in inputs.items()}
    signature = saved_model.numeric_function(model, saved_model.input_specs(model, fixed_shapes=fixed))
    saved_model.save(model, source, {TFLITE_SIGNATURE: signature})
    return write_tflite_files(source, TFLITE_SIGNATURE, "model", workdir, inputs, expected, tolerance,
                              agreement_threshold, [q for q in quantizations if q != "full_int8"], scratch,
                              quantized_check)


def calibration_batches(model, representative_inputs, inputs):
    """`representative_inputs` (like `example_inputs`, any number of rows) cut into batches of the
    example inputs' shape: the samples that calibrate a full-integer file."""
    arrays = _as_input_dict(model, representative_inputs)
    batch = next(iter(inputs.values())).shape[0]
    for name, values in arrays.items():
        if values.shape[1:] != inputs[name].shape[1:] or len(values) < batch:
            raise UsageError(
                f"`representative_inputs` {name!r} must hold at least {batch} rows of shape "
                f"{inputs[name].shape[1:]} (the example inputs' fixed shape); received {values.shape}."
            )
    count = len(next(iter(arrays.values()))) // batch
    arrays = {name: values.astype(inputs[name].dtype) for name, values in arrays.items()}
    return [{name: values[i * batch : (i + 1) * batch] for name, values in arrays.items()} for i in range(count)]


def export_full_int8(model, workdir, inputs, expected, agreement_threshold, representative, scratch):
    """Writes model_full_int8.tflite: weights and activations int8, calibrated on `representative`
    (a list of input dicts), converted from the unrolled copy (TF 2.21's calibrator crashed on the
    WHILE loop), checked by argmax agreement before it is written."""
    name = tflite_file_name("model", "full_int8")
    if not representative:
        raise ExportError(artifact=name, reason="full-integer quantization needs `representative_inputs` (training "
                          "data) to calibrate on")
    source = os.path.join(scratch, "full_int8_source")
    try:
        save_unrolled(model, inputs, source, TFLITE_SIGNATURE)
    except ExportError as error:
        raise ExportError(artifact=name, reason=error.reason) from error
    data, ops = convert_built_in(source, TFLITE_SIGNATURE, name, "full_int8", scratch, representative=representative)
    return prove_and_write_tflite(workdir, name, data, ops, inputs,
                                  lambda actual: parity.check_agreement(name, expected, actual, agreement_threshold))


def write_report(workdir, rows, verbose=True):
    """Writes export_report.json, prints the table, and raises ExportError if a row was refused."""
    with atomic.atomic_file(os.path.join(workdir, "export_report.json")) as staging:
        with open(staging, "w") as file:
            json.dump(rows, file, indent=2)
    if verbose:
        print(report_table(rows))
    refused = [row["refused"] for row in rows if "refused" in row]
    if refused:
        raise ExportError("refused: " + "; ".join(refused))
    return rows


def export_keras_and_serving(model, workdir, example, write_serving):
    """Writes model.keras (checked on `example`, a dict input name → array) and `write_serving()`'s
    serving/<n+1>; returns their report rows, a refused artifact's row holding "refused"."""
    expected = keras_outputs(model, example)
    rows = []
    for write in (lambda: export_keras_file(model, workdir, example, expected), write_serving):
        try:
            rows.append(write())
        except ExportError as error:
            rows.append(refusal_row(error))
    return rows


def refusal_row(error):
    """The report row of the artifact `error` (an `ExportError`) refused."""
    return dict(artifact=error.artifact, refused=str(error))


def export_model(
    model,
    workdir,
    example_inputs,
    tolerance=1e-4,
    agreement_threshold=0.98,
    quantizations=("float16", "int8"),
    gpu_delegate=False,
    fused_lstm=False,
    representative_inputs=None,
    verbose=True,
    quantized_check=None,
):
    """Exports `model` to `workdir`, proving every artifact against the Keras model first.

    Writes `model.keras`, `serving/<n+1>/` (the next version: a SavedModel whose `serving_default` takes the model's
    inputs with free batch and length), `model.tflite` (float32, TFLITE_BUILTINS only, with the
    fixed input shapes of `example_inputs`), the quantized variants, and `export_report.json`.
    Each is written atomically and only if it passes: float artifacts within `tolerance`
    (absolute) and with the same argmax wherever the margin is clear; quantized ones with argmax
    agreement of at least `agreement_threshold`. A refused artifact leaves the previous one in place.

    A model built under a mixed dtype policy is exported as its float32 copy (`zoo.precision.float32_copy`: same
    weights), the model every artifact is proved against: TFLite has no bfloat16 kernels and serving signatures
    stay float32.

    Args:
        model: a Keras functional model.
        workdir: str. Where the artifacts go (e.g. `saved_models/<recipe>`).
        example_inputs: array, list of arrays or dict input name → array: real inputs (a test
            batch); their shapes become the TFLite input shapes.
        tolerance: float, default 1e-4.
        agreement_threshold: float, default 0.98.
        quantizations: the TFLite variants besides float32: "float16", "int8" (dynamic range),
            "full_int8" (weights and activations, calibrated on `representative_inputs`; from the
            unrolled copy, so fixed-length graphs only).
        gpu_delegate: bool. Also write `model_gpu.tflite`: every recurrence unrolled over the
            example inputs' length, no WHILE, only ops the TFLite GPU delegate runs (checked).
        fused_lstm: bool. Also write `model_fused_lstm.tflite`, where every plain LSTM layer (no
            mask, no returned states) is the native UNIDIRECTIONAL_SEQUENCE_LSTM op.
        representative_inputs: like `example_inputs`, training rows of the same shapes; cut into
            batches of the example's size, they calibrate "full_int8".
        verbose: bool. Print the report table.
        quantized_check: callable `(artifact name, expected, actual)` → parity dict, raising
            ExportError: checks quantized files instead of argmax agreement (for regressions).

    Returns:
        The report: a list of dicts, one per artifact.

    Raises:
        ExportError: if any artifact was refused (the others are written; the report names it).
    """
    model = float32_copy(model)
    inputs = _as_input_dict(model, example_inputs)
    representative = None
    if "full_int8" in quantizations and representative_inputs is not None:
        representative = calibration_batches(model, representative_inputs, inputs)
    expected = keras_outputs(model, inputs)
    os.makedirs(workdir, exist_ok=True)
    rows = export_keras_and_serving(
        model, workdir, inputs, lambda: export_saved_model(model, workdir, inputs, expected, tolerance))
    with tempfile.TemporaryDirectory(prefix="zoo-export-") as scratch:
        rows += export_tflite(model, workdir, inputs, expected, tolerance, agreement_threshold, quantizations, scratch,
                              quantized_check)
        variants = []
        if "full_int8" in quantizations:
            variants.append(lambda: export_full_int8(
                model, workdir, inputs, expected, agreement_threshold, representative, scratch))
        if gpu_delegate:
            variants.append(lambda: export_gpu_delegate_tflite(model, workdir, inputs, expected, tolerance, scratch))
        if fused_lstm:
            variants.append(lambda: export_fused_lstm_tflite(model, workdir, inputs, expected, tolerance, scratch))
        for export_variant in variants:
            try:
                rows.append(export_variant())
            except ExportError as error:
                rows.append(refusal_row(error))
    return write_report(workdir, rows, verbose)


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
            "-" if row.get("max_abs_diff") is None else f"{row['max_abs_diff']:.2e}", "-" if row.get("argmax_agreement") is None else f"{row['argmax_agreement']:.1%}",
            "-" if row.get("latency_ms") is None else f"{row['latency_ms']:.2f}",
        ])
    return format_table(["artifact", "size", "ops", "max |diff|", "agreement", "latency ms"], table)
