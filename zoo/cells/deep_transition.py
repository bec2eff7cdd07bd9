"""The deep-transition cell: several nonlinear layers between h_{t-1} and h_t inside one time step."""

import keras
from keras import ops

from zoo import checks
from zoo.cells.base import RecurrentCell
from zoo.cells.names import CELLS
from zoo.errors import UsageError

# The keyword arguments that belong to each layer's cell; the others (`name`, `dtype`) are the Keras layer's.
_CELL_ARGUMENTS = frozenset(
    ("activation", "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
     "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "unit_forget_bias",
     "variant", "peephole", "reset_after", "epsilon"))


@keras.saving.register_keras_serializable(package="zoo")
class DeepTransitionCell(RecurrentCell):
    """A deep-transition RNN cell, DT-RNN and DT(S)-RNN (Pascanu, Gulcehre, Cho & Bengio, 2014, "How to
    Construct Deep Recurrent Neural Networks", §3.2).

    With the simple cell, the paper's equations, L = `transition_depth`:

        z^1_t = φ(W x_t + U h_{t-1} + b)                       layer 1 reads the input and the state
        z^l_t = φ(U_l z^{l-1}_t + b_l)          l = 2 … L      an MLP inside the transition
        z^L_t = φ(U_L z^{L-1}_t + S h_{t-1} + b_L)             shortcut=True (DT(S)): h_{t-1} skips the MLP
        h_t = z^L_t

    Layer 1 is an ordinary cell; layer l ≥ 2 is a cell of the same kind that reads no input (its W x_t is
    0; with `shortcut`, the top layer reads h_{t-1} as its input, S being that layer's `kernel`), whose
    "previous state" is layer l−1's new state. With L = 1 and no shortcut it is exactly the cell named by
    `cell`. For the gated cells this is the deep transition of Barone et al. (2017, "Deep Architectures
    for Neural Machine Translation", §2.2, after Pascanu et al.): the transition is L gated steps per
    input, so every layer of the MLP is gated and LSTM's C_t passes through all of them
    (C^l_t = f^l ⊙ C^{l-1}_t + i^l ⊙ C̃^l_t, with C^0_t = C_{t-1}); the state is still the cell's own.

    Dropout stays where it is in a shallow cell: on x_t and on h_{t-1} as it enters layer 1's U.

    Args:
        units: int. Size of h and of every transition layer.
        cell: str, default "simple_rnn". A `zoo.cells.make_cell` name: the kind of every layer.
        transition_depth: int, default 2. L, the nonlinear layers between h_{t-1} and h_t.
        shortcut: bool, default False. DT(S): the top layer also reads h_{t-1} (needs L ≥ 2).
        dropout, recurrent_dropout, seed: as in `zoo.cells.base.RecurrentCell`.
        **cell_options: passed to every layer's cell (`activation`, `variant`, `reset_after`, ...).

    Example:
        >>> cell = zoo.cells.DeepTransitionCell(64, "simple_rnn", transition_depth=3, shortcut=True)
        >>> zoo.layers.Recurrent(cell)(np.zeros((8, 10, 4), "float32")).shape
        (8, 64)
    """

    def __init__(self, units, cell="simple_rnn", transition_depth=2, shortcut=False, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **cell_options):
        layer_kwargs = {key: cell_options.pop(key) for key in list(cell_options) if key not in _CELL_ARGUMENTS}
        super().__init__(units, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed, **layer_kwargs)
        self.cell_name = cell
        self.transition_depth = checks.positive_int("transition_depth", transition_depth)
        self.shortcut = bool(shortcut)
        if self.shortcut and self.transition_depth < 2:
            raise UsageError("A shortcut (DT(S)) skips the transition's inner layers; it needs transition_depth >= 2; "
                             f"received transition_depth={transition_depth}.")
        self.cell_options = dict(cell_options)
        cell_class = CELLS[checks.one_of("cell", cell, tuple(CELLS))]
        self.transition_layers = [cell_class(units, name=f"transition_{index + 1}", dtype=self.dtype_policy, **cell_options)
                                  for index in range(self.transition_depth)]  # fmt: skip

    @property
    def state_size(self):
        return self.transition_layers[0].state_size

    @property
    def single_recurrent_product(self):
        return False  # every layer has its own U: the hand-made loop gradient does not apply

    def build(self, input_shape):
        bottom, *upper = self.transition_layers
        bottom.build(input_shape)
        for index, layer in enumerate(upper):
            reads_state = self.shortcut and index == len(upper) - 1
            layer.build((None, self.units if reads_state else 0))
        self.built = True

    def project_inputs(self, inputs, kernel=None):
        return self.transition_layers[0].project_inputs(inputs, kernel)

    @property
    def kernel(self):
        return self.transition_layers[0].kernel

    def step(self, projected, states, recurrent_mask=None, recurrent=None):
        h_prev = states[0]
        bottom, *upper = self.transition_layers
        output, layer_states = bottom.step(projected, states, recurrent_mask, recurrent)
        for index, layer in enumerate(upper):
            if self.shortcut and index == len(upper) - 1:
                layer_input = layer.project_inputs(h_prev)  # S h_{t-1} + b_L
            else:
                layer_input = self._no_input(layer, output)
            output, layer_states = layer.step(layer_input, layer_states)
        return output, layer_states

    @staticmethod
    def _no_input(layer, like):
        """The projected input of a layer that reads none: its b, which broadcasts over the batch (zeros without
        a bias)."""
        bias = layer.input_bias()
        if bias is None:
            return ops.zeros((ops.shape(like)[0], layer.gate_count * layer.units), dtype=like.dtype)
        return ops.cast(bias, like.dtype)

    def get_config(self):
        config = keras.layers.Layer.get_config(self)
        config.update(units=self.units, cell=self.cell_name, transition_depth=self.transition_depth,
                      shortcut=self.shortcut, dropout=self.dropout, recurrent_dropout=self.recurrent_dropout,
                      seed=self.seed, **self.cell_options)
        return config

