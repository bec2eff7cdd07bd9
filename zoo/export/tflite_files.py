"""Converting a SavedModel signature to a TFLite file, and writing it, zoo's metadata inside, only once
it is proved: the steps every TFLite export shares (`exporter`, the fused-LSTM and GPU-delegate files,
encoder/decoder pairs, the language model's step)."""

import os
import time

import numpy as np

from zoo import atomic
from zoo.export import convert, tflite_metadata, tflite_model
from zoo.export.errors import ExportError

TFLITE_SIGNATURE = "tflite"


def latency_ms(function, repeats=5):
    """Median milliseconds of `repeats` calls of `function`, after one warm-up call."""
    function()
    durations = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        durations.append(time.perf_counter() - start)
    return float(np.median(durations)) * 1000


def tflite_file_name(stem, quantization):
    """model.tflite, model_fp16.tflite, model_int8.tflite (or another stem: encoder_fp16.tflite, ...)."""
    return stem + {"none": "", "float16": "_fp16", "int8": "_int8", "full_int8": "_full_int8"}[quantization] + ".tflite"


def convert_built_in(source, signature, name, quantization, scratch, representative=None):
    """Converts one signature of the SavedModel `source` to TFLite in a subprocess.

    `representative` (a list of dicts input name → array) calibrates "full_int8".

    Returns:
        `(data, ops)`: the file's bytes and the ops of every subgraph. Raises ExportError (naming
        `name`) if the converter fails or the file holds non-built-in ops.
    """
    converted = os.path.join(scratch, name)
    representative_path = None
    if representative is not None:
        representative_path = os.path.join(scratch, f"{name}.representative.npz")
        convert.save_representative(representative, representative_path)
    try:
        convert.convert_in_subprocess(source, signature, quantization, converted,
                                      representative_path=representative_path)
    except ExportError as error:
        raise ExportError(artifact=name, reason=error.reason) from error
    with open(converted, "rb") as file:
        data = file.read()
    ops = tflite_model.operator_names(data)
    custom = [op for op in ops if op.startswith("CUSTOM")]
    if custom:
        raise ExportError(artifact=name, reason=f"holds non-built-in ops {custom}")
    return data, ops


def prove_and_write_tflite(workdir, name, data, ops, inputs, check, run=None, metadata=None):
    """Writes zoo's metadata into the TFLite file `data` (`zoo.export.tflite_metadata`: the file's own
    fields, the `describing` context's, then `metadata`, a dict), runs those very bytes on `inputs` with
    ai-edge-litert (or `run(runner)`, e.g. a step at a time), checks its outputs with `check(actual)` (a
    `zoo.export.parity` check: raises ExportError, else returns its dict), times it, and only then
    writes `<workdir>/<name>` atomically. Returns the report row."""
    data = tflite_metadata.described(data, name, metadata)
    runner = tflite_model.TFLiteModel(data)
    run = run or (lambda runner: runner(**inputs))
    try:
        actual = run(runner)
    except (RuntimeError, ValueError) as error:
        raise ExportError(artifact=name, reason=f"the TFLite runtime could not run it: {error}") from error
    result = check(actual)
    latency = latency_ms(lambda: run(runner))
    atomic.write_bytes(os.path.join(workdir, name), data)
    return dict(artifact=name, bytes=len(data), ops=ops, subgraphs=tflite_model.subgraph_count(data), **result,
                latency_ms=latency)
