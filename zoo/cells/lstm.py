"""The long short-term memory cell."""

import keras
from keras import ops

from zoo import checks
from zoo.cells.base import GatedCell

VARIANTS = ("vanilla", "no_input_gate", "no_forget_gate", "no_output_gate", "cifg", "no_input_activation",
            "no_output_activation", "sigmoid_candidate")


def forget_bias_initializer(bias_initializer, units):
    """Initializer of the LSTM bias [b_i, b_f, b_c, b_o] with b_f = 1 (Jozefowicz et al., 2015)."""

    def initialize(shape, dtype=None):
        return ops.concatenate(
            [
                bias_initializer((units,), dtype=dtype),
                ops.ones((units,), dtype=dtype),
                bias_initializer((2 * units,), dtype=dtype),
            ]
        )

    return initialize


@keras.saving.register_keras_serializable(package="zoo")
class LSTMCell(GatedCell):
    """Long short-term memory cell (Hochreiter & Schmidhuber, 1997; forget gate: Gers et al., 2000).

        i_t = σ(W_i x_t + U_i h_{t-1} + b_i)          input gate
        f_t = σ(W_f x_t + U_f h_{t-1} + b_f)          forget gate
        C̃_t = tanh(W_c x_t + U_c h_{t-1} + b_c)       candidate
        o_t = σ(W_o x_t + U_o h_{t-1} + b_o)          output gate
        C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t               cell state
        h_t = o_t ⊙ tanh(C_t)

    The four gates are stored side by side in the order i, f, c, o: `kernel` (input_dim,
    4 * units), `recurrent_kernel` (units, 4 * units), `bias` (4 * units,), exactly as
    `keras.layers.LSTMCell`. The state is `[h, C]`.

    LSTM's parts can be taken out one at a time (the variants of Greff et al., "LSTM: A Search Space
    Odyssey", 2017), and peepholes added (Gers & Schmidhuber, 2000):

        peephole=True           i_t = σ(… + w_ci ⊙ C_{t-1}), f_t = σ(… + w_cf ⊙ C_{t-1}), o_t = σ(… + w_co ⊙ C_t)
        "no_input_gate"         i_t ≡ 1
        "no_forget_gate"        f_t ≡ 1
        "no_output_gate"        o_t ≡ 1
        "cifg"                  f_t = 1 − i_t (coupled input and forget gates)
        "no_input_activation"   C̃_t = W_c x_t + U_c h_{t-1} + b_c (the identity)
        "no_output_activation"  h_t = o_t ⊙ C_t
        "sigmoid_candidate"     C̃_t = σ(W_c x_t + U_c h_{t-1} + b_c)

    A removed gate keeps its columns in the kernels (the layout stays Keras'); they receive no gradient.

    Args:
        units: int. Size of h and C.
        activation: str or callable, default "tanh". Used for C̃ and for h.
        recurrent_activation: str or callable, default "sigmoid". The gate nonlinearity σ.
        unit_forget_bias: bool, default True. Initialize b_f to 1 (the rest with
            `bias_initializer`), so the cell starts by remembering.
        variant: str, default "vanilla" (the equations above). One of `VARIANTS` (see above).
        peephole: bool, default False. Add the peephole weights `peephole_input`, `peephole_forget`,
            `peephole_output` (units,), initialized to zeros (the cell starts as without them).
        **kwargs: `use_bias`, initializers, regularizers, `dropout`, `recurrent_dropout`,
            `seed`; see `zoo.cells.base.RecurrentCell`.

    Example:
        >>> layer = zoo.layers.Recurrent(zoo.cells.LSTMCell(64), return_sequences=True)
        >>> layer(np.zeros((8, 10, 4), "float32")).shape
        (8, 10, 64)
    """

    gate_count = 4
    recomputed_gradient = True

    def __init__(self, units, unit_forget_bias=True, variant="vanilla", peephole=False, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)
        checks.one_of("variant", variant, VARIANTS)
        self.variant, self.peephole = variant, bool(peephole)

    def build(self, input_shape):
        super().build(input_shape)
        if self.peephole:
            self.peephole_input, self.peephole_forget, self.peephole_output = (
                self.add_elementwise_weight((self.units,), f"peephole_{gate}", "zeros")
                for gate in ("input", "forget", "output"))

    @property
    def state_size(self):
        return [self.units, self.units]

    def bias_initial_values(self):
        if self.unit_forget_bias:
            return forget_bias_initializer(self.bias_initializer, self.units)
        return self.bias_initializer

    def project_inputs(self, inputs, kernel=None):
        projected = self.matmul(inputs, self.kernel if kernel is None else kernel)  # (..., 4 * units)
        if self.use_bias:
            projected = projected + self.bias
        return projected

    def step(self, projected, states, recurrent_mask=None, recurrent=None):
        h_prev, c_prev = states[0], states[1]
        z = projected + self.recurrent_product(h_prev, recurrent_mask, recurrent)  # (batch, 4 * units)
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)
        if self.variant == "vanilla" and not self.peephole:
            i = self.recurrent_activation(z_i)
            f = self.recurrent_activation(z_f)
            c_candidate = self.activation(z_c)
            o = self.recurrent_activation(z_o)
            c = f * c_prev + i * c_candidate
            h = o * self.activation(c)
            return h, [h, c]
        return self._variant_step(z_i, z_f, z_c, z_o, c_prev)

    def _variant_step(self, z_i, z_f, z_c, z_o, c_prev):
        """`step` with a part taken out or peepholes added (the class docstring's equations)."""
        variant, one = self.variant, ops.ones_like(c_prev)
        if self.peephole:
            z_i = z_i + self.peephole_input * c_prev
            z_f = z_f + self.peephole_forget * c_prev
        i = one if variant == "no_input_gate" else self.recurrent_activation(z_i)
        if variant == "cifg":
            f = 1.0 - i
        else:
            f = one if variant == "no_forget_gate" else self.recurrent_activation(z_f)
        if variant == "no_input_activation":
            c_candidate = z_c
        else:
            c_candidate = self.recurrent_activation(z_c) if variant == "sigmoid_candidate" else self.activation(z_c)
        c = f * c_prev + i * c_candidate
        if self.peephole:
            z_o = z_o + self.peephole_output * c
        o = one if variant == "no_output_gate" else self.recurrent_activation(z_o)
        h = o * (c if variant == "no_output_activation" else self.activation(c))
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        config.update(unit_forget_bias=self.unit_forget_bias, variant=self.variant, peephole=self.peephole)
        return config
