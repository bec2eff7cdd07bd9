import keras
import numpy as np
import pytest

from tests.parity import random_sequences, right_padded_mask
from zoo.cells import GRUCell, LSTMCell
from zoo.layers import Bidirectional, Recurrent, Stacked, stacked_rnn


def test_each_layer_reads_the_previous_layers_sequence():
    x = random_sequences()
    mask = right_padded_mask([6, 3, 2], x.shape[1])
    bottom = Bidirectional(Recurrent(LSTMCell(4), return_sequences=True))
    top = Recurrent(GRUCell(5))
    stack = Stacked([bottom, top])
    expected = top(bottom(x, mask=mask), mask=mask).numpy()
    np.testing.assert_allclose(stack(x, mask=mask).numpy(), expected, atol=1e-6, rtol=0)


def test_residual_connections_add_inputs_of_equal_width():
    x = random_sequences(features=4)
    first = Recurrent(LSTMCell(4), return_sequences=True)
    second = Recurrent(LSTMCell(4), return_sequences=True)
    stack = Stacked([first, second], residual=True)
    h1 = first(x).numpy() + x
    expected = second(h1).numpy() + h1
    np.testing.assert_allclose(stack(x).numpy(), expected, atol=1e-6, rtol=0)


def test_residual_skips_layers_that_change_width():
    x = random_sequences(features=4)
    first = Recurrent(LSTMCell(6), return_sequences=True)
    second = Recurrent(LSTMCell(6), return_sequences=True)
    stack = Stacked([first, second], residual=True)
    h1 = first(x).numpy()
    np.testing.assert_allclose(stack(x).numpy(), second(h1).numpy() + h1, atol=1e-6, rtol=0)


def test_dropout_between_layers_only_when_training():
    x = random_sequences()
    stack = stacked_rnn("lstm", 8, depth=2, return_sequences=True, dropout=0.5)
    plain = stacked_rnn("lstm", 8, depth=2, return_sequences=True)
    stack(x)
    plain(x)
    plain.set_weights(stack.get_weights())
    np.testing.assert_allclose(stack(x, training=False).numpy(), plain(x).numpy(), atol=1e-6, rtol=0)
    assert not np.allclose(stack(x, training=True).numpy(), plain(x).numpy(), atol=1e-3)


@pytest.mark.parametrize("bidirectional, width", [(False, 6), (True, 12)])
def test_stacked_rnn_builds_depth_layers(bidirectional, width):
    stack = stacked_rnn("gru", 6, depth=3, bidirectional=bidirectional, return_sequences=True)
    assert len(stack.rnn_layers) == 3
    assert all(isinstance(layer, Bidirectional) == bidirectional for layer in stack.rnn_layers)
    assert stack(random_sequences()).shape == (3, 6, width)
    assert stacked_rnn("gru", 6, depth=3, bidirectional=bidirectional)(random_sequences()).shape == (3, width)


def test_mask_flows_through_the_stack_to_the_loss():
    inputs = keras.Input((None,), dtype="int32")
    embedded = keras.layers.Embedding(10, 4, mask_zero=True)(inputs)
    sequence = stacked_rnn("lstm", 4, depth=2, bidirectional=True, return_sequences=True)(embedded)
    assert sequence._keras_mask is not None


def test_rejects_an_inner_layer_that_returns_only_its_last_output():
    with pytest.raises(ValueError, match=r"`layers\[0\]` must have return_sequences=True"):
        Stacked([Recurrent(LSTMCell(3)), Recurrent(LSTMCell(3))])


def test_rejects_layers_that_return_states():
    with pytest.raises(ValueError, match="returns states"):
        Stacked([Recurrent(LSTMCell(3), return_state=True)])


def test_rejects_an_empty_stack_and_a_bad_depth():
    with pytest.raises(ValueError, match="`layers` must be a non-empty list"):
        Stacked([])
    with pytest.raises(ValueError, match="`depth` must be a positive integer"):
        stacked_rnn("lstm", 4, depth=0)
