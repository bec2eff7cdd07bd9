"""Image encoders: a picture in, a grid of feature vectors out, for a decoder to attend to."""

import os

import keras
from keras import ops

from zoo.errors import UsageError
from zoo import checks

BACKBONES = ("small_cnn", "factored_cnn", "mobilenet_v3_small")


@keras.saving.register_keras_serializable(package="zoo")
class GridPositions(keras.layers.Layer):
    """Flattens a feature map (batch, rows, cols, C) to a grid (batch, rows·cols, C) and adds a
    learned embedding of each cell's position, so attention can tell left from right.

        g_j = f_j + p_j            j = row · cols + col

    Example:
        >>> GridPositions()(np.zeros((2, 8, 8, 16), "float32")).shape
        (2, 64, 16)
    """

    def build(self, input_shape):
        _, rows, cols, channels = input_shape
        self.positions = self.add_weight(
            shape=(rows * cols, channels), name="positions", initializer=keras.initializers.RandomNormal(stddev=0.02)
        )

    def call(self, feature_map):
        _, rows, cols, channels = feature_map.shape
        return ops.reshape(feature_map, (-1, rows * cols, channels)) + self.positions

    def compute_output_shape(self, input_shape):
        batch, rows, cols, channels = input_shape
        return (batch, rows * cols, channels)


def small_cnn(image_size=64, filters=(16, 32, 64, 128), name="image_encoder"):
    """A small CNN trained from scratch: `len(filters)` 3×3 conv + ReLU blocks, a 2×2 max-pool
    between them; the last block's map is the grid (64 px, 4 blocks → 8×8).

    Args:
        image_size: int, default 64. Images are (image_size, image_size, 3), pixels in [0, 255].
        filters: channels of each conv block; the grid's feature width is the last.
        name: str, the model's name.

    Returns:
        A `keras.Model`: float32 (batch, image_size, image_size, 3) → (batch, cells, filters[-1]).
    """
    checks.positive_int("image_size", image_size)
    image = keras.Input((image_size, image_size, 3), name="image")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="rescale")(image)
    for index, width in enumerate(filters):
        if index > 0:
            x = keras.layers.MaxPooling2D(2, name=f"pool_{index}")(x)
        x = keras.layers.Conv2D(width, 3, padding="same", activation="relu", name=f"conv_{index}")(x)
    return keras.Model(image, GridPositions(name="grid")(x), name=name)


def factored_cnn(image_size=64, shape_filters=(16, 32, 64, 96), colour_filters=(16, 32), name="image_encoder"):
    """Colour and shape read apart, so a colour–shape pair never seen in training still gets the
    features of its colour and of its shape: a shape branch, `small_cnn` on the image's luminance
    (no hue), and a colour branch of 1×1 convolutions (each pixel's colour alone, no shape)
    max-pooled to the same grid; the two maps are concatenated in each grid cell.

        s = CNN_shape((R + G + B) / 3)        c = maxpool(MLP_1×1(RGB))        g_j = [s_j; c_j] + p_j

    Args:
        image_size: int, default 64. Images are (image_size, image_size, 3), pixels in [0, 255].
        shape_filters: channels of the shape branch's 3×3 conv blocks (a 2×2 max-pool between them).
        colour_filters: channels of the colour branch's 1×1 convolutions.
        name: str, the model's name.

    Returns:
        A `keras.Model`: float32 (batch, image_size, image_size, 3) → (batch, cells,
        shape_filters[-1] + colour_filters[-1]), the shape features first.
    """
    checks.positive_int("image_size", image_size)
    image = keras.Input((image_size, image_size, 3), name="image")
    pixels = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="rescale")(image)
    shape = keras.layers.Conv2D(1, 1, use_bias=False, trainable=False, name="luminance",
                                kernel_initializer=keras.initializers.Constant(1 / 3))(pixels)
    for index, width in enumerate(shape_filters):
        if index > 0:
            shape = keras.layers.MaxPooling2D(2, name=f"shape_pool_{index}")(shape)
        shape = keras.layers.Conv2D(width, 3, padding="same", activation="relu", name=f"shape_conv_{index}")(shape)
    colour = pixels
    for index, width in enumerate(colour_filters):
        colour = keras.layers.Conv2D(width, 1, activation="relu", name=f"colour_conv_{index}")(colour)
    colour = keras.layers.MaxPooling2D(2 ** (len(shape_filters) - 1), name="colour_pool")(colour)
    features = keras.layers.Concatenate(name="shape_and_colour")([shape, colour])
    return keras.Model(image, GridPositions(name="grid")(features), name=name)


def mobilenet_v3_small(image_size=224, weights_path=None, name="image_encoder"):
    """`keras.applications.MobileNetV3Small` without its classifier; its last feature map is the grid.

    Weights load only from a local file the user names (an ImageNet `.h5`/`.weights.h5` of
    `include_top=False`), never from the internet.

    Args:
        image_size: int, default 224 (at least 32; the grid is image_size / 32 on a side).
        weights_path: optional str. A local weights file; None starts from random weights.
        name: str, the model's name.
    """
    if weights_path is not None and not os.path.isfile(weights_path):
        raise UsageError(f"encoder_weights: {weights_path} is not a file; give the path of a local weights file.")
    image = keras.Input((image_size, image_size, 3), name="image")
    backbone = keras.applications.MobileNetV3Small(
        input_shape=(image_size, image_size, 3), include_top=False, weights=None, include_preprocessing=True
    )
    if weights_path is not None:
        backbone.load_weights(weights_path)
    return keras.Model(image, GridPositions(name="grid")(backbone(image)), name=name)


def image_encoder(backbone="small_cnn", image_size=64, weights_path=None):
    """An image encoder by config name ("small_cnn", "factored_cnn" or "mobilenet_v3_small")."""
    checks.one_of("encoder", backbone, BACKBONES)
    if backbone in ("small_cnn", "factored_cnn"):
        if weights_path is not None:
            raise UsageError(f"encoder_weights applies to a keras.applications backbone, not to {backbone}.")
        return small_cnn(image_size) if backbone == "small_cnn" else factored_cnn(image_size)
    return mobilenet_v3_small(image_size, weights_path)
