"""The GPU-delegate variant of a model: fixed input shapes, the recurrence unrolled, no WHILE.

The TFLite GPU delegate runs only a fixed set of built-in ops and no control flow: a `WHILE`
subgraph, or any op outside the set, falls back to the CPU and splits the graph. So this
variant unrolls every `zoo.layers.Recurrent` over the example inputs' length (one copy of the
step per time step), converts it with built-in ops only, and is refused unless every op of
the file is in `GPU_DELEGATE_OPS`.
"""

import os

from zoo.export import parity
from zoo.export.errors import ExportError
from zoo.export.tflite_files import TFLITE_SIGNATURE, convert_built_in, prove_and_write_tflite
from zoo.export.unrolled import save_unrolled

GPU_DELEGATE_FILE = "model_gpu.tflite"

# Float ops the TFLite GPU delegate (OpenCL / OpenGL / Metal backends) builds, from its op
# parsers in tensorflow/lite/delegates/gpu/common/model_builder.cc. Kept conservative: ops the
# delegate accepts only with restrictions on types or shapes (GATHER, CAST, SELECT_V2, the
# comparisons behind masks) are left out, so a model that needs them is refused, not split.
GPU_DELEGATE_OPS = frozenset(
    {
        "ABS", "ADD", "AVERAGE_POOL_2D", "BATCH_MATMUL", "CONCATENATION", "CONV_2D", "COS",
        "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE", "DEQUANTIZE", "DIV", "ELU", "EXP", "FULLY_CONNECTED",
        "HARD_SWISH", "LEAKY_RELU", "LOG", "LOGISTIC", "MAXIMUM", "MAX_POOL_2D", "MEAN", "MINIMUM",
        "MUL", "NEG", "PACK", "PAD", "PADV2", "PRELU", "RELU", "RELU6", "RELU_N1_TO_1", "RESHAPE",
        "RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR", "RSQRT", "SIN", "SLICE", "SOFTMAX",
        "SPACE_TO_DEPTH", "SPLIT", "SPLIT_V", "SQRT", "SQUARE", "SQUARED_DIFFERENCE", "STRIDED_SLICE",
        "SUB", "SUM", "TANH", "TRANSPOSE", "TRANSPOSE_CONV",
    }
)  # fmt: skip


def unsupported_ops(ops):
    """The ops of a TFLite file (every subgraph's) that the GPU delegate would not run, sorted."""
    return sorted(set(ops) - GPU_DELEGATE_OPS)


def export_gpu_delegate_tflite(model, workdir, inputs, expected, tolerance, scratch):
    """Writes `model_gpu.tflite`: the unrolled model at the inputs' shapes, checked before writing.

    Refused (ExportError naming the file) if the converted file holds a WHILE loop or an op
    outside `GPU_DELEGATE_OPS`, or if its outputs differ from `expected` beyond `tolerance`.

    Returns:
        The report row.
    """

    source = os.path.join(scratch, "gpu_source")
    try:
        save_unrolled(model, inputs, source, TFLITE_SIGNATURE)
    except ExportError as error:
        raise ExportError(artifact=GPU_DELEGATE_FILE, reason=error.reason) from error
    data, ops = convert_built_in(source, TFLITE_SIGNATURE, GPU_DELEGATE_FILE, "none", scratch)
    outside = unsupported_ops(ops)
    if outside:
        raise ExportError(artifact=GPU_DELEGATE_FILE, reason=f"ops the TFLite GPU delegate does not run: {outside}")
    return prove_and_write_tflite(workdir, GPU_DELEGATE_FILE, data, ops, inputs,
                                  lambda actual: parity.check_float(GPU_DELEGATE_FILE, expected, actual, tolerance))
