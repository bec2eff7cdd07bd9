"""Text generation from a character language model, in TensorFlow (so the SavedModel runs the very
same code): a prompt sets the states, then each next character is drawn from the model's
distribution reshaped by temperature, top-k and top-p (nucleus) sampling, with a seed."""

import tensorflow as tf

from zoo import decoding
from zoo.export import boundary
from zoo.language_model.data import PAD, UNKNOWN
from zoo.models.char_language_model import zero_states


def draw(logits, temperature, top_k, top_p, seed, step):
    """int32 (batch,): the next characters (`zoo.decoding.draw`); padding and the unknown character are
    never drawn."""
    return decoding.draw(logits, temperature, top_k, top_p, seed, step, never=(PAD, UNKNOWN))


PROMPT = tf.TensorSpec([None], tf.string, name="prompt")
SCALAR_SETTINGS = {name: tf.TensorSpec([], dtype, name=name) for name, dtype in (
    ("length", tf.int32), ("temperature", tf.float32), ("top_k", tf.int32), ("top_p", tf.float32), ("seed", tf.int32))}


def _checked(prompt, length, temperature, top_k, top_p):
    """The generation's inputs, refused at the boundary where a rank or a setting is out of range."""
    prompt = boundary.utf8(boundary.checked(prompt, PROMPT), "prompt")
    length, temperature, top_k, top_p = (boundary.checked(value, SCALAR_SETTINGS[name]) for value, name in (
        (length, "length"), (temperature, "temperature"), (top_k, "top_k"), (top_p, "top_p")))
    length = boundary.require(length >= 0, length, "length must be >= 0 (characters to write)")
    temperature = boundary.require(temperature >= 0, temperature,
                                   "temperature must be a finite number >= 0 (0 = greedy)")  # NaN fails too
    temperature = boundary.finite(temperature, "temperature")
    top_k = boundary.require(top_k >= 0, top_k, "top_k must be >= 0 (0 = no cut)")
    top_p = boundary.require((top_p > 0) & (top_p <= 1), top_p, "top_p must lie in (0, 1] (1 = no cut)")
    return prompt, length, temperature, top_k, top_p


class TextGenerator(tf.Module):
    """The generation task of a character language model, decoder only (the language model's counterpart of
    `zoo.generation.SequenceGenerator`, drawing with the same `zoo.decoding.draw`): it owns the prompt's
    preprocessing (string → ids), the generator form (`char_language_model(with_states=True)`) and its
    one traced function, which is also the SavedModel's signature.

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

    @tf.function(input_signature=[PROMPT, *SCALAR_SETTINGS.values()], autograph=False)
    def continue_text(self, prompt, length, temperature, top_k, top_p, seed):
        """`{"text": string [batch]}`: `length` characters after each prompt (an empty prompt starts at a
        line break); a prompt that is not UTF-8, a negative length, temperature or top_k, or a top_p
        outside (0, 1] is refused."""
        prompt, length, temperature, top_k, top_p = _checked(prompt, length, temperature, top_k, top_p)
        nothing_to_write = tf.fill(tf.shape(prompt), length == 0)  # an empty batch needs no model either
        return boundary.answered(nothing_to_write, lambda: self._continue(prompt, length, temperature, top_k, top_p,
                                                                          seed),
                                 lambda batch: {"text": tf.fill([batch], "")})

    def _continue(self, prompt, length, temperature, top_k, top_p, seed):
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


    def generate(self, prompts, length, temperature=0.0, top_k=0, top_p=1.0, seed=0):
        """The continuations (list of str) of `prompts`: greedy with temperature 0, else sampled."""
        return continue_with(self.continue_text, list(prompts), length, temperature, top_k, top_p, seed)


def continue_with(generate, prompts, length, temperature, top_k, top_p, seed):
    """The texts `generate` (a TextGenerator's `continue_text` or the SavedModel's signature) writes."""
    outputs = generate(prompt=tf.constant(prompts), length=tf.constant(length, tf.int32),
                       temperature=tf.constant(temperature, tf.float32), top_k=tf.constant(top_k, tf.int32),
                       top_p=tf.constant(top_p, tf.float32), seed=tf.constant(seed, tf.int32))  # fmt: skip
    return [text.decode("utf-8") for text in outputs["text"].numpy()]
