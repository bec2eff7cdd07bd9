"""The fused-LSTM TFLite file: plain LSTM layers become the native UNIDIRECTIONAL_SEQUENCE_LSTM op."""

import os

from zoo.export import parity, saved_model
from zoo.export.errors import ExportError
from zoo.export.tflite_files import TFLITE_SIGNATURE, convert_built_in, prove_and_write_tflite
from zoo.export.fused_lstm import fused_lstm_tracing

FUSED_LSTM_FILE = "model_fused_lstm.tflite"
FUSED_LSTM_OP = "UNIDIRECTIONAL_SEQUENCE_LSTM"


def export_fused_lstm_tflite(model, workdir, inputs, expected, tolerance, scratch):
    """Writes `model_fused_lstm.tflite`, traced with `zoo.export.fused_lstm`, checked before writing.

    Refused (ExportError naming the file) if no layer was fused (masked input, returned
    states, another cell), or if the outputs differ from `expected` beyond `tolerance` (the
    fused op clips the cell state at ±10).

    Returns:
        The report row.
    """

    fixed = {name: value.shape for name, value in inputs.items()}
    signature = saved_model.numeric_function(model, saved_model.input_specs(model, fixed_shapes=fixed))
    source = os.path.join(scratch, "fused_source")
    with fused_lstm_tracing():  # saving traces the signature again
        saved_model.save(model, source, {TFLITE_SIGNATURE: signature})
    data, ops = convert_built_in(source, TFLITE_SIGNATURE, FUSED_LSTM_FILE, "none", scratch)
    if FUSED_LSTM_OP not in ops:
        raise ExportError(artifact=FUSED_LSTM_FILE, reason=f"no layer became {FUSED_LSTM_OP} (only plain LSTM layers without "
                          f"masks or returned states fuse: no variant, peephole or deep transition); ops {ops}")
    return prove_and_write_tflite(workdir, FUSED_LSTM_FILE, data, ops, inputs,
                                  lambda actual: parity.check_float(FUSED_LSTM_FILE, expected, actual, tolerance))
