"""The cells by their config names (`cell = "gru"` in a recipe config)."""

from zoo.cells.gru import GRUCell
from zoo.cells.layernorm_lstm import LayerNormLSTMCell
from zoo.cells.lstm import LSTMCell
from zoo.cells.simple_rnn import SimpleRNNCell

CELLS = {
    "simple_rnn": SimpleRNNCell,
    "lstm": LSTMCell,
    "gru": GRUCell,
    "layernorm_lstm": LayerNormLSTMCell,
}
