import keras
import pytest

from tests.cells.builtin_parity import CASES, check_case
from zoo.cells import SimpleRNNCell


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_keras_simple_rnn(case):
    check_case(lambda: SimpleRNNCell(5), keras.layers.SimpleRNN, case)


def test_relu_activation_matches_keras():
    check_case(lambda: SimpleRNNCell(5, activation="relu"), keras.layers.SimpleRNN, "sequences", activation="relu")


def test_without_bias_matches_keras():
    check_case(lambda: SimpleRNNCell(5, use_bias=False), keras.layers.SimpleRNN, "masked_sequences", use_bias=False)


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        (dict(units=0), "units"),
        (dict(units=2.5), "units"),
        (dict(units=4, activation="no_such_activation"), "activation"),
        (dict(units=4, dropout=1.0), "dropout"),
        (dict(units=4, recurrent_dropout=-0.1), "recurrent_dropout"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`.*received"):
        SimpleRNNCell(**kwargs)
