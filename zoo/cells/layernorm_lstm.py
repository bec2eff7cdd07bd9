"""The LSTM cell with layer normalization."""

import keras
from keras import ops

from zoo.errors import UsageError
from zoo.cells.lstm import LSTMCell


def layer_norm(values, gamma, beta=None, epsilon=1e-3):
    """LN(v) = γ ⊙ (v - mean(v)) / sqrt(var(v) + ε) + β over the last axis."""
    mean = ops.mean(values, axis=-1, keepdims=True)
    variance = ops.mean(ops.square(values - mean), axis=-1, keepdims=True)
    normalized = (values - mean) * ops.rsqrt(variance + epsilon) * gamma
    return normalized if beta is None else normalized + beta


@keras.saving.register_keras_serializable(package="zoo")
class LayerNormLSTMCell(LSTMCell):
    """LSTM with layer normalization (Ba, Kiros & Hinton, 2016, "Layer Normalization", §3.1).

        [i, f, c, o]_t = LN(W x_t; γ_x) + LN(U h_{t-1}; γ_h) + b
        i_t, f_t, o_t = σ(i), σ(f), σ(o)      C̃_t = tanh(c)
        C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t
        h_t = o_t ⊙ tanh(LN(C_t; γ_C, β_C))

    Each LN normalizes over the whole 4 * units pre-activation (or the units of C_t):
    LN(v; γ, β) = γ ⊙ (v - μ(v)) / sqrt(σ²(v) + ε) + β. The paper also gives the two gate LNs
    a shift β; zoo folds those into the single bias b, which spans the same functions with
    fewer weights. Keras has no such cell.

    Weights: `kernel`, `recurrent_kernel`, `bias` as `LSTMCell` (gate order i, f, c, o), plus
    `input_gamma` and `recurrent_gamma` (4 * units,), `cell_gamma` and `cell_beta` (units,).

    Args:
        units: int. Size of h and C.
        epsilon: float, default 1e-3. The ε added to the variance (Keras' LayerNormalization
            default).
        **kwargs: the arguments of `LSTMCell` (`unit_forget_bias`, activations, dropout, ...).

    Example:
        >>> cell = zoo.cells.LayerNormLSTMCell(64, recurrent_dropout=0.1)
        >>> zoo.layers.Recurrent(cell)(np.zeros((8, 10, 4), "float32")).shape
        (8, 64)
    """

    recomputed_gradient = True

    def __init__(self, units, epsilon=1e-3, **kwargs):
        super().__init__(units, **kwargs)
        if self.variant != "vanilla" or self.peephole:
            raise UsageError("LayerNormLSTMCell has no variants or peepholes (they are LSTMCell's); received "
                             f"variant={self.variant!r}, peephole={self.peephole}.")
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or epsilon <= 0:
            raise UsageError(f"`epsilon` must be a positive float; received epsilon={epsilon!r}.")
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        super().build(input_shape)
        if self.kernel is not None:  # LN(0) = 0: a cell that reads no input has nothing to normalize
            self.input_gamma = self.add_elementwise_weight((4 * self.units,), "input_gamma", "ones")
        self.recurrent_gamma = self.add_elementwise_weight((4 * self.units,), "recurrent_gamma", "ones")
        self.cell_gamma = self.add_elementwise_weight((self.units,), "cell_gamma", "ones")
        self.cell_beta = self.add_elementwise_weight((self.units,), "cell_beta", "zeros")

    def project_inputs(self, inputs, kernel=None):
        projected = layer_norm(self.matmul(inputs, self.kernel if kernel is None else kernel), self.input_gamma, epsilon=self.epsilon)
        if self.use_bias:
            projected = projected + self.bias
        return projected  # (..., 4 * units)

    def step(self, projected, states, recurrent_mask=None, recurrent=None):
        h_prev, c_prev = states[0], states[1]
        recurrent = self.recurrent_product(h_prev, recurrent_mask, recurrent)
        z = projected + layer_norm(recurrent, self.recurrent_gamma, epsilon=self.epsilon)
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c_candidate = self.activation(z_c)
        o = self.recurrent_activation(z_o)
        c = f * c_prev + i * c_candidate
        h = o * self.activation(layer_norm(c, self.cell_gamma, self.cell_beta, self.epsilon))
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        config["epsilon"] = self.epsilon
        return config
