"""Generating token sequences with an `AttentionDecoder` over a memory: greedy or beam search in
one traced `tf.function` (so it also runs inside a SavedModel), a greedy walk that keeps the
attention weights of every token (for attention plots), and `SequenceGenerator`, the task object
that owns a trained encoder–decoder's preprocessing, vocabulary and compiled functions."""

import dataclasses
from typing import Callable

import numpy as np
import tensorflow as tf

from zoo.decoding import beam_search, greedy_decode, sample_decode
from zoo.errors import UsageError
from zoo.export import boundary
from zoo.text import END, START


def decode_memory(decoder, memory, memory_mask, vocabulary, max_length, beam_width=1, length_penalty=0.0,
                  nbest=False, sampling=None):
    """Token ids generated from a memory, in TensorFlow.

    Args:
        decoder: an `AttentionDecoder`.
        memory: (batch, memory_length, memory_dim); memory_mask: bool (batch, memory_length) or None.
        vocabulary: the output vocabulary (its [START] and [END] ids).
        max_length: int. Most tokens generated, [END] included.
        beam_width: int. 1 decodes greedily; more runs beam search.
        length_penalty: float. Beam search's length normalization α.
        nbest: bool. Return every beam and its score instead of the best beam.
        sampling: None, or `(temperature, top_k, top_p, seed)`: draw each token (`zoo.decoding.sample_decode`)
            instead of searching; `beam_width` must then be 1.

    Returns:
        int32 (batch, max_length), or with `nbest`, `(ids (batch, beam_width, max_length), scores
        (batch, beam_width))`.
    """
    context = memory if memory_mask is None else (memory, memory_mask)

    def step(tokens, state, context):
        memory, mask = (context, None) if memory_mask is None else context
        logits, state, _ = decoder.step(tokens, state, memory, mask)
        return logits, state

    state = decoder.initial_states(memory, memory_mask)
    batch_size = tf.shape(memory)[0]
    start_id, end_id = vocabulary.ids[START], vocabulary.ids[END]
    if sampling is not None:
        if beam_width != 1 or nbest:
            raise UsageError(f"sampling draws one sequence per input; beam_width is {beam_width}, nbest {nbest}.")
        return sample_decode(step, state, context, batch_size, start_id, end_id, max_length, *sampling)
    if beam_width == 1 and not nbest:
        return greedy_decode(step, state, context, batch_size, start_id, end_id, max_length)
    ids, scores = beam_search(step, state, context, batch_size, start_id, end_id, max_length, beam_width,
                              length_penalty)
    return (ids, scores) if nbest else ids[:, 0]


class SequenceGenerator:
    """A trained encoder–decoder as one generation task (image → caption, sentence → translation): it
    owns the preprocessing of its inputs, the encoder, the decoder's step, the output vocabulary and
    the functions it traced, so callers ask for texts and nothing is cached outside it (drop the object
    and its functions go with it).

    Args:
        encode: `(batch) -> (memory, memory_mask or None)`, in TensorFlow: the encoder half.
        decoder: the model's `AttentionDecoder`.
        vocabulary: the output vocabulary (`zoo.text.Vocabulary` or `zoo.subwords.SubwordVocabulary`).
        max_length: int. Most tokens generated, [END] included.
        input_spec: `tf.TensorSpec` of a batch of prepared inputs.
        prepare: `(inputs) -> numpy array` matching `input_spec` (e.g. sentences → padded source ids).
        length_penalty: float. Beam search's length normalization α.
        raw_inputs: optional `RawInputs`: what a SavedModel of the task takes (image bytes, text) and
            their preprocessing in TensorFlow, for `serving_module`.

    Example:
        generator = translation_generator(model, vocabularies, config)   # zoo.translation.evaluate
        generator.generate(["the cat sleeps"], beam_width=4)             # ["кошка спит"]
    """

    def __init__(self, encode, decoder, vocabulary, max_length, input_spec, prepare, length_penalty=0.0,
                 raw_inputs=None):
        self.encode, self.decoder, self.vocabulary = encode, decoder, vocabulary
        self.max_length, self.input_spec, self.prepare = max_length, input_spec, prepare
        self.length_penalty, self.raw_inputs = length_penalty, raw_inputs
        self._traced = {}

    def ids_function(self, beam_width=1, nbest=False, sampling=None):
        """The untraced function prepared inputs → ids int32 (batch, max_length) (with `nbest`, every
        beam and its score; with `sampling` = (temperature, top_k, top_p, seed), drawn tokens), for a
        SavedModel to trace into its signature."""

        def generate(batch):
            memory, mask = self.encode(batch)
            return decode_memory(self.decoder, memory, mask, self.vocabulary, self.max_length, beam_width,
                                 self.length_penalty, nbest, sampling)

        return generate

    def ids(self, inputs, beam_width=1, batch_size=100, sampling=None):
        """Token ids int32 (count, max_length) of `inputs` (what `prepare` takes), decoded in batches by
        one traced function per decoding (beam width or sampling settings)."""
        key = (beam_width, sampling)
        if key not in self._traced:
            self._traced[key] = tf.function(self.ids_function(beam_width, sampling=sampling),
                                            input_signature=[self.input_spec])
        prepared = self.prepare(inputs)
        return batched(self._traced[key], prepared, batch_size).reshape(len(prepared), self.max_length)

    def generate(self, inputs, beam_width=1, batch_size=100, temperature=0.0, top_k=0, top_p=1.0, seed=0):
        """The texts (list of str) generated from `inputs`: greedy, beam search with `beam_width` > 1, or
        sampled with `temperature` > 0 (then `top_k`, `top_p` and `seed` apply; see `zoo.decoding.draw`)."""
        sampling = (float(temperature), int(top_k), float(top_p), int(seed)) if temperature > 0 else None
        return self.vocabulary.decode(self.ids(inputs, beam_width, batch_size, sampling))

    def serving_module(self, model, beam_width, output_name, nbest_name=None, attention_name=None, memory_length=None):
        """The task as a `tf.Module` to save as a SavedModel (it tracks `model`'s variables): `serve(raw)`
        → `{output_name: texts}`, preprocessing, beam search with `beam_width` and detokenizing in the
        graph; with `nbest_name`, also that function → `{"hypotheses": [batch, beam_width], "scores"}`,
        best first; with `attention_name`, also that function → greedy `{"words": [batch, max_length],
        "attention": [batch, max_length, memory_length]}` (see `attention_graph`; `memory_length`, an int,
        is the encoder's). Needs `raw_inputs`."""
        return _GenerationServing(self, model, beam_width, output_name, nbest_name, (attention_name, memory_length))

    def attention_graph(self, prepared):
        """Greedy decoding of a prepared batch with each step's attention weights, in TensorFlow.

        Returns:
            `(ids int32 [batch, max_length], weights float32 [batch, max_length, memory_length])`: the
            tokens, [END] included, and from the step after [END] on, id 0 and zero weights.
        """
        memory, mask = self.encode(prepared)
        batch = tf.shape(memory)[0]
        end_id = self.vocabulary.ids[END]

        def body(t, tokens, states, finished, ids, weights):
            logits, states, attention = self.decoder.step(tokens, states, memory, mask)
            tokens = tf.where(finished, 0, tf.argmax(logits, axis=-1, output_type=tf.int32))
            attention = tf.where(finished[:, None], 0.0, attention)
            return t + 1, tokens, states, finished | tf.equal(tokens, end_id), ids.write(t, tokens), \
                weights.write(t, attention)

        first = tf.fill([batch], self.vocabulary.ids[START])
        _, _, _, _, ids, weights = tf.while_loop(
            lambda t, *_: t < self.max_length, body,
            (0, first, self.decoder.initial_states(memory, mask), tf.zeros([batch], tf.bool),
             tf.TensorArray(tf.int32, size=self.max_length), tf.TensorArray(tf.float32, size=self.max_length)))
        return tf.transpose(ids.stack()), tf.transpose(weights.stack(), [1, 0, 2])

    def tflite_parts(self, model, spec):
        """The `encoder` and `decoder_step` TFLite signatures of the task (`EncoderDecoderParts`), batch 1:
        the encoder takes one prepared input of `spec` (named)."""
        from zoo.export.encoder_decoder import EncoderDecoderParts

        return EncoderDecoderParts(model, lambda **named: self.encode(*named.values()), [spec])

    def with_attention(self, one_input):
        """`(tokens, weights)` of greedy decoding of a single input, with the attention weights of each
        token (see `greedy_with_attention`)."""
        memory, mask = self.encode(tf.constant(self.prepare([one_input])))
        return greedy_with_attention(self.decoder, memory, mask, self.vocabulary, self.max_length)


@dataclasses.dataclass(frozen=True)
class RawInputs:
    """What a generation task's SavedModel takes, and how the graph checks and prepares it.

    Args:
        spec: `tf.TensorSpec` of a batch of raw inputs, named (e.g. `[None]` strings named "text").
        prepare: `(raw) -> batch` in TensorFlow, matching the task's `input_spec`.
        to_text: `(tokens, ids) -> strings` in TensorFlow: the vocabulary's detokenizer.
        check: `(raw) -> raw` in TensorFlow, refusing what `prepare` cannot take (`zoo.export.boundary`).
        blank: `(raw) -> bool [batch]`: the inputs whose output is empty without running the model (empty
            strings); None when none is.
    """

    spec: tf.TensorSpec
    prepare: Callable
    to_text: Callable
    check: Callable = None
    blank: Callable = None


class _GenerationServing(tf.Module):
    """The SavedModel's functions: raw inputs checked at the boundary, an empty batch or an empty string
    answered empty, the rest prepared, decoded and detokenized in the graph."""

    def __init__(self, generator, model, beam_width, output_name, nbest_name, attention=(None, None)):
        super().__init__()
        self.model = model  # its variables are what the SavedModel saves
        self.tokens = tf.constant(generator.vocabulary.tokens)
        raw = generator.raw_inputs
        best = generator.ids_function(beam_width)

        def answer(inputs, compute, empty):
            inputs = boundary.checked(inputs, raw.spec)
            inputs = raw.check(inputs) if raw.check else inputs
            blank = raw.blank(inputs) if raw.blank else tf.zeros(tf.shape(inputs)[:1], tf.bool)
            return boundary.answered(blank, lambda: compute(raw.prepare(inputs)), empty)

        @tf.function(input_signature=[raw.spec])
        def serve(inputs):
            return answer(inputs, lambda prepared: {output_name: raw.to_text(self.tokens, best(prepared))},
                          lambda batch: {output_name: tf.fill([batch], "")})

        self.serve = serve
        if nbest_name:
            every = generator.ids_function(beam_width, nbest=True)

            def all_beams(prepared):
                ids, scores = every(prepared)
                batch, width = tf.shape(ids)[0], tf.shape(ids)[1]
                flat = raw.to_text(self.tokens, tf.reshape(ids, [batch * width, -1]))
                return {"hypotheses": tf.reshape(flat, [batch, width]), "scores": scores}

            @tf.function(input_signature=[raw.spec])
            def nbest(inputs):
                return answer(inputs, all_beams, lambda batch: {"hypotheses": tf.fill([batch, beam_width], ""),
                                                                "scores": tf.zeros([batch, beam_width])})

            setattr(self, nbest_name, nbest)
        if attention[0]:
            setattr(self, attention[0], self._attention_function(generator, answer, attention[1]))

    def _attention_function(self, generator, answer, memory_length):
        """`raw → {"words": [batch, max_length] (the greedy tokens, "" from [END] on), "attention"}`."""
        raw, steps = generator.raw_inputs, generator.max_length
        end_id = generator.vocabulary.ids[END]

        def words_and_weights(prepared):
            ids, weights = generator.attention_graph(prepared)
            ended = tf.cumsum(tf.cast(tf.equal(ids, end_id), tf.int32), axis=1) > 0
            return {"words": tf.where(ended, "", tf.gather(self.tokens, ids)), "attention": weights}

        @tf.function(input_signature=[raw.spec])
        def attend(inputs):
            return answer(inputs, words_and_weights, lambda batch: {"words": tf.fill([batch, steps], ""),
                                                                   "attention": tf.zeros([batch, steps, memory_length])})

        return attend


def batched(function, inputs, batch_size=100):
    """`function` over `inputs` (an array) in batches, the numpy results concatenated."""
    results = [function(tf.constant(inputs[start:start + batch_size])).numpy()
               for start in range(0, len(inputs), batch_size)]
    return np.concatenate(results) if results else np.zeros((0,), np.int32)


def greedy_with_attention(decoder, memory, memory_mask, vocabulary, max_length):
    """Greedy tokens of one memory (batch 1) with the attention weights of each.

    Returns:
        `(tokens, weights)`: the generated tokens as strings ([END] included if reached) and
        float (len(tokens), memory_length).
    """
    states = decoder.initial_states(memory, memory_mask)
    token = tf.constant([vocabulary.ids[START]], tf.int32)
    tokens, weights = [], []
    for _ in range(max_length):
        logits, states, attention = decoder.step(token, states, memory, memory_mask)
        token = tf.argmax(logits, axis=-1, output_type=tf.int32)
        tokens.append(vocabulary.tokens[int(token[0])])
        weights.append(np.asarray(attention[0]))
        if tokens[-1] == END:
            break
    return tokens, np.stack(weights)
