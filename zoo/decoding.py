"""Greedy, sampled and beam-search decoding, in TensorFlow control flow so they run inside a SavedModel.

Each drives a model one token at a time through a step function

    step_fn(tokens, state, context) -> (logits, new_state)

where `tokens` (batch,) int32 are the previous tokens, `state` is any nest of (batch, ...) tensors
(the decoder's recurrent states) and `context` any nest of (batch, ...) tensors that stays the
same at every step (an image's feature grid, an encoded source sentence). Each returns token ids
(batch, max_length) that follow the start token: the sequence, its end token, then zeros.
"""

import tensorflow as tf

from zoo.errors import UsageError
from zoo import checks

PAD_ID = 0


def _first_tokens(batch_size, start_id):
    return tf.fill([batch_size], tf.constant(start_id, tf.int32))


def _pad_to(ids, max_length):
    """(batch, steps) → (batch, max_length), padding with PAD_ID (a loop may stop early)."""
    return tf.pad(ids, [[0, 0], [0, max_length - tf.shape(ids)[1]]], constant_values=PAD_ID)


def greedy_decode(step_fn, initial_state, context, batch_size, start_id, end_id, max_length):
    """Picks the most probable token at every step until each sequence has ended.

    Args:
        step_fn: `(tokens, state, context) -> (logits, new_state)`, see the module docstring.
        initial_state: nest of (batch, ...) tensors.
        context: nest of (batch, ...) tensors given to every step.
        batch_size: int or scalar tensor.
        start_id, end_id: int. The start token fed first; the token that ends a sequence.
        max_length: int. Most tokens generated per sequence (the end token included).

    Returns:
        int32 (batch, max_length): generated ids, the end token included, zeros after it.
    """
    checks.positive_int("max_length", max_length)

    def body(t, tokens, state, finished, ids):
        logits, state = step_fn(tokens, state, context)
        tokens = tf.argmax(logits, axis=-1, output_type=tf.int32)
        tokens = tf.where(finished, PAD_ID, tokens)
        finished = finished | tf.equal(tokens, end_id)
        return t + 1, tokens, state, finished, ids.write(t, tokens)

    return _decode_loop(body, initial_state, batch_size, start_id, max_length)


def _decode_loop(body, initial_state, batch_size, start_id, max_length):
    """Runs a token-by-token `body(t, tokens, state, finished, ids)` from the start token until every
    sequence has ended or `max_length` tokens; the ids padded to (batch, max_length)."""
    _, _, _, _, ids = tf.while_loop(
        lambda t, tokens, state, finished, ids: (t < max_length) & ~tf.reduce_all(finished),
        body,
        (
            tf.constant(0),
            _first_tokens(batch_size, start_id),
            initial_state,
            tf.zeros([batch_size], tf.bool),
            tf.TensorArray(tf.int32, size=0, dynamic_size=True, element_shape=[None]),
        ),
        maximum_iterations=max_length,
    )
    steps = tf.cond(ids.size() > 0, lambda: tf.transpose(ids.stack()), lambda: tf.zeros([batch_size, 0], tf.int32))
    return _pad_to(steps, max_length)


def filter_logits(logits, temperature, top_k, top_p):
    """Next-token logits (batch, vocab) as the sampler draws from them.

    Args:
        logits: float32 (batch, vocab).
        temperature: float32 scalar > 0. Divides the logits: below 1 sharpens, above 1 flattens.
        top_k: int32 scalar. Keep the k likeliest tokens; 0 keeps all.
        top_p: float32 scalar in (0, 1]. Then keep the fewest likeliest characters whose
            probabilities sum to at least top_p (Holtzman et al., 2020); 1 keeps all.

    Returns:
        float32 (batch, vocab): the scaled logits, −inf where a token is filtered out (never
        the likeliest one).
    """
    logits = logits / temperature
    vocab = tf.shape(logits)[-1]
    descending = tf.sort(logits, direction="DESCENDING", axis=-1)
    k = tf.where(top_k > 0, tf.minimum(top_k, vocab), vocab)
    kth_largest = descending[:, k - 1 : k]
    logits = tf.where(logits < kth_largest, tf.constant(-float("inf"), logits.dtype), logits)
    descending = tf.where(tf.range(vocab)[None, :] < k, descending, tf.constant(-float("inf"), logits.dtype))
    before = tf.math.cumsum(tf.nn.softmax(descending), axis=-1, exclusive=True)  # mass of the likelier ones
    kept = tf.maximum(tf.reduce_sum(tf.cast(before < top_p, tf.int32), axis=-1, keepdims=True), 1)
    smallest_kept = tf.gather(descending, kept - 1, batch_dims=1)
    return tf.where(logits < smallest_kept, tf.constant(-float("inf"), logits.dtype), logits)


def draw(logits, temperature, top_k, top_p, seed, step, never=()):
    """int32 (batch,): the next tokens. Temperature ≤ 0 picks the likeliest (greedy); otherwise a draw
    from `filter_logits`, reproducible from `(seed, step)`. The ids in `never` (padding, unknown) are
    never drawn.

    The draw is the Gumbel-max trick; row i's noise comes from `(seed, step)` and i alone, so a row's
    continuation does not depend on the other inputs of its batch, and the same input given twice
    gets two different samples.
    """
    vocab = tf.shape(logits)[-1]
    if never:
        excluded = tf.reduce_any(tf.equal(tf.range(vocab)[None, :], tf.constant(list(never), tf.int32)[:, None]), 0)
        logits = tf.where(excluded[None, :], tf.constant(-float("inf"), logits.dtype), logits)
    greedy = tf.argmax(logits, axis=-1, output_type=tf.int32)
    filtered = filter_logits(logits, tf.maximum(temperature, 1e-6), top_k, top_p)
    uniform = tf.random.stateless_uniform(tf.shape(logits), seed=tf.stack([seed, step]), minval=1e-12, maxval=1.0)
    sampled = tf.argmax(filtered - tf.math.log(-tf.math.log(uniform)), axis=-1, output_type=tf.int32)
    return tf.where(temperature > 0, sampled, greedy)


def sample_decode(step_fn, initial_state, context, batch_size, start_id, end_id, max_length, temperature=1.0,
                  top_k=0, top_p=1.0, seed=0):
    """Draws every next token from the model's distribution reshaped by temperature, top-k and top-p
    (`draw`), until each sequence has ended; reproducible from `seed`.

    Args:
        step_fn, initial_state, context, batch_size, start_id, end_id, max_length: as `greedy_decode`.
        temperature: float, default 1. 0 decodes greedily.
        top_k: int, default 0 (all tokens). top_p: float in (0, 1], default 1 (all tokens).
        seed: int. The same seed draws the same sequences.

    Returns:
        int32 (batch, max_length): generated ids, the end token included, zeros after it.
    """
    checks.positive_int("max_length", max_length)
    temperature, top_p = tf.constant(temperature, tf.float32), tf.constant(top_p, tf.float32)
    top_k, seed = tf.constant(top_k, tf.int32), tf.constant(seed, tf.int32)

    def body(t, tokens, state, finished, ids):
        logits, state = step_fn(tokens, state, context)
        tokens = draw(logits, temperature, top_k, top_p, seed, t, never=(PAD_ID, start_id))
        tokens = tf.where(finished, PAD_ID, tokens)
        finished = finished | tf.equal(tokens, end_id)
        return t + 1, tokens, state, finished, ids.write(t, tokens)

    return _decode_loop(body, initial_state, batch_size, start_id, max_length)


def length_penalty_factor(lengths, alpha):
    """GNMT's length normalization (Wu et al., 2016): lp(Y) = ((5 + |Y|) / 6)^α; α = 0 turns it off."""
    return tf.pow((5.0 + tf.cast(lengths, tf.float32)) / 6.0, alpha)


def _repeat_beams(nest, beam_width):
    """Each (batch, ...) tensor → (batch * beam_width, ...), the beams of one example adjacent."""
    return tf.nest.map_structure(lambda x: tf.repeat(x, beam_width, axis=0), nest)


def beam_search(step_fn, initial_state, context, batch_size, start_id, end_id, max_length, beam_width=4,
                length_penalty=0.0):
    """Keeps the `beam_width` most probable partial sequences at every step.

    Each step extends every live beam by every token, scores the candidates by the sum of their
    token log-probabilities, and keeps the best `beam_width` per example; a beam that produced
    the end token stays as it is. At the end, beams are ranked by score / lp(length) (GNMT's
    length normalization; `length_penalty=0` ranks by the raw log-probability, which favours
    short sequences).

    Args:
        step_fn, initial_state, context, batch_size, start_id, end_id, max_length: as
            `greedy_decode`.
        beam_width: int, default 4. Beams kept per example (1 = greedy).
        length_penalty: float, default 0. The α of the length normalization.

    Returns:
        `(ids, scores)`: int32 (batch, beam_width, max_length), best beam first, and their
        normalized scores float32 (batch, beam_width).
    """
    checks.positive_int("max_length", max_length)
    checks.positive_int("beam_width", beam_width)
    if length_penalty < 0:
        raise UsageError(f"`length_penalty` must be >= 0; received length_penalty={length_penalty!r}.")
    k = beam_width
    state = _repeat_beams(initial_state, k)
    context = _repeat_beams(context, k)
    minus_infinity = tf.constant(-1e30, tf.float32)  # finite: -inf + -inf comparisons stay ordered
    scores = tf.tile(tf.concat([[0.0], tf.fill([k - 1], minus_infinity)], 0)[None], [batch_size, 1])
    beam_offsets = tf.range(batch_size)[:, None] * k  # row of each example's first beam

    def body(t, tokens, state, scores, finished, lengths, sequences):
        logits, state = step_fn(tokens, state, context)
        vocab_size = tf.shape(logits)[-1]
        log_probs = tf.reshape(tf.nn.log_softmax(tf.cast(logits, tf.float32)), [batch_size, k, vocab_size])
        pad_only = tf.one_hot(PAD_ID, vocab_size, on_value=0.0, off_value=minus_infinity)
        log_probs = tf.where(finished[..., None], pad_only, log_probs)  # an ended beam only pads
        candidates = tf.reshape(scores[..., None] + log_probs, [batch_size, k * vocab_size])
        scores, chosen = tf.math.top_k(candidates, k)
        parent, tokens = chosen // vocab_size, chosen % vocab_size  # (batch, k) each
        finished = tf.gather(finished, parent, batch_dims=1)
        lengths = tf.gather(lengths, parent, batch_dims=1) + tf.cast(~finished, tf.int32)
        sequences = tf.gather(sequences, parent, batch_dims=1)
        sequences = sequences + tokens[..., None] * tf.one_hot(t, max_length, dtype=tf.int32)
        finished = finished | tf.equal(tokens, end_id)
        rows = tf.reshape(parent + beam_offsets, [-1])
        state = tf.nest.map_structure(lambda s: tf.gather(s, rows), state)
        return t + 1, tf.reshape(tokens, [-1]), state, scores, finished, lengths, sequences

    _, _, _, scores, _, lengths, sequences = tf.while_loop(
        lambda t, tokens, state, scores, finished, *_: (t < max_length) & ~tf.reduce_all(finished),
        body,
        (
            tf.constant(0),
            _first_tokens(batch_size * k, start_id),
            state,
            scores,
            tf.zeros([batch_size, k], tf.bool),
            tf.zeros([batch_size, k], tf.int32),
            tf.zeros([batch_size, k, max_length], tf.int32),
        ),
        maximum_iterations=max_length,
    )
    normalized = scores / length_penalty_factor(lengths, length_penalty)
    normalized, order = tf.math.top_k(normalized, k)
    return tf.gather(sequences, order, batch_dims=1), normalized
