import numpy as np
import tensorflow as tf

from zoo.models.char_language_model import char_language_model, generator_from
from zoo.training import ResetStates, reset_states


def test_stateful_windows_equal_one_pass_and_the_generator_form():
    characters = np.random.default_rng(0).integers(2, 20, size=(3, 12)).astype(np.int32)
    model = char_language_model(20, 8, "lstm", 10, depth=2, batch_size=3, stateful=True)
    whole = char_language_model(20, 8, "lstm", 10, depth=2)
    whole.set_weights([w for w in model.get_weights() if w.shape != (3, 10)])
    expected = whole(characters).numpy()
    windows = np.concatenate([model(characters[:, :5]).numpy(), model(characters[:, 5:]).numpy()], axis=1)
    np.testing.assert_allclose(windows, expected, atol=1e-6, rtol=0)

    generator = generator_from(model, 20, 8, "lstm", 10, 2)
    logits, *states = generator([tf.constant(characters[:, :7]), *[tf.zeros([3, 10])] * 4])
    rest = generator([tf.constant(characters[:, 7:]), *states])[0]
    np.testing.assert_allclose(np.concatenate([logits, rest], axis=1), expected, atol=1e-6, rtol=0)


def test_states_are_reset_at_each_epoch():
    model = char_language_model(20, 8, "gru", 6, batch_size=2, stateful=True)
    characters = np.full((2, 4), 5, np.int32)
    first = model(characters).numpy()
    assert not np.allclose(model(characters).numpy(), first)  # the carried state changed the output
    reset_states(model)
    np.testing.assert_allclose(model(characters).numpy(), first)
    callback = ResetStates()
    callback.set_model(model)
    callback.on_epoch_begin(1)
    np.testing.assert_allclose(model(characters).numpy(), first)


def test_padding_after_a_prompt_leaves_the_generator_states_as_they_were():
    generator = char_language_model(20, 8, "lstm", 6, depth=2, with_states=True)
    states = [tf.random.normal([1, 6]) for _ in range(4)]
    padded = generator([tf.constant([[3, 4, 5, 0, 0]]), *states])
    alone = generator([tf.constant([[3, 4, 5]]), *states])
    for padded_state, state in zip(padded[1:], alone[1:]):
        np.testing.assert_allclose(padded_state, state, atol=1e-6, rtol=0)


def test_the_generator_form_of_a_deep_rnn_carries_its_weights_and_states():
    deep = dict(input_layers=1, transition_depth=2, output_layers=1, cell_options={"shortcut": True, "peephole": True})
    characters = np.random.default_rng(1).integers(2, 20, size=(2, 9)).astype(np.int32)
    model = char_language_model(20, 8, "lstm", 10, depth=1, **deep)
    for weight in model.weights:  # peepholes start at zero: make every weight count
        weight.assign(np.random.default_rng(2).uniform(-0.5, 0.5, weight.shape).astype("float32"))
    expected = model(characters).numpy()
    generator = generator_from(model, 20, 8, "lstm", 10, 1, **deep)
    logits, *states = generator([tf.constant(characters[:, :4]), *[tf.zeros([2, 10])] * 2])
    rest = generator([tf.constant(characters[:, 4:]), *states])[0]
    np.testing.assert_allclose(np.concatenate([logits, rest], axis=1), expected, atol=1e-5, rtol=0)
