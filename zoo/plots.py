"""Plots shared by the recipes (PNG, matplotlib's Agg backend: no display needed)."""

import csv
import os

import matplotlib

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
