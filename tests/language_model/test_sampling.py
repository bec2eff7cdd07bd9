import numpy as np
import pytest
import tensorflow as tf

from zoo.language_model.data import CharacterVocabulary
from zoo.decoding import filter_logits
from zoo.language_model.sampling import TextGenerator, continue_with, draw
from zoo.models.char_language_model import char_language_model

LOGITS = tf.constant([[1.0, 2.0, 3.0, 4.0, 0.5, 2.5]])  # softmax ≈ .028 .075 .204 .554 .017 .124 (ids 0..5)


def kept(logits):
    return np.flatnonzero(np.isfinite(logits.numpy()[0])).tolist()


@pytest.mark.parametrize("top_k, top_p, expected", [
    (0, 1.0, [0, 1, 2, 3, 4, 5]),
    (2, 1.0, [2, 3]),
    (0, 0.5, [3]),          # the likeliest alone holds .554
    (0, 0.75, [2, 3]),      # .554 + .204 = .757
    (0, 0.8, [2, 3, 5]),    # + .124 = .881
    (0, 0.9, [1, 2, 3, 5]),
    (3, 0.999, [2, 3, 5]),  # top-p after top-k: the three hold all the mass left
])  # fmt: skip
def test_top_k_and_nucleus_keep_the_likeliest_characters(top_k, top_p, expected):
    assert kept(filter_logits(LOGITS, 1.0, top_k, top_p)) == expected


def test_temperature_divides_the_logits():
    np.testing.assert_allclose(filter_logits(LOGITS, 0.5, 0, 1.0).numpy(), LOGITS.numpy() / 0.5)


def test_draws_follow_the_filtered_distribution_and_repeat_with_the_seed():
    logits = tf.constant([[0.0, 0.0, 1.0, 2.0, 0.5, 1.5]])

    @tf.function
    def draws(seed):
        return tf.map_fn(lambda step: draw(logits, tf.constant(0.7), tf.constant(3), tf.constant(1.0), seed, step)[0],
                         tf.range(8000), parallel_iterations=100)

    ids = draws(tf.constant(5)).numpy()
    scaled = np.array([1.0, 2.0, 1.5]) / 0.7  # ids 2, 3, 5 survive top-k 3 (0 and 1 are never drawn)
    expected = np.exp(scaled) / np.exp(scaled).sum()
    frequencies = np.bincount(ids, minlength=6) / len(ids)
    assert frequencies[[0, 1, 4]].sum() == 0
    np.testing.assert_allclose(frequencies[[2, 3, 5]], expected, atol=0.02)
    np.testing.assert_array_equal(draws(tf.constant(5)).numpy(), ids)
    assert (draws(tf.constant(6)).numpy() != ids).any()


def test_zero_temperature_is_greedy_but_never_padding_or_unknown():
    logits = tf.constant([[9.0, 8.0, 1.0, 3.0], [0.0, 0.0, 2.0, 1.0]])
    ids = draw(logits, tf.constant(0.0), tf.constant(0), tf.constant(1.0), tf.constant(0), tf.constant(0))
    np.testing.assert_array_equal(ids, [3, 2])


@pytest.fixture(scope="module")
def generator():
    vocabulary = CharacterVocabulary.build("the quick brown fox jumps over the lazy dog\n")
    return char_language_model(vocabulary.size, 8, "gru", 12, depth=2, with_states=True), vocabulary


def _continue(module, prompts, length, temperature, seed=0):
    return continue_with(module.continue_text, prompts, length, temperature, 0, 1.0, seed)


def test_greedy_generation_is_the_step_by_step_argmax(generator):
    model, vocabulary = generator
    prompt = "the lazy"
    ids = list(vocabulary.encode(prompt))
    for _ in range(12):  # the whole text again each step: no state carried by hand
        logits = model([tf.constant([ids]), *[tf.zeros([1, 12])] * 2], training=False)[0].numpy()[0, -1]
        logits[:2] = -np.inf
        ids.append(int(np.argmax(logits)))
    assert _continue(TextGenerator(model, vocabulary), [prompt], 12, 0.0) == [vocabulary.decode(ids[len(prompt):])]


def test_prompts_of_different_lengths_continue_as_they_would_alone(generator):
    module = TextGenerator(*generator)
    prompts = ["fox", "the quick brown", ""]
    together = _continue(module, prompts, 15, 0.0)  # greedy: padding must not change a prompt's states
    assert together == [_continue(module, [prompt], 15, 0.0)[0] for prompt in prompts]


def test_sampling_repeats_with_its_seed_and_varies_between_rows(generator):
    module = TextGenerator(*generator)
    prompts = ["fox", "fox", "the lazy"]
    first = _continue(module, prompts, 20, 1.0, seed=3)
    assert _continue(module, prompts, 20, 1.0, seed=3) == first
    assert _continue(module, prompts, 20, 1.0, seed=4) != first
    assert first[0] != first[1]  # the same prompt twice: two samples
    assert _continue(module, ["fox"], 20, 1.0, seed=3) == first[:1]  # row 0 does not depend on the rows after it
