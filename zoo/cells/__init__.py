"""Hand-written recurrent cells, each a Keras layer whose `step` reads like its equations."""

from zoo.cells.base import GatedCell, RecurrentCell
from zoo.cells.deep_transition import DeepTransitionCell
from zoo.cells.gru import GRUCell
from zoo.cells.layernorm_lstm import LayerNormLSTMCell
from zoo.cells.lstm import LSTMCell
from zoo.cells.names import CELLS
from zoo.cells.simple_rnn import SimpleRNNCell
from zoo.checks import one_of


def make_cell(name, units, transition_depth=1, shortcut=False, **kwargs):
    """Builds a cell by its config name.

    Args:
        name: str. One of "simple_rnn", "lstm", "gru", "layernorm_lstm".
        units: int. Size of the hidden state.
        transition_depth: int, default 1. Above 1, a `DeepTransitionCell` of that many layers of the cell.
        shortcut: bool, default False. The deep transition's shortcut (DT(S)); needs transition_depth >= 2.
        **kwargs: passed to the cell (e.g. `dropout`, `reset_after`, `variant`, `peephole`).

    Returns:
        A new, unbuilt cell.

    Example:
        >>> zoo.cells.make_cell("gru", 128, recurrent_dropout=0.1)
        >>> zoo.cells.make_cell("simple_rnn", 128, transition_depth=3, shortcut=True)
    """
    cell_class = CELLS[one_of("cell", name, tuple(CELLS))]
    if transition_depth != 1 or shortcut:
        return DeepTransitionCell(units, name, transition_depth=transition_depth, shortcut=shortcut, **kwargs)
    return cell_class(units, **kwargs)


__all__ = [
    "CELLS",
    "DeepTransitionCell",
    "GRUCell",
    "GatedCell",
    "LSTMCell",
    "LayerNormLSTMCell",
    "RecurrentCell",
    "SimpleRNNCell",
    "make_cell",
]
