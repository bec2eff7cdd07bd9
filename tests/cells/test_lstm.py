import keras
import numpy as np
import pytest

from tests.cells.builtin_parity import CASES, check_case
from zoo.cells import LSTMCell


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_keras_lstm(case):
    check_case(lambda: LSTMCell(5), keras.layers.LSTM, case)


def test_without_bias_matches_keras():
    check_case(lambda: LSTMCell(5, use_bias=False), keras.layers.LSTM, "sequences", use_bias=False)


@pytest.mark.parametrize("unit_forget_bias", [True, False])
def test_forget_bias_initialization_matches_keras(unit_forget_bias):
    cell = LSTMCell(3, unit_forget_bias=unit_forget_bias, bias_initializer="zeros")
    cell.build((None, 2))
    reference = keras.layers.LSTMCell(3, unit_forget_bias=unit_forget_bias)
    reference.build((None, 2))
    np.testing.assert_array_equal(cell.bias.numpy(), reference.bias.numpy())
    assert cell.bias.numpy()[3:6].tolist() == ([1.0] * 3 if unit_forget_bias else [0.0] * 3)


def test_state_is_h_and_c():
    cell = LSTMCell(7)
    assert cell.state_size == [7, 7]
    assert cell.output_size == 7
    h, c = cell.get_initial_state(batch_size=2)
    assert h.shape == (2, 7) and c.shape == (2, 7)
