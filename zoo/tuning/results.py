"""What a sweep leaves behind: the trials table (CSV and markdown), a plot, and the best config."""

import csv
import dataclasses
import os

import tomli_w
from matplotlib.ticker import MaxNLocator, NullFormatter, ScalarFormatter

from zoo.atomic import atomic_file
from zoo.plots import plt, save_figure
from zoo.tuning.space import meaningful

SEARCHED = ("cell", "depth", "units", "dropout", "learning_rate", "bidirectional", "transition_depth", "shortcut",
            "input_layers", "output_layers", "lstm_variant", "peephole")
BOOLEANS = ("bidirectional", "shortcut", "peephole")  # keras-tuner stores a boolean choice as 0 / 1


def trial_rows(tuner, objective, config):
    """The finished trials, best first: dicts of rank, trial, the searched values (as the trial used them:
    see `zoo.tuning.space.meaningful`), the objective, parameters and minutes."""
    rows = []
    for trial in tuner.oracle.trials.values():
        if trial.score is None:
            continue
        values = trial.hyperparameters.values
        searched = {key: bool(values[key]) if key in BOOLEANS else values[key] for key in SEARCHED if key in values}
        row = {"trial": trial.trial_id, **meaningful(searched, config), objective: trial.score}
        for metric in ("parameters", "minutes"):
            row[metric] = trial.metrics.get_last_value(metric) if trial.metrics.exists(metric) else None
        if row["parameters"] is not None:
            row["parameters"] = int(row["parameters"])
        rows.append(row)
    rows.sort(key=lambda row: -row[objective])
    return [{"rank": rank, **row} for rank, row in enumerate(rows, start=1)]


def _formatted(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def markdown_table(rows):
    if not rows:
        return "(no finished trial)"
    headers = list(rows[0])
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_formatted(row[h]) for h in headers) + " |" for row in rows]
    return "\n".join(lines)


def plot_trials(rows, objective, path):
    """tuning.png: the objective against depth and against hidden size, one series per cell type."""
    figure, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for cell in sorted({row["cell"] for row in rows}):
        mine = [row for row in rows if row["cell"] == cell]
        axes[0].scatter([row["depth"] for row in mine], [row[objective] for row in mine], label=cell)
        axes[1].scatter([row["units"] for row in mine], [row[objective] for row in mine], label=cell)
    axes[0].set_xlabel("depth")
    axes[0].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[1].set_xlabel("hidden size")
    axes[1].set_xscale("log", base=2)
    axes[1].xaxis.set_major_formatter(ScalarFormatter())
    axes[1].xaxis.set_minor_formatter(NullFormatter())
    axes[0].set_ylabel(objective)
    for axis in axes:
        axis.grid(alpha=0.3)
    axes[1].legend(title="cell")
    save_figure(figure, path)


def write_results(tuner, target, config, directory):
    """Writes trials.csv, trials.md, tuning.png and best.toml into `directory`, prints the table;
    returns the rows."""
    rows = trial_rows(tuner, target.objective, config)
    if rows:
        with atomic_file(os.path.join(directory, "trials.csv")) as staging, open(staging, "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        plot_trials(rows, target.objective, os.path.join(directory, "tuning.png"))
        write_best_config(config, {key: rows[0][key] for key in SEARCHED if key in rows[0]},
                          os.path.join(directory, "best.toml"))
    table = markdown_table(rows)
    with atomic_file(os.path.join(directory, "trials.md")) as staging, open(staging, "w") as file:
        file.write(table + "\n")
    print(table)
    if rows:
        print(f"best: {os.path.join(directory, 'best.toml')} (train it with --config)")
    return rows


def write_best_config(config, values, path):
    """best.toml: `config` with the winning `values`, loadable with `--config`."""
    best = dataclasses.asdict(dataclasses.replace(config, **values))
    best = {key: list(value) if isinstance(value, tuple) else value for key, value in best.items()}
    with atomic_file(path) as staging, open(staging, "wb") as file:
        tomli_w.dump(best, file)
