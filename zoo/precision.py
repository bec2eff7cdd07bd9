"""Mixed precision: the dtype policy a model is built under, and its float32 copy for export.

Under `mixed_bfloat16` (CPUs with AVX512-BF16 or AMX, TPUs) or `mixed_float16` (GPUs; Keras' `compile` then
scales the loss) zoo's layers keep their variables in float32, multiply in the compute dtype and keep gates,
states, attention softmaxes and logits in float32 (`zoo.cells.base`). Exports trace a float32 copy: TFLite
has no bfloat16 kernels, and a served model's signature stays float32.
"""

import contextlib

import keras

from zoo.cpu import CPUINFO, cpu_flags, cpu_model
from zoo.errors import UsageError

PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
_LOW_DTYPES = ("bfloat16", "float16")


def check_precision(name, value):
    """`value` if it is one of `PRECISIONS`; a UsageError naming the setting `name` otherwise."""
    if value not in PRECISIONS:
        raise UsageError(f"`{name}` must be one of {', '.join(PRECISIONS)}; received {value!r}.")
    return value


@contextlib.contextmanager
def dtype_policy(name):
    """Within this block, Keras' global dtype policy is `name` (layers built here take it); restored after."""
    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy(check_precision("precision", name))
    try:
        yield
    finally:
        keras.mixed_precision.set_dtype_policy(previous)


def _float32_config(value):
    """`value` (a serialized model) with every low-precision dtype policy and dtype replaced by float32."""
    if isinstance(value, list):
        return [_float32_config(item) for item in value]
    if not isinstance(value, dict):
        return value
    if value.get("class_name") == "DTypePolicy" and value.get("config", {}).get("name", "").startswith("mixed_"):
        return {**value, "config": {**value["config"], "name": "float32"}}
    return {key: ("float32" if key == "dtype" and item in _LOW_DTYPES else _float32_config(item))
            for key, item in value.items()}


def uses_mixed_precision(model):
    """Whether any layer of `model` computes in a low-precision dtype."""
    config = keras.saving.serialize_keras_object(model)
    return _float32_config(config) != config


def cpu_multiplies_bfloat16(cpuinfo=CPUINFO):
    """Whether this CPU has bfloat16 dot products (x86 AVX512-BF16 or AMX-BF16, Arm's BF16 extension); None where
    its flags cannot be read (not Linux)."""
    flags = cpu_flags(cpuinfo)
    return None if flags is None else bool(flags & {"avx512_bf16", "amx_bf16", "bf16"})


def precision_warning(precision, cpuinfo=CPUINFO):
    """A line for the user where `precision` will not make training faster on this machine (mixed_bfloat16 on a
    CPU without bfloat16 dot products); None otherwise."""
    if precision != "mixed_bfloat16" or cpu_multiplies_bfloat16(cpuinfo) is not False:
        return None
    return (f"note: precision = mixed_bfloat16, but this CPU ({cpu_model(cpuinfo)}) has no bfloat16 dot products "
            "(AVX512-BF16, AMX or Arm BF16): zoo's recurrent kernels run at about float32 speed and TensorFlow's "
            "other bfloat16 ops (projections, dense layers, weight gradients) slower than float32; precision = "
            "float32 is faster here")


def float32_copy(model):
    """`model` itself when it computes in float32; otherwise the same architecture rebuilt under float32 with the
    same (float32) weights — what an export traces, and the Keras model it is proved against."""
    config = keras.saving.serialize_keras_object(model)
    float32_config = _float32_config(config)
    if float32_config == config:
        return model
    with dtype_policy("float32"):
        copy = keras.saving.deserialize_keras_object(float32_config)
    weights = model.get_weights()
    if len(copy.weights) != len(weights):
        raise RuntimeError(f"the float32 copy of {model.name} has {len(copy.weights)} weights, the model "
                           f"{len(weights)}: it was not rebuilt the same way.")
    copy.set_weights(weights)
    return copy
