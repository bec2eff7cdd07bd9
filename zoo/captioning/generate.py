"""Captions of images from a trained captioner: greedy or beam search, as one `tf.function`."""

import tensorflow as tf

from zoo.decoding import beam_search, greedy_decode
from zoo.text import END, RESERVED, START, UNKNOWN


def decoder_step_function(decoder):
    """The `zoo.decoding` step function of an `AttentionDecoder` whose context is the image grid."""

    def step(tokens, state, memory):
        logits, state, _ = decoder.step(tokens, state, memory)
        return logits, state

    return step


def caption_ids_function(model, vocabulary, max_length, beam_width=1, length_penalty=0.0):
    """A `tf.function`: float32 images (batch, size, size, 3) → caption ids (batch, max_length).

    `beam_width` 1 decodes greedily; more runs beam search and keeps the best beam.
    """
    encoder, decoder = model.get_layer("image_encoder"), model.get_layer("decoder")
    start_id, end_id = vocabulary.ids[START], vocabulary.ids[END]
    step = decoder_step_function(decoder)

    def caption_ids(images):
        memory = encoder(images, training=False)
        state = decoder.initial_states(memory)
        batch_size = tf.shape(images)[0]
        if beam_width == 1:
            return greedy_decode(step, state, memory, batch_size, start_id, end_id, max_length)
        ids, _ = beam_search(step, state, memory, batch_size, start_id, end_id, max_length, beam_width,
                             length_penalty)
        return ids[:, 0]

    return caption_ids


def ids_to_text(tokens, ids):
    """Caption strings (batch,) from ids (batch, length), inside TensorFlow: the words up to the
    first [END], reserved tokens dropped, joined by spaces.

    Args:
        tokens: string tensor (vocab_size,), the vocabulary's tokens in id order.
        ids: int32 (batch, length).
    """
    end_id = RESERVED.index(END)
    before_end = tf.math.cumsum(tf.cast(tf.equal(ids, end_id), tf.int32), axis=1, exclusive=True) == 0
    keep = before_end & ((ids >= len(RESERVED)) | tf.equal(ids, RESERVED.index(UNKNOWN)))
    words = tf.ragged.boolean_mask(tf.gather(tokens, ids), keep)
    return tf.strings.reduce_join(words, axis=1, separator=" ")
