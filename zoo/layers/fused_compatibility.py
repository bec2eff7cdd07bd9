"""Which cells a fused kernel (cuDNN's, zoo's own `ZooRnnForward` / `ZooRnnBackward`) computes exactly."""

from zoo.cells import GRUCell, LSTMCell, SimpleRNNCell


def plain_lstm_or_gru(cell):
    """Whether `cell` is a plain LSTM (vanilla, no peepholes) or a GRU with `reset_after`, with tanh and sigmoid and
    biases: the cells the fused kernels implement. Subclasses are not: they may change the equations."""
    if type(cell) is LSTMCell:
        plain = cell.variant == "vanilla" and not cell.peephole
    elif type(cell) is GRUCell:
        plain = cell.reset_after
    else:
        return False
    activations = (getattr(cell.activation, "__name__", ""), getattr(cell.recurrent_activation, "__name__", ""))
    return plain and activations == ("tanh", "sigmoid") and cell.use_bias


def native_cell_kind(cell):
    """The `cell` attribute of zoo's kernels that computes `cell` exactly ("lstm", "gru", "simple"), or None: a plain
    LSTM or GRU (`plain_lstm_or_gru`), or a simple RNN with tanh (with or without a bias)."""
    if plain_lstm_or_gru(cell):
        return "lstm" if type(cell) is LSTMCell else "gru"
    if type(cell) is SimpleRNNCell and getattr(cell.activation, "__name__", "") == "tanh":
        return "simple"
    return None
