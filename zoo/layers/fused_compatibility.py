"""Which cells a fused kernel (cuDNN's, zoo's own `ZooRnnForward`) computes exactly."""

from zoo.cells import GRUCell, LSTMCell


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
