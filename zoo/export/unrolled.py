"""An unrolled, fixed-shape copy of a model: the form of the GPU-delegate and full-integer files.

The TFLite GPU delegate runs no control flow, and TF 2.21's int8 calibrator crashed on the
WHILE loop of a recurrent graph while an unrolled one quantized; both files are therefore
converted from this copy, in which every `zoo.layers.Recurrent` repeats its step once per time
step of a fixed length.
"""

import keras

from zoo.export import saved_model


def _unroll(config):
    """`config` (a layer's, nested layers included) with `unroll=True` on every zoo `Recurrent`."""
    if isinstance(config, list):
        return [_unroll(item) for item in config]
    if not isinstance(config, dict):
        return config
    config = {key: _unroll(value) for key, value in config.items()}
    if "class_name" in config:
        config.pop("build_config", None)  # built again by the call, at the fixed shape
        if config["class_name"] == "Recurrent" and isinstance(config.get("config"), dict):
            config["config"]["unroll"] = True
    return config


def unrolled_copy(model, input_shapes):
    """A copy of the functional `model`, same weights, fixed input shapes, every recurrence unrolled.

    Args:
        model: a Keras functional model built from zoo layers.
        input_shapes: dict input name → full shape (batch included), e.g. the example inputs'.
    """
    from zoo.layers import Recurrent

    inputs = keras.tree.map_structure(
        lambda tensor: keras.Input(batch_shape=input_shapes[saved_model.input_name(tensor)], dtype=tensor.dtype,
                                   name=saved_model.input_name(tensor)),
        model.input,
    )  # fmt: skip

    def clone(layer):
        config = _unroll(layer.get_config())
        if isinstance(layer, Recurrent):
            config["unroll"] = True
        return type(layer).from_config(config)

    copy = keras.models.clone_model(model, input_tensors=inputs, clone_function=clone)
    copy.set_weights(model.get_weights())
    return copy


def save_unrolled(model, inputs, directory, signature_name):
    """Saves the unrolled copy of `model` at the shapes of `inputs` (dict name → array) as a SavedModel.

    Raises:
        ExportError: naming `signature_name`'s file if the model cannot be unrolled.
    """
    from zoo.export.errors import ExportError

    fixed = {name: value.shape for name, value in inputs.items()}
    try:
        unrolled = unrolled_copy(model, fixed)
    except ValueError as error:
        raise ExportError(f"the model could not be unrolled: {error}") from error
    signature = saved_model.numeric_function(unrolled, saved_model.input_specs(unrolled, fixed_shapes=fixed))
    saved_model.save(unrolled, directory, {signature_name: signature})
