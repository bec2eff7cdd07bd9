"""The captioning model's predictor (`zoo.load`): images in, captions out, from `serving/<n>` alone."""

import os

import numpy as np
import tensorflow as tf

from zoo.errors import UsageError
from zoo.predictor import Predictor, one_or_many, strings


def _is_one_image(value):
    return isinstance(value, (str, bytes, os.PathLike)) or (isinstance(value, np.ndarray) and value.ndim == 3)


def image_bytes(image):
    """The encoded bytes of one image: a file path, the bytes of a JPEG/PNG/GIF/BMP file, or uint8 pixels
    (height, width, 3), encoded as PNG."""
    if isinstance(image, bytes):
        return image
    if isinstance(image, (str, os.PathLike)):
        try:
            with open(image, "rb") as file:
                return file.read()
        except OSError as error:
            raise UsageError(f"{image}: cannot be read ({error.strerror}).") from None
    pixels = np.asarray(image)
    if pixels.ndim != 3 or pixels.shape[-1] != 3 or pixels.dtype != np.uint8:
        raise UsageError(f"an image array must be uint8 (height, width, 3); received {pixels.dtype} {pixels.shape}.")
    return tf.io.encode_png(pixels).numpy()


class CaptioningPredictor(Predictor):
    """Captions images with the exported captioner (its beam width, in the graph).

    Example:
        >>> captioner = zoo.load("saved_models/captioning")
        >>> captioner.predict("photo.jpg")  # one image → one str
        >>> captioner.predict(["photo.jpg", open("other.png", "rb").read(), pixels])  # a list → a list
    """

    recipe = "captioning"

    def predict(self, images):
        """The caption (str) of each image, or of the one image given (see `image_bytes`)."""
        images, one = one_or_many(images, _is_one_image)
        captions = strings(self.run("serving_default", image_bytes=tf.constant([image_bytes(i) for i in images],
                                                                              tf.string))["caption"])
        return captions[0] if one else captions


PREDICTOR = CaptioningPredictor
