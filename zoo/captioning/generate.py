"""Captions of images from a trained captioner: greedy or beam search over its image grid."""

import numpy as np
import tensorflow as tf

from zoo.data.images import decode_image
from zoo.export import boundary
from zoo.generation import RawInputs, SequenceGenerator
from zoo.text import ids_to_text


def _nonempty_images(image_bytes):
    return boundary.require(tf.strings.length(image_bytes) > 0, image_bytes,
                            "image_bytes holds an empty string; expected the bytes of a JPEG, PNG, GIF or BMP image")


def captioner(model, vocabulary, max_length, length_penalty=0.0):
    """The captioning task of a trained captioner (a `SequenceGenerator`): images (uint8 or float,
    (count, size, size, 3)) in, captions out, its traced functions its own; its SavedModel takes
    `image_bytes` (PNG or JPEG of any size, decoded and resized in the graph).

    Example:
        captioner(model, vocabulary, config.max_caption_length).generate(images, beam_width=3)
    """
    encoder = model.get_layer("image_encoder")
    size = encoder.inputs[0].shape[1]

    def encode(images):
        return encoder(images, training=False), None

    image_spec = tf.TensorSpec([size, size, 3], tf.float32)

    def decode(image_bytes):
        return tf.map_fn(lambda data: decode_image(data, size), image_bytes, fn_output_signature=image_spec)

    return SequenceGenerator(encode, model.get_layer("decoder"), vocabulary, max_length,
                             tf.TensorSpec([None, size, size, 3], tf.float32),
                             lambda images: np.asarray(images, np.float32).reshape(-1, size, size, 3), length_penalty,
                             RawInputs(tf.TensorSpec([None], tf.string, name="image_bytes"), decode, ids_to_text,
                                       check=_nonempty_images))
