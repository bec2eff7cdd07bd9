"""The deep input-to-hidden and hidden-to-output functions of a deep RNN: an MLP at every time step."""

import keras

from zoo.errors import UsageError


def deep_mlp(layers, units, name):
    """An MLP applied to each time step alone (Pascanu, Gulcehre, Cho & Bengio, 2014, §3.2: the deep
    input-to-hidden function, DI, between x_t and the recurrence, and the deep hidden-to-output function,
    DO, between h_t and the output layer):

        v_t = tanh(V_L tanh(… tanh(V_1 u_t + c_1) …) + c_L)

    Masks pass through it unchanged.

    Args:
        layers: int >= 0. L, the MLP's layers; 0 = none (the input is returned as it is).
        units: int. Width of every layer.
        name: the MLP's layer name (`deep_input`, `deep_output`, ...).

    Returns:
        A callable on (batch, [time,] features): a `DeepMLP` layer, or the identity for 0 layers.

    Example:
        >>> hidden = zoo.layers.deep_mlp(2, 64, "deep_input")(embedded)
    """
    if isinstance(layers, bool) or not isinstance(layers, int) or layers < 0:
        raise UsageError(f"{name}: the number of layers must be an integer >= 0 (input_layers, output_layers); "
                         f"received {layers!r}.")
    if layers == 0:
        return lambda inputs: inputs
    return DeepMLP(layers, units, name=name)


@keras.saving.register_keras_serializable(package="zoo")
class DeepMLP(keras.layers.Layer):
    """`layers` tanh Dense layers of `units`, applied at every time step, passing the mask on (a
    `keras.Sequential` would drop it). See `deep_mlp`."""

    def __init__(self, layers, units, **kwargs):
        super().__init__(**kwargs)
        self.layer_count, self.units = layers, units
        self.dense_layers = [keras.layers.Dense(units, activation="tanh", name=f"{self.name}_{index}")
                             for index in range(layers)]  # fmt: skip
        self.supports_masking = True

    def build(self, input_shape):
        shape = tuple(input_shape)
        for dense in self.dense_layers:
            dense.build(shape)
            shape = shape[:-1] + (self.units,)

    def call(self, inputs):
        for dense in self.dense_layers:
            inputs = dense(inputs)
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-1] + (self.units,)

    def get_config(self):
        return {**super().get_config(), "layers": self.layer_count, "units": self.units}
