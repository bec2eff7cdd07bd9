import keras
import numpy as np
import pytest

from tests.parity import assert_same_as_reference, random_sequences, right_padded_mask
from zoo.cells import GRUCell, LSTMCell, SimpleRNNCell
from zoo.layers import Bidirectional, Recurrent

PAIRS = {
    "simple_rnn": (SimpleRNNCell, keras.layers.SimpleRNN),
    "lstm": (LSTMCell, keras.layers.LSTM),
    "gru": (GRUCell, keras.layers.GRU),
}


def _pair(name, merge_mode="concat", return_sequences=True, return_state=False):
    zoo_cell, keras_layer = PAIRS[name]
    reference = keras.layers.Bidirectional(
        keras_layer(4, return_sequences=return_sequences, return_state=return_state), merge_mode=merge_mode
    )
    layer = Bidirectional(
        Recurrent(zoo_cell(4), return_sequences=return_sequences, return_state=return_state), merge_mode=merge_mode
    )
    return reference, layer


@pytest.mark.parametrize("name", sorted(PAIRS))
@pytest.mark.parametrize("return_sequences", [True, False])
def test_matches_keras_bidirectional_on_a_padded_batch(name, return_sequences):
    x = random_sequences()
    reference, layer = _pair(name, return_sequences=return_sequences, return_state=True)
    assert_same_as_reference(reference, layer, x, mask=right_padded_mask([6, 4, 1], x.shape[1]))


@pytest.mark.parametrize("merge_mode", ["sum", "mul", "ave", None])
def test_merge_modes_match_keras(merge_mode):
    reference, layer = _pair("lstm", merge_mode=merge_mode)
    assert_same_as_reference(reference, layer, random_sequences())


def test_initial_state_is_forward_then_backward():
    x = random_sequences()
    rng = np.random.default_rng(4)
    states = [rng.normal(size=(3, 4)).astype("float32") for _ in range(4)]
    reference, layer = _pair("lstm", return_state=True)
    assert_same_as_reference(reference, layer, x, initial_state=states)


def test_backward_direction_reads_each_sequence_from_its_last_valid_step():
    lengths = [6, 3, 2]
    x = random_sequences()
    layer = Bidirectional(Recurrent(GRUCell(4), return_sequences=True), merge_mode=None)
    forward, backward = layer(x, mask=right_padded_mask(lengths, x.shape[1]))
    for row, length in enumerate(lengths):
        reversed_alone = layer.backward_layer(x[row : row + 1, :length]).numpy()[0][::-1]
        np.testing.assert_allclose(backward.numpy()[row, :length], reversed_alone, atol=1e-6, rtol=0)
        assert not backward.numpy()[row, length:].any()


def test_output_shapes_in_a_functional_model():
    inputs = keras.Input((None, 3))
    outputs = Bidirectional(Recurrent(LSTMCell(5), return_sequences=True, return_state=True))(inputs)
    assert [tuple(o.shape) for o in outputs] == [(None, None, 10)] + [(None, 5)] * 4


def test_rejects_an_unknown_merge_mode():
    with pytest.raises(ValueError, match="`merge_mode` must be one of.*received merge_mode='x'"):
        Bidirectional(Recurrent(LSTMCell(3)), merge_mode="x")


def test_rejects_a_layer_that_is_not_recurrent():
    with pytest.raises(ValueError, match="`layer` must be a zoo.layers.Recurrent"):
        Bidirectional(keras.layers.LSTM(3))


def test_rejects_a_backward_layer_running_forwards():
    with pytest.raises(ValueError, match="`backward_layer`"):
        Bidirectional(Recurrent(LSTMCell(3)), backward_layer=Recurrent(LSTMCell(3)))
