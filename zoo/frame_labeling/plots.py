"""The frame labeling recipe's picture: the confusion matrix of the main model on the test split."""

import numpy as np

from zoo.plots import plt, save_figure


def plot_confusion(matrix, labels, path):
    """Rows: true label, columns: predicted; each row normalized to the share of its frames."""
    shares = matrix / np.maximum(matrix.sum(1, keepdims=True), 1)
    size = 0.45 * len(labels) + 2
    figure, axis = plt.subplots(figsize=(size, size * 0.85))
    image = axis.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    axis.set_xticks(range(len(labels)), labels, rotation=90)
    axis.set_yticks(range(len(labels)), labels)
    axis.set_xlabel("predicted label")
    axis.set_ylabel("true label")
    if len(labels) <= 20:
        for row in range(len(labels)):
            for column in range(len(labels)):
                if shares[row, column] >= 0.01:
                    axis.text(column, row, f"{100 * shares[row, column]:.0f}", ha="center", va="center", fontsize=7,
                              color="white" if shares[row, column] > 0.5 else "black")
    axis.set_title("frames per true label (%)")
    figure.colorbar(image, ax=axis, fraction=0.046)
    save_figure(figure, path)
