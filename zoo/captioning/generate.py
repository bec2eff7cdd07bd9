"""Captions of images from a trained captioner: greedy or beam search, as one `tf.function`."""

import tensorflow as tf

from zoo.generation import decode_memory
from zoo.text import END, RESERVED, UNKNOWN


def caption_ids_function(model, vocabulary, max_length, beam_width=1, length_penalty=0.0):
    """A function: float32 images (batch, size, size, 3) → caption ids (batch, max_length).

    `beam_width` 1 decodes greedily; more runs beam search and keeps the best beam.
    """
    encoder, decoder = model.get_layer("image_encoder"), model.get_layer("decoder")

    def caption_ids(images):
        memory = encoder(images, training=False)
        return decode_memory(decoder, memory, None, vocabulary, max_length, beam_width, length_penalty)

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
