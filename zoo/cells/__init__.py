"""Hand-written recurrent cells, each a Keras layer whose `step` reads like its equations."""

from zoo.cells.base import GatedCell, RecurrentCell
from zoo.cells.gru import GRUCell
from zoo.cells.layernorm_lstm import LayerNormLSTMCell
from zoo.cells.lstm import LSTMCell
from zoo.cells.simple_rnn import SimpleRNNCell
from zoo.checks import one_of

CELLS = {
    "simple_rnn": SimpleRNNCell,
    "lstm": LSTMCell,
    "gru": GRUCell,
    "layernorm_lstm": LayerNormLSTMCell,
}


def make_cell(name, units, **kwargs):
    """Builds a cell by its config name.

    Args:
        name: str. One of "simple_rnn", "lstm", "gru", "layernorm_lstm".
        units: int. Size of the hidden state.
        **kwargs: passed to the cell (e.g. `dropout`, `reset_after`).

    Returns:
        A new, unbuilt cell.

    Example:
        >>> zoo.cells.make_cell("gru", 128, recurrent_dropout=0.1)
    """
    return CELLS[one_of("cell", name, tuple(CELLS))](units, **kwargs)


__all__ = [
    "CELLS",
    "GRUCell",
    "GatedCell",
    "LSTMCell",
    "LayerNormLSTMCell",
    "RecurrentCell",
    "SimpleRNNCell",
    "make_cell",
]
