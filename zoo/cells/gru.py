"""The gated recurrent unit."""

import keras
from keras import ops

from zoo.cells.base import GatedCell


@keras.saving.register_keras_serializable(package="zoo")
class GRUCell(GatedCell):
    """Gated recurrent unit (Cho et al., 2014).

        z_t = σ(W_z x_t + U_z h_{t-1} + b_z)                 update gate
        r_t = σ(W_r x_t + U_r h_{t-1} + b_r)                 reset gate
        h̃_t = tanh(W_h x_t + r_t ⊙ (U_h h_{t-1} + b'_h) + b_h)   reset_after=True
        h̃_t = tanh(W_h x_t + U_h (r_t ⊙ h_{t-1}) + b_h)          reset_after=False
        h_t = z_t ⊙ h_{t-1} + (1 - z_t) ⊙ h̃_t

    Gates are stored in the order z, r, h, as `keras.layers.GRUCell`: `kernel` (input_dim,
    3 * units), `recurrent_kernel` (units, 3 * units), and `bias` of shape (3 * units,), or
    (2, 3 * units) with `reset_after` (row 0 added to W x, row 1 to U h: the b' above).

    Args:
        units: int. Size of the hidden state h.
        reset_after: bool, default True. Apply r_t after the recurrent matmul (cuDNN / Keras
            default) instead of before it (the paper).
        activation: str or callable, default "tanh". Used for h̃.
        recurrent_activation: str or callable, default "sigmoid". The gate nonlinearity σ.
        **kwargs: `use_bias`, initializers, regularizers, `dropout`, `recurrent_dropout`,
            `seed`; see `zoo.cells.base.RecurrentCell`.

    Example:
        >>> layer = zoo.layers.Recurrent(zoo.cells.GRUCell(64, reset_after=False))
        >>> layer(np.zeros((8, 10, 4), "float32")).shape
        (8, 64)
    """

    gate_count = 3

    def __init__(self, units, reset_after=True, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)

    @property
    def recurrent_bias(self):
        return self.bias[1] if self.reset_after and self.use_bias else None

    @property
    def recomputed_gradient(self):
        # With reset_after its step fits the hand-made loop gradient, which became the faster once the loop read its
        # saved steps as slices (`python -m zoo.bench`); the paper's variant multiplies by U twice: autodiff.
        return self.reset_after

    @property
    def single_recurrent_product(self):
        return self.reset_after  # the paper's variant multiplies r ⊙ h_{t-1} by U_h separately

    def bias_shape(self):
        if self.reset_after:
            return (2, 3 * self.units)
        return (3 * self.units,)

    def input_bias(self):
        if self.use_bias and self.reset_after:
            return self.bias[0]
        return super().input_bias()

    def project_inputs(self, inputs, kernel=None):
        projected = self.matmul(inputs, self.kernel if kernel is None else kernel)  # (..., 3 * units)
        if self.use_bias:
            projected = projected + (self.bias[0] if self.reset_after else self.bias)
        return projected

    def step(self, projected, states, recurrent_mask=None, recurrent=None):
        h_prev = states[0]
        x_z, x_r, x_h = ops.split(projected, 3, axis=-1)
        if self.reset_after:
            recurrent = self.recurrent_product(h_prev, recurrent_mask, recurrent)  # U h_{t-1} + b_U: (batch, 3 * units)
            u_z, u_r, u_h = ops.split(recurrent, 3, axis=-1)
            z = self.recurrent_activation(x_z + u_z)
            r = self.recurrent_activation(x_r + u_r)
            h_candidate = self.activation(x_h + r * u_h)
        else:
            h_dropped = self.drop_state(h_prev, recurrent_mask)
            u_zr = self.matmul(h_dropped, self.recurrent_kernel[:, : 2 * self.units])
            u_z, u_r = ops.split(u_zr, 2, axis=-1)
            z = self.recurrent_activation(x_z + u_z)
            r = self.recurrent_activation(x_r + u_r)
            h_candidate = self.activation(
                x_h + self.matmul(r * h_dropped, self.recurrent_kernel[:, 2 * self.units :])
            )
        h = z * h_prev + (1.0 - z) * h_candidate
        return h, [h]

    def get_config(self):
        config = super().get_config()
        config["reset_after"] = self.reset_after
        return config
