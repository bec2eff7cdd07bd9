"""Plots shared by the recipes (PNG, matplotlib's Agg backend: no display needed)."""

import csv
import os

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from zoo.export.atomic import atomic_file  # noqa: E402


def save_figure(figure, path):
    """Writes `figure` to `path` (PNG) atomically and closes it."""
    with atomic_file(path) as staging:
        figure.savefig(staging, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)


def read_history(path):
    """The rows of Keras' CSVLogger file as a dict column → list of floats (epochs renumbered 1..n)."""
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    columns = {key: [float(row[key]) for row in rows if row.get(key) not in (None, "")] for key in (rows[0] if rows else {})}
    columns["epoch"] = list(range(1, len(rows) + 1))
    return columns


def plot_training_curves(history_csv, path):
    """training.png: every metric of `history.csv` per epoch, training and validation side by side."""
    if not os.path.isfile(history_csv):
        return None
    history = read_history(history_csv)
    metrics = [key for key in history if key != "epoch" and not key.startswith("val_") and key != "learning_rate"]
    if not metrics or not history["epoch"]:
        return None
    figure, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.4), squeeze=False)
    for axis, metric in zip(axes[0], metrics):
        axis.plot(history["epoch"][: len(history[metric])], history[metric], marker="o", label="training")
        if f"val_{metric}" in history:
            values = history[f"val_{metric}"]
            axis.plot(history["epoch"][: len(values)], values, marker="o", label="validation")
        axis.set_xlabel("epoch")
        axis.set_title(metric)
        axis.grid(alpha=0.3)
        axis.legend()
    save_figure(figure, path)
    return path


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
