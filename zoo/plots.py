"""Plots shared by the recipes (PNG, matplotlib's Agg backend: no display needed)."""

import math
import os

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from zoo.atomic import atomic_file  # noqa: E402


def save_figure(figure, path):
    """Writes `figure` to `path` (PNG) atomically and closes it."""
    with atomic_file(path) as staging:
        figure.savefig(staging, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)


def read_history(path):
    """The rows of a `history.csv` (`zoo.epoch_policy.HistoryLog`) as a dict column → list of floats,
    NaN where an epoch has no value (e.g. a score computed every few epochs); epochs renumbered 1..n."""
    from zoo.epoch_policy import read_history_rows

    rows = read_history_rows(path)
    keys = [key for row in rows for key in row if key != "epoch"]
    columns = {key: [row.get(key, math.nan) for row in rows] for key in dict.fromkeys(keys)}
    columns["epoch"] = list(range(1, len(rows) + 1))
    return columns


def plot_training_curves(history_csv, path):
    """training.png: every metric of `history.csv` per epoch, training and validation side by side, and
    the validation-only scores (a recipe's own metric) in panels of their own."""
    if not os.path.isfile(history_csv):
        return None
    history = read_history(history_csv)
    metrics = [key for key in history if key != "epoch" and not key.startswith("val_") and key != "learning_rate"]
    metrics += [key for key in history if key.startswith("val_") and key.removeprefix("val_") not in history]
    if not metrics or not history["epoch"]:
        return None
    figure, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.4), squeeze=False)
    for axis, metric in zip(axes[0], metrics):
        if metric.startswith("val_"):
            _plot_scored(axis, history["epoch"], history[metric], "validation")
        else:
            axis.plot(history["epoch"], history[metric], marker="o", label="training")
            if f"val_{metric}" in history:
                _plot_scored(axis, history["epoch"], history[f"val_{metric}"], "validation")
        axis.set_xlabel("epoch")
        axis.set_title(metric)
        axis.grid(alpha=0.3)
        axis.legend()
    save_figure(figure, path)
    return path


def _plot_scored(axis, epochs, values, label):
    """A curve through the epochs that have a value (a score may skip some)."""
    scored = [(epoch, value) for epoch, value in zip(epochs, values) if not math.isnan(value)]
    if scored:
        axis.plot(*zip(*scored), marker="o", label=label)


def plot_confusion(matrix, labels, path, counted="examples"):
    """The confusion matrix as a PNG. Rows: true label, columns: predicted; each row normalized to the
    share of its `counted` (examples, frames)."""
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
    axis.set_title(f"{counted} per true label (%)")
    figure.colorbar(image, ax=axis, fraction=0.046)
    save_figure(figure, path)
