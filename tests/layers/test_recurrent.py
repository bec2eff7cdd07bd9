import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.parity import random_sequences, right_padded_mask
from zoo.cells import CELLS, LSTMCell, make_cell
from zoo.layers import Recurrent

CELL_NAMES = sorted(CELLS)


@pytest.mark.parametrize("name", CELL_NAMES)
def test_final_state_of_a_padded_batch_is_the_state_at_its_last_step(name):
    lengths = [6, 4, 1]
    x = random_sequences()
    layer = Recurrent(make_cell(name, 5), return_sequences=True, return_state=True)
    outputs, h, *_ = layer(x, mask=right_padded_mask(lengths, x.shape[1]))
    for row, length in enumerate(lengths):
        np.testing.assert_allclose(h.numpy()[row], outputs.numpy()[row, length - 1], atol=1e-6, rtol=0)
        assert not outputs.numpy()[row, length:].any(), "padded steps must output zeros"
        alone, h_alone, *states_alone = layer(x[row : row + 1, :length])
        np.testing.assert_allclose(outputs.numpy()[row, :length], alone.numpy()[0], atol=1e-6, rtol=0)
        np.testing.assert_allclose(h.numpy()[row], h_alone.numpy()[0], atol=1e-6, rtol=0)


def test_last_output_of_a_padded_batch_is_that_of_its_last_valid_step():
    lengths = [6, 2, 3]
    x = random_sequences()
    sequences = Recurrent(LSTMCell(5), return_sequences=True)
    last = Recurrent(LSTMCell(5))
    sequences(x)
    last(x)
    last.set_weights(sequences.get_weights())
    mask = right_padded_mask(lengths, x.shape[1])
    outputs, final = sequences(x, mask=mask).numpy(), last(x, mask=mask).numpy()
    for row, length in enumerate(lengths):
        np.testing.assert_allclose(final[row], outputs[row, length - 1], atol=1e-6, rtol=0)


def test_mask_from_an_embedding_reaches_the_layer():
    tokens = np.array([[3, 4, 0, 0], [5, 6, 7, 8]])
    inputs = keras.Input((None,), dtype="int32")
    embedded = keras.layers.Embedding(10, 3, mask_zero=True)(inputs)
    model = keras.Model(inputs, Recurrent(LSTMCell(4), return_sequences=True)(embedded))
    outputs = model(tokens).numpy()
    assert not outputs[0, 2:].any()
    assert outputs[1].all()


@pytest.mark.parametrize("name", CELL_NAMES)
def test_variable_length_sequences(name):
    inputs = keras.Input((None, 4))
    model = keras.Model(inputs, Recurrent(make_cell(name, 3), return_sequences=True)(inputs))
    assert model.output_shape == (None, None, 3)
    for time in (2, 9):
        assert model.predict(random_sequences(time=time), verbose=0).shape == (3, time, 3)


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_unroll_computes_what_the_loop_computes(return_sequences, go_backwards):
    x = random_sequences()
    mask = right_padded_mask([6, 3, 2], x.shape[1])
    options = dict(return_sequences=return_sequences, return_state=True, go_backwards=go_backwards)
    looped = Recurrent(LSTMCell(4), **options)
    unrolled = Recurrent(LSTMCell(4), unroll=True, **options)
    looped(x)
    unrolled(x)
    unrolled.set_weights(looped.get_weights())
    for a, b in zip(looped(x, mask=mask), unrolled(x, mask=mask)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6, rtol=0)


def test_unroll_needs_a_fixed_length():
    with pytest.raises(ValueError, match="`unroll=True` needs a fixed number of time steps"):
        Recurrent(LSTMCell(3), unroll=True)(keras.Input((None, 4)))


def test_stateful_layer_carries_states_between_batches():
    x = random_sequences()
    whole = Recurrent(LSTMCell(4), return_sequences=True)
    stateful = Recurrent(LSTMCell(4), return_sequences=True, stateful=True)
    whole(x)
    stateful.build(x.shape)
    stateful.cell.set_weights(whole.get_weights())
    expected = whole(x).numpy()
    first, second = stateful(x[:, :2]).numpy(), stateful(x[:, 2:]).numpy()
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), expected, atol=1e-6, rtol=0)
    stateful.reset_states()
    np.testing.assert_allclose(stateful(x).numpy(), expected, atol=1e-6, rtol=0)


def test_stateful_layer_needs_a_batch_size():
    with pytest.raises(ValueError, match="batch size"):
        Recurrent(LSTMCell(3), stateful=True).build((None, 5, 4))


def test_output_shapes_in_a_functional_model():
    inputs = keras.Input((7, 4))
    output, h, c = Recurrent(LSTMCell(3), return_state=True)(inputs)
    assert (output.shape, h.shape, c.shape) == ((None, 3), (None, 3), (None, 3))
    sequence = Recurrent(LSTMCell(3), return_sequences=True)(inputs, initial_state=[h, c])
    assert sequence.shape == (None, 7, 3)


def test_rejects_a_two_dimensional_input():
    with pytest.raises(ValueError, match=r"`inputs` of rank 3 \(batch, time, features\); received shape \(2, 5\)"):
        Recurrent(LSTMCell(3))(np.zeros((2, 5), "float32"))


def test_rejects_a_cell_that_is_not_a_zoo_cell():
    with pytest.raises(ValueError, match="`cell` must be a zoo cell"):
        Recurrent(keras.layers.LSTMCell(3))


def test_rejects_the_wrong_number_of_initial_states():
    with pytest.raises(ValueError, match="`initial_state` must hold 2"):
        Recurrent(LSTMCell(3))(random_sequences(), initial_state=[np.zeros((3, 3), "float32")])


@pytest.mark.parametrize("name", ["lstm", "gru"])
def test_training_under_xla_computes_the_same_gradients(name):
    """Under jit_compile the loop is left to autodiff (see zoo._internals.in_xla_context)."""
    x = tf.constant(random_sequences())
    layer = Recurrent(make_cell(name, 4), return_sequences=True)
    layer(x)

    def gradients():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(layer(x, training=True)))
        return tape.gradient(loss, layer.trainable_weights)

    for eager, compiled in zip(gradients(), tf.function(gradients, jit_compile=True)()):
        np.testing.assert_allclose(compiled.numpy(), eager.numpy(), atol=1e-5, rtol=0)


def test_released_gradient_functions_leave_no_trained_graph_in_tensorflows_gradient_table():
    from zoo.layers.time_loop import gradient_function_names, released_gradient_functions

    before = gradient_function_names()
    with released_gradient_functions():
        layer = Recurrent(make_cell("lstm", 4), return_sequences=True)
        x = tf.random.normal((2, 5, 3))

        @tf.function
        def train_step():
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(layer(x, training=True))
            return tape.gradient(loss, layer.trainable_variables)

        assert all(g is not None for g in train_step())
        assert gradient_function_names() - before, "the fused gradient registered its functions"
    assert not {n for n in gradient_function_names() - before if n.startswith("CustomGradient-")}
