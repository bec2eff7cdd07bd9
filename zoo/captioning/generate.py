"""Captions of images from a trained captioner: greedy or beam search over its image grid."""

import numpy as np
import tensorflow as tf

from zoo.generation import SequenceGenerator


def captioner(model, vocabulary, max_length, length_penalty=0.0):
    """The captioning task of a trained captioner (a `SequenceGenerator`): images (uint8 or float,
    (count, size, size, 3)) in, captions out, its traced functions its own.

    Example:
        captioner(model, vocabulary, config.max_caption_length).generate(images, beam_width=3)
    """
    encoder = model.get_layer("image_encoder")
    size = encoder.inputs[0].shape[1]

    def encode(images):
        return encoder(images, training=False), None

    return SequenceGenerator(encode, model.get_layer("decoder"), vocabulary, max_length,
                             tf.TensorSpec([None, size, size, 3], tf.float32),
                             lambda images: np.asarray(images, np.float32).reshape(-1, size, size, 3), length_penalty)
