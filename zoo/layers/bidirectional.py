"""`Bidirectional`: a `Recurrent` layer run forwards and backwards, outputs merged."""

import keras
import tensorflow as tf

from zoo.errors import UsageError
from zoo import checks
from zoo.layers.recurrent import Recurrent
from zoo.layers.time_loop import reverse_time

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _merge(forward, backward, merge_mode):
    if merge_mode == "concat":
        return tf.concat([forward, backward], axis=-1)
    if merge_mode == "sum":
        return forward + backward
    if merge_mode == "mul":
        return forward * backward
    if merge_mode == "ave":
        return (forward + backward) / 2
    return [forward, backward]


@keras.saving.register_keras_serializable(package="zoo")
class Bidirectional(keras.layers.Layer):
    """Bidirectional RNN (Schuster & Paliwal, 1997): one layer reads left to right, a twin reads
    right to left, and their outputs are merged position by position.

        h→_t = cell→(x_t, h→_{t-1})      h←_t = cell←(x_t, h←_{t+1})      y_t = merge(h→_t, h←_t)

    The backward twin is a fresh copy of `layer` (same configuration, its own weights) with
    `go_backwards` flipped; its output sequence is reversed back so both align in time. Masks
    reach both directions, so the backward pass of a right-padded sequence starts at its last
    valid step.

    Args:
        layer: a `zoo.layers.Recurrent`, the forward direction.
        merge_mode: "concat" (default), "sum", "mul", "ave", or None to return both outputs.
        backward_layer: optional `Recurrent` to use as the backward direction instead of a copy;
            it must process the sequence backwards.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs, mask, training: as `Recurrent`.
        initial_state: optional list: the forward layer's states, then the backward layer's.

    Returns the merged output, followed (with `return_state`) by the forward then the backward
    final states.

    Example:
        >>> layer = zoo.layers.Bidirectional(
        ...     zoo.layers.Recurrent(zoo.cells.GRUCell(16), return_sequences=True))
        >>> layer(np.zeros((2, 9, 3), "float32")).shape
        (2, 9, 32)
    """

    def __init__(self, layer, merge_mode="concat", backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Recurrent):
            raise UsageError(f"`layer` must be a zoo.layers.Recurrent; received layer={layer!r}.")
        self.merge_mode = checks.one_of("merge_mode", merge_mode, MERGE_MODES)
        if backward_layer is None:
            config = layer.get_config()
            config.update(name=f"backward_{layer.name}", go_backwards=not layer.go_backwards)
            backward_layer = Recurrent.from_config(config)
        elif not isinstance(backward_layer, Recurrent) or backward_layer.go_backwards == layer.go_backwards:
            raise UsageError(
                "`backward_layer` must be a zoo.layers.Recurrent running opposite to `layer` "
                f"(go_backwards={not layer.go_backwards}); received backward_layer={backward_layer!r}."
            )
        self.forward_layer = layer
        self.backward_layer = backward_layer
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True

    @property
    def state_count(self):
        return len(self.forward_layer.cell.state_sizes)

    def build(self, input_shape):
        self.forward_layer.build(input_shape)
        self.backward_layer.build(input_shape)

    def call(self, inputs, initial_state=None, mask=None, training=False):
        forward_state = backward_state = None
        if initial_state is not None:
            initial_state = list(initial_state)
            if len(initial_state) != 2 * self.state_count:
                raise UsageError(
                    f"{self.name}: `initial_state` must hold {2 * self.state_count} tensors (forward "
                    f"states, then backward states); received {len(initial_state)}."
                )
            forward_state, backward_state = initial_state[: self.state_count], initial_state[self.state_count :]
        forward = self.forward_layer(inputs, initial_state=forward_state, mask=mask, training=training)
        backward = self.backward_layer(inputs, initial_state=backward_state, mask=mask, training=training)
        forward_states = backward_states = []
        if self.return_state:
            forward, *forward_states = forward
            backward, *backward_states = backward
        if self.return_sequences:
            backward = reverse_time(backward, 1, self.backward_layer.unroll)
        merged = _merge(forward, backward, self.merge_mode)
        if self.return_state:
            outputs = merged if isinstance(merged, list) else [merged]
            return outputs + list(forward_states) + list(backward_states)
        return merged

    def compute_output_shape(self, inputs_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(inputs_shape)
        state_shapes = []
        if self.return_state:
            shape, *state_shapes = shape
            state_shapes = state_shapes * 2
        shape = tuple(shape)
        if self.merge_mode == "concat":
            outputs = [shape[:-1] + (shape[-1] * 2,)]
        elif self.merge_mode is None:
            outputs = [shape, shape]
        else:
            outputs = [shape]
        if not self.return_state and len(outputs) == 1:
            return outputs[0]
        return outputs + state_shapes

    def compute_mask(self, inputs, mask=None):
        output_mask = mask if self.return_sequences else None
        masks = [output_mask] * (2 if self.merge_mode is None else 1)
        if self.return_state:
            masks += [None] * (2 * self.state_count)
        return masks if len(masks) > 1 else masks[0]

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "layer": keras.saving.serialize_keras_object(self.forward_layer),
                "merge_mode": self.merge_mode,
                "backward_layer": keras.saving.serialize_keras_object(self.backward_layer),
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = keras.saving.deserialize_keras_object(config["layer"])
        config["backward_layer"] = keras.saving.deserialize_keras_object(config["backward_layer"])
        return cls(**config)
