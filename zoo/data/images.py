"""Reading images the same way everywhere: datasets, `predict`, and inside the SavedModel."""

import tensorflow as tf

from zoo.errors import UsageError


def decode_image(image_bytes, image_size):
    """Encoded PNG/JPEG/GIF/BMP bytes → float32 (image_size, image_size, 3), pixels in [0, 255].

    Any size or channel count is accepted: grey and RGBA become RGB; the image is resized
    (bilinear, antialiased) to a square, unless it already has that size.
    """
    image = tf.io.decode_image(image_bytes, channels=3, expand_animations=False)
    image = tf.cast(image, tf.float32)
    size = tf.shape(image)[:2]
    same = tf.reduce_all(tf.equal(size, image_size))
    resized = tf.cond(
        same,
        lambda: image,
        lambda: tf.image.resize(image, [image_size, image_size], antialias=True),
    )
    return tf.ensure_shape(resized, [image_size, image_size, 3])


def read_image_file(path, image_size):
    """An image file as float32 (image_size, image_size, 3).

    Raises:
        ValueError naming the file if it is missing or not a decodable image.
    """
    try:
        data = tf.io.read_file(path)
    except tf.errors.OpError as error:
        reasons = {tf.errors.NotFoundError: "no such file", tf.errors.PermissionDeniedError: "permission denied",
                   tf.errors.FailedPreconditionError: "not a file"}
        raise UsageError(f"{path}: {reasons.get(type(error), 'cannot be read')}.") from None
    try:
        return decode_image(data, image_size).numpy()
    except tf.errors.OpError:
        raise UsageError(f"{path}: not a readable PNG/JPEG/GIF/BMP image.") from None
