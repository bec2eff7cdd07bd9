"""Greedy, sampled and beam search on a toy model whose probabilities are known, against brute force and NumPy."""

import itertools

import numpy as np
import pytest
import tensorflow as tf

from zoo.decoding import beam_search, greedy_decode, length_penalty_factor, sample_decode

START, END, VOCAB = 1, 2, 5


def _table(seed=0):
    """Logits of the next token given the previous one: a random Markov chain; PAD (0) and START unlikely."""
    logits = np.random.default_rng(seed).normal(size=(VOCAB, VOCAB)).astype("float32") * 2
    logits[:, [0, START]] = -8.0
    return logits


def _step_fn(table):
    table = tf.constant(table)

    def step(tokens, state, context):
        return tf.gather(table, tokens) + context, state + 1  # the state counts steps

    return step


def _log_probs(table, sequence):
    log_softmax = table - np.log(np.exp(table).sum(-1, keepdims=True))
    previous = [START] + list(sequence[:-1])
    return sum(log_softmax[a, b] for a, b in zip(previous, sequence))


def _brute_force_best(table, max_length, alpha):
    """The sequence that beam search approximates: best normalized log-probability, ended or cut."""
    candidates = []
    for length in range(1, max_length + 1):
        for body in itertools.product(range(VOCAB), repeat=length - 1):
            if END in body:
                continue
            candidates.append(list(body) + [END])
        candidates += [list(s) for s in itertools.product(range(VOCAB), repeat=max_length) if END not in s] if length == max_length else []
    scored = [(_log_probs(table, s) / length_penalty_factor(len(s), alpha).numpy(), s) for s in candidates]
    return max(scored, key=lambda pair: pair[0])


def _greedy_numpy(table, max_length):
    token, ids = START, []
    for _ in range(max_length):
        token = int(np.argmax(table[token]))
        ids.append(token)
        if token == END:
            break
    return ids + [0] * (max_length - len(ids))


@pytest.mark.parametrize("seed", range(4))
def test_greedy_follows_the_argmax_and_pads_after_the_end(seed):
    table = _table(seed)
    context = tf.zeros([3, VOCAB])
    ids = greedy_decode(_step_fn(table), tf.zeros([3]), context, 3, START, END, max_length=6).numpy()
    assert ids.shape == (3, 6)
    for row in ids:
        assert row.tolist() == _greedy_numpy(table, 6)


@pytest.mark.parametrize("alpha", [0.0, 1.0])
@pytest.mark.parametrize("seed", range(3))
def test_a_wide_beam_finds_the_brute_force_best_sequence(seed, alpha):
    table, max_length = _table(seed), 4
    expected_score, expected = _brute_force_best(table, max_length, alpha)
    ids, scores = beam_search(_step_fn(table), tf.zeros([1]), tf.zeros([1, VOCAB]), 1, START, END, max_length,
                              beam_width=VOCAB ** 3, length_penalty=alpha)
    best = [int(t) for t in ids[0, 0].numpy()]
    assert best[: len(expected)] == expected and not any(best[len(expected):])
    np.testing.assert_allclose(scores[0, 0], expected_score, atol=1e-4)
    assert np.all(np.diff(scores[0].numpy()) <= 1e-6), "beams come best first"


@pytest.mark.parametrize("seed", range(4))
def test_beam_width_one_is_greedy(seed):
    table = _table(seed)
    context = tf.zeros([2, VOCAB])
    greedy = greedy_decode(_step_fn(table), tf.zeros([2]), context, 2, START, END, 6)
    beam, _ = beam_search(_step_fn(table), tf.zeros([2]), context, 2, START, END, 6, beam_width=1)
    np.testing.assert_array_equal(beam[:, 0], greedy)


def test_each_example_decodes_on_its_own_context():
    table = _table(0)
    context = np.zeros([2, VOCAB], "float32")
    context[0, END] = -50.0  # the first example never ends
    context[1, END] = 50.0  # the second ends at once
    ids, _ = beam_search(_step_fn(table), tf.zeros([2]), tf.constant(context), 2, START, END, 5, beam_width=3)
    assert ids[1, 0].numpy().tolist() == [END, 0, 0, 0, 0]
    assert END not in ids[0, 0].numpy().tolist() and 0 not in ids[0, 0].numpy().tolist()


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="beam_width"):
        beam_search(_step_fn(_table()), tf.zeros([1]), tf.zeros([1, VOCAB]), 1, START, END, 4, beam_width=0)
    with pytest.raises(ValueError, match="max_length"):
        greedy_decode(_step_fn(_table()), tf.zeros([1]), tf.zeros([1, VOCAB]), 1, START, END, 0)


def test_beam_search_beats_greedy_where_the_greedy_first_step_is_a_trap():
    """From START, token 3 is likelier than 4, but everything after 3 is uncertain while 4 leads to END
    with certainty: greedy takes 3, a beam of two keeps 4 and finds the more probable sequence."""
    table = np.full((VOCAB, VOCAB), -8.0, "float32")
    table[START, 3], table[START, 4] = np.log(0.55), np.log(0.45)
    table[3, [2, 3, 4]] = np.log(1 / 3)  # after 3: END, 3 or 4 equally
    table[4, END] = 0.0  # after 4: END for sure
    step = _step_fn(table)
    greedy = greedy_decode(step, tf.zeros([1]), tf.zeros([1, VOCAB]), 1, START, END, 4).numpy()[0]
    beam, scores = beam_search(step, tf.zeros([1]), tf.zeros([1, VOCAB]), 1, START, END, 4, beam_width=2)
    assert greedy[0] == 3
    assert beam[0, 0].numpy().tolist()[:2] == [4, END]
    assert _log_probs(table, [4, END]) > _log_probs(table, list(greedy[: list(greedy).index(END) + 1]))


def test_an_empty_batch_decodes_to_an_empty_batch():
    step = _step_fn(_table())
    ids = greedy_decode(step, tf.zeros([0]), tf.zeros([0, VOCAB]), 0, START, END, 5)
    assert ids.shape == (0, 5)
    beams, scores = beam_search(step, tf.zeros([0]), tf.zeros([0, VOCAB]), 0, START, END, 5, beam_width=2)
    assert beams.shape == (0, 2, 5) and scores.shape == (0, 2)


@pytest.mark.parametrize("seed", range(3))
def test_sampling_with_top_k_1_is_greedy(seed):
    table = _table(seed)
    ids = sample_decode(_step_fn(table), tf.zeros([2]), tf.zeros([2, VOCAB]), 2, START, END, 6, temperature=1.5,
                        top_k=1, seed=seed).numpy()
    assert [row.tolist() for row in ids] == [_greedy_numpy(table, 6)] * 2


def test_sampled_first_tokens_follow_the_model_s_distribution_and_repeat_with_the_seed():
    table, rows = _table(1), 4000
    step, context = _step_fn(table), tf.zeros([rows, VOCAB])
    ids = sample_decode(step, tf.zeros([rows]), context, rows, START, END, 1, temperature=1.0, seed=7).numpy()
    probabilities = np.exp(table[START]) * (np.arange(VOCAB) > START)  # PAD and START are never drawn
    probabilities /= probabilities.sum()
    np.testing.assert_allclose(np.bincount(ids[:, 0], minlength=VOCAB) / rows, probabilities, atol=0.03)
    again = sample_decode(step, tf.zeros([rows]), context, rows, START, END, 1, temperature=1.0, seed=7).numpy()
    other = sample_decode(step, tf.zeros([rows]), context, rows, START, END, 1, temperature=1.0, seed=8).numpy()
    assert np.array_equal(ids, again) and not np.array_equal(ids, other)


def test_a_sampled_sequence_is_padded_after_its_end_token():
    ids = sample_decode(_step_fn(_table(2)), tf.zeros([64]), tf.zeros([64, VOCAB]), 64, START, END, 8,
                        temperature=2.0, seed=3).numpy()
    for row in ids:
        ended = np.flatnonzero(row == END)
        if ended.size:
            assert not row[ended[0] + 1:].any()
        assert not (row[: ended[0] if ended.size else len(row)] == 0).any(), "no padding drawn before the end"
