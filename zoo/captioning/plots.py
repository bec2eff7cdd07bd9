"""The captioning recipe's pictures: sample captions of test images, and an attention map."""

import textwrap

import numpy as np
import tensorflow as tf

from zoo.plots import plt, save_figure
from zoo.generation import greedy_with_attention


def plot_samples(images, captions, references, path, columns=4, labels=None):
    """samples.png: test images with the model's caption (bold) and one reference under each, and above
    each its `labels` entry (e.g. which split it comes from) when given."""
    count = len(images)
    rows = max(1, -(-count // columns))
    figure, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 4.4 * rows), squeeze=False)
    figure.subplots_adjust(hspace=0.75)
    for axis in axes.flat:
        axis.axis("off")
    labels = labels or [""] * count
    for axis, image, caption, refs, label in zip(axes.flat, images, captions, references, labels):
        axis.imshow(np.asarray(image, np.uint8))
        title = textwrap.fill(caption or "(empty)", 30)
        axis.set_title(f"[{label}]\n{title}" if label else title, fontsize=8, fontweight="bold")
        axis.text(0.5, -0.04, textwrap.fill("ref: " + refs[0], 34), fontsize=7, ha="center", va="top",
                  transform=axis.transAxes, color="dimgray")
    save_figure(figure, path)
    return path


def attention_over_caption(model, vocabulary, image, max_length):
    """Greedy caption of one image, with the attention weights of every generated word.

    Returns:
        `(words, weights)`: the words (the final [END] included) and float (len(words), grid_cells).
    """
    memory = model.get_layer("image_encoder")(tf.constant(image[None], tf.float32), training=False)
    return greedy_with_attention(model.get_layer("decoder"), memory, None, vocabulary, max_length)


def plot_attention(image, words, weights, path, columns=5):
    """attention.png: the image once per word, the word's attention weights laid over it."""
    side = int(round(np.sqrt(weights.shape[1])))
    count = len(words) + 1
    rows = -(-count // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(2.4 * columns, 2.6 * rows), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    image = np.asarray(image, np.uint8)
    extent = (0, image.shape[1], image.shape[0], 0)
    axes.flat[0].imshow(image)
    axes.flat[0].set_title("image", fontsize=9)
    for axis, word, weight in zip(axes.flat[1:], words, weights):
        axis.imshow(image, extent=extent)
        if side * side == weight.shape[0]:
            axis.imshow(weight.reshape(side, side), cmap="magma", alpha=0.6, extent=extent, interpolation="bilinear")
        axis.set_title(word, fontsize=10)
    save_figure(figure, path)
    return path
