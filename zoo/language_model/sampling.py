"""Text generation from a character language model, in TensorFlow (so the SavedModel runs the very
same code): a prompt sets the states, then each next character is drawn from the model's
distribution reshaped by temperature, top-k and top-p (nucleus) sampling, with a seed."""

import tensorflow as tf

from zoo.language_model.data import PAD, UNKNOWN
from zoo.models.char_language_model import zero_states


def filter_logits(logits, temperature, top_k, top_p):
    """Next-character logits (batch, vocab) as the sampler draws from them.

    Args:
        logits: float32 (batch, vocab).
        temperature: float32 scalar > 0. Divides the logits: below 1 sharpens, above 1 flattens.
        top_k: int32 scalar. Keep the k likeliest characters; 0 keeps all.
        top_p: float32 scalar in (0, 1]. Then keep the fewest likeliest characters whose
            probabilities sum to at least top_p (Holtzman et al., 2020); 1 keeps all.

    Returns:
        float32 (batch, vocab): the scaled logits, −inf where a character is filtered out (never
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


def draw(logits, temperature, top_k, top_p, seed, step):
    """int32 (batch,): the next characters. Temperature ≤ 0 picks the likeliest (greedy); otherwise a
    draw from `filter_logits`, reproducible from `(seed, step)`. Padding and the unknown character
    are never drawn.

    The draw is the Gumbel-max trick; row i's noise comes from `(seed, step)` and i alone, so a row's
    continuation does not depend on the other prompts of its batch, and the same prompt given twice
    gets two different samples.
    """
    vocab = tf.shape(logits)[-1]
    never = tf.logical_or(tf.equal(tf.range(vocab), PAD), tf.equal(tf.range(vocab), UNKNOWN))
    logits = tf.where(never[None, :], tf.constant(-float("inf"), logits.dtype), logits)
    greedy = tf.argmax(logits, axis=-1, output_type=tf.int32)
    filtered = filter_logits(logits, tf.maximum(temperature, 1e-6), top_k, top_p)
    uniform = tf.random.stateless_uniform(tf.shape(logits), seed=tf.stack([seed, step]), minval=1e-12, maxval=1.0)
    sampled = tf.argmax(filtered - tf.math.log(-tf.math.log(uniform)), axis=-1, output_type=tf.int32)
    return tf.where(temperature > 0, sampled, greedy)


class TextGenerator(tf.Module):
    """Continues prompts with a language model's generator form (`char_language_model(with_states=True)`).

    Args:
        generator: the generator-form `keras.Model`.
        vocabulary: its `CharacterVocabulary`.

    Example:
        >>> TextGenerator(generator, vocabulary).continue_text(
        ...     tf.constant(["def main("]), length=200, temperature=0.8, top_k=0, top_p=0.95, seed=7)
    """

    def __init__(self, generator, vocabulary):
        super().__init__()
        self.generator = generator
        self.table = vocabulary.lookup_table()
        self.shown = vocabulary.shown_characters()

    @tf.function(input_signature=[
        tf.TensorSpec([None], tf.string, name="prompt"),
        tf.TensorSpec([], tf.int32, name="length"),
        tf.TensorSpec([], tf.float32, name="temperature"),
        tf.TensorSpec([], tf.int32, name="top_k"),
        tf.TensorSpec([], tf.float32, name="top_p"),
        tf.TensorSpec([], tf.int32, name="seed"),
    ], autograph=False)  # fmt: skip
    def continue_text(self, prompt, length, temperature, top_k, top_p, seed):
        """`{"text": string [batch]}`: `length` characters after each prompt (an empty prompt starts at a
        line break)."""
        prompt = tf.where(tf.strings.length(prompt) > 0, prompt, "\n")
        characters = tf.strings.unicode_split(prompt, "UTF-8")
        ids = tf.cast(self.table.lookup(characters), tf.int32).to_tensor(default_value=PAD)
        lengths = tf.cast(characters.row_lengths(), tf.int32)
        batch = tf.shape(ids)[0]
        # Padding is masked: the states are those after each prompt's last character.
        logits, *states = self.generator([ids, *zero_states(self.generator, batch)], training=False)
        last = tf.gather(logits, lengths - 1, axis=1, batch_dims=1)

        def write_one(step, last, states, written):
            following = draw(last, temperature, top_k, top_p, seed, step)
            logits, *states = self.generator([following[:, None], *states], training=False)
            return step + 1, logits[:, 0], states, written.write(step, following)

        written = tf.TensorArray(tf.int32, size=length, element_shape=tf.TensorShape([None]))
        *_, written = tf.while_loop(lambda step, *_: step < length, write_one, (tf.constant(0), last, states, written))
        continuation = tf.transpose(written.stack())  # (batch, length)
        return {"text": tf.strings.reduce_join(tf.gather(self.shown, continuation), axis=-1)}


def continue_with(generate, prompts, length, temperature, top_k, top_p, seed):
    """The texts `generate` (a TextGenerator's `continue_text` or the SavedModel's signature) writes."""
    outputs = generate(prompt=tf.constant(prompts), length=tf.constant(length, tf.int32),
                       temperature=tf.constant(temperature, tf.float32), top_k=tf.constant(top_k, tf.int32),
                       top_p=tf.constant(top_p, tf.float32), seed=tf.constant(seed, tf.int32))  # fmt: skip
    return [text.decode("utf-8") for text in outputs["text"].numpy()]
