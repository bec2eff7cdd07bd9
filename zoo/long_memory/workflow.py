"""The long-memory lab's verbs as library functions: train (the sweep, the pictures and the main
model), evaluate, predict, export, tune, and the default run. `zoo/recipes/long_memory.py` only
parses arguments."""

import csv
import os
import time

import keras
import numpy as np
import tensorflow as tf

from zoo.errors import UsageError
from zoo.config import read_saved_config, replace_values
from zoo.data.long_memory import ADDING_BASELINE_MSE, adding_problem
from zoo.long_memory import experiments, plots
from zoo.long_memory.config import LongMemoryConfig
from zoo.plots import plot_training_curves
from zoo.registry import create_model
from zoo.tables import format_table
from zoo.workdir import load_keras_model, read_json, train_in_workdir, write_json

RECIPE = "long_memory"
MODEL_KEYS = ("seed", "cell", "units", "main_length")
SWEEP_FILE = "sweep.json"


def _sweep_keys(config):
    return [(task, cell, length) for task, lengths in (("adding", config.adding_lengths), ("copy", config.copy_lengths))
            for cell in config.cells for length in lengths]  # fmt: skip


def run_sweep(config, workdir, verbose=1):
    """Trains every cell on both tasks at every length; rows already in `sweep.json` (an interrupted
    sweep, same settings) are kept, so a rerun finishes the rest. Returns `(rows, trained gradient norms)`."""
    path = os.path.join(workdir, SWEEP_FILE)
    settings = {key: getattr(config, key) for key in ("seed", "units", "learning_rate", "clipnorm", "batch_size",
                                                        "seconds_per_run", "train_examples", "test_examples",
                                                        "copy_symbols", "copy_alphabet")}  # fmt: skip
    saved = read_json(path, "train") if os.path.isfile(path) else {}
    rows = saved.get("rows", []) if saved.get("settings") == json_ready(settings) else []
    done = {(r["task"], r["cell"], r["length"]) for r in rows}
    gradients = saved.get("trained_gradients", {}) if rows else {}
    keys = _sweep_keys(config)
    progress = keras.utils.Progbar(len(keys), unit_name="run", verbose=1 if verbose else 0)
    for index, (task, cell, length) in enumerate(keys):
        if (task, cell, length) not in done:
            row, model = experiments.run_one(task, cell, length, config)
            rows.append(row)
            if task == "adding" and length == config.gradient_length:
                gradients[cell] = experiments.trained_gradient_norms(model, config)
            write_json(path, {"settings": json_ready(settings), "rows": rows, "trained_gradients": gradients})
        progress.update(index + 1)
    return rows, gradients


def json_ready(value):
    return {key: list(v) if isinstance(v, tuple) else v for key, v in value.items()}


def sweep_tables(rows, config):
    """The sweep as printed tables: per task, the metric for each cell and length (✓ = learned)."""
    tables = []
    for task, lengths, what in (("adding", config.adding_lengths, "test MSE (always answering 1.0: 0.167)"),
                                ("copy", config.copy_lengths, "copied symbols right")):  # fmt: skip
        cells = [c for c in config.cells if any(r["task"] == task and r["cell"] == c for r in rows)]
        lines = []
        for cell in cells:
            line = [cell]
            for length in lengths:
                row = next((r for r in rows if (r["task"], r["cell"], r["length"]) == (task, cell, length)), None)
                value = "-" if row is None else (f"{row['metric']:.4f}" if task == "adding" else f"{100 * row['metric']:.0f} %")
                line.append(value + (" ✓" if row and row["learned"] else ""))
            longest = max((length for length in lengths if any(r["learned"] for r in rows if
                          (r["task"], r["cell"], r["length"]) == (task, cell, length))), default=None)  # fmt: skip
            lines.append(line + ["-" if longest is None else longest])
        title = f"{task} task: {what}; ✓ = learned within {config.seconds_per_run:g} s"
        tables.append(title + "\n" + format_table(["cell", *[f"T={n}" for n in lengths], "longest learned"], lines))
    return tables


def main_model_data(config, count, seed_offset):
    return adding_problem(count, config.main_length, np.random.default_rng([config.seed, 99, seed_offset]))


def train_main(config, workdir, verbose):
    """`config.cell` on the adding problem at `main_length`, within `train_minutes`, into `workdir`."""

    def datasets():
        train = tf.data.Dataset.from_tensor_slices(main_model_data(config, config.train_examples, 0))
        validation = tf.data.Dataset.from_tensor_slices(main_model_data(config, config.test_examples, 1))
        return (train.shuffle(config.train_examples, seed=config.seed).batch(config.batch_size),
                validation.batch(config.batch_size))

    label = f"the main {config.cell} (adding problem, T={config.main_length})"
    return train_in_workdir(workdir, config, RECIPE, LongMemoryConfig, MODEL_KEYS, lambda: build_main(config),
                            datasets, label, verbose)


def build_main(config):
    return create_model("memory_probe", task="adding", cell=config.cell, units=config.units,
                        learning_rate=config.learning_rate, clipnorm=config.clipnorm)  # fmt: skip


def train(config, workdir, verbose=1):
    """The sweep (sweep.json), gradients.png, clipping.png and the main model. Returns the main model."""
    os.makedirs(workdir, exist_ok=True)
    rows, trained_gradients = run_sweep(config, workdir, verbose)
    panels = {"at initialization": {cell: experiments.untrained_gradient_norms(cell, config) for cell in config.cells}}
    if trained_gradients:
        panels[f"after the sweep's {config.seconds_per_run:g} s at T={config.gradient_length}"] = trained_gradients
    plots.plot_gradients(panels, os.path.join(workdir, "gradients.png"))
    curves = experiments.clipping_curves(config)
    write_json(os.path.join(workdir, "clipping.json"), curves)
    plots.plot_clipping(curves, os.path.join(workdir, "clipping.png"))
    model = train_main(config, workdir, verbose)
    plot_training_curves(os.path.join(workdir, "history.csv"), os.path.join(workdir, "training.png"))
    return model


def evaluate(workdir, model=None, config=None):
    """Prints the sweep tables, the clipping result and the main model's test MSE; writes metrics.json."""
    if model is None:
        config = read_saved_config(LongMemoryConfig, os.path.join(workdir, "config.json"))
        model = load_keras_model(workdir, RECIPE)
    rows = read_json(os.path.join(workdir, SWEEP_FILE), "train")["rows"]
    for table in sweep_tables(rows, config):
        print(table)
    curves = read_json(os.path.join(workdir, "clipping.json"), "train")
    for name, curve in curves.items():
        print(f"simple RNN, SGD, {name}: {len(curve['losses'])} of {config.clipping_steps} steps finite, last loss "
              f"{curve['losses'][-1] if curve['losses'] else float('nan'):.3g}, largest gradient norm "
              f"{curve['largest_gradient_norm']:.3g}")  # fmt: skip
    inputs, targets = main_model_data(config, config.test_examples, 2)
    mse, learned = experiments.task_score("adding", model, inputs, targets, config)
    print(f"main model ({config.cell}, adding problem, T={config.main_length}): test MSE {mse:.4f} "
          f"against {ADDING_BASELINE_MSE:.3f} for always answering 1.0{' (learned)' if learned else ''}")
    metrics = {"main": {"cell": config.cell, "length": config.main_length, "test_mse": mse, "learned": learned},
               "sweep": rows}
    write_json(os.path.join(workdir, "metrics.json"), metrics)
    return metrics


def read_sequence(path):
    """A CSV of `value,marker` rows (marker 0 or 1, exactly two 1s) as a (steps, 2) array."""
    try:
        with open(path, newline="") as file:
            values = np.array([[float(field) for field in row] for row in csv.reader(file) if row], np.float32)
    except (OSError, ValueError) as error:
        raise UsageError(f"{path}: expected rows of value,marker numbers ({error})") from error
    if values.ndim != 2 or values.shape[1] != 2 or values.shape[0] < 2:
        raise UsageError(f"{path}: expected at least 2 rows of value,marker; read shape {values.shape}")
    if sorted(set(values[:, 1].tolist())) != [0.0, 1.0] or values[:, 1].sum() != 2:
        raise UsageError(f"{path}: the marker column must hold exactly two 1s and otherwise 0s")
    return values


def predict(workdir, paths):
    """Yields a record per CSV of value,marker rows: `{"input": path, "steps", "predicted_sum", "true_sum"}`
    (the main model's sum beside the true sum of the marked values), or `{"input": path, "error": ...}`
    for a file that can't be read (skipped)."""
    model = load_keras_model(workdir, RECIPE)
    for path in paths:
        try:
            sequence = read_sequence(path)
        except ValueError as error:
            yield {"input": path, "error": str(error)}
            continue
        guess = float(np.asarray(model(sequence[None], training=False))[0])
        yield {"input": path, "steps": len(sequence), "predicted_sum": guess,
               "true_sum": float(sequence[sequence[:, 1] == 1, 0].sum())}


def predict_text(record):
    """predict's text line of `record` (None for a file that can't be read: stderr says so)."""
    if "error" in record:
        return None
    return (f"{record['input']}: {record['steps']} steps; predicted sum {record['predicted_sum']:.3f}, "
            f"true {record['true_sum']:.3f}")


def export(workdir, model=None, config=None, verbose=True, overrides=None):
    """Exports the main model with `zoo.export.export_model`, proved on test sequences: model.keras,
    serving/1, model.tflite and the quantized files (one regressed number has no argmax: they are
    checked on the sums, within `quantized_tolerance`)."""
    from zoo.export import export_model, parity

    if model is None:
        config = read_saved_config(LongMemoryConfig, os.path.join(workdir, "config.json"))
        model = load_keras_model(workdir, RECIPE)
    config = replace_values(config, overrides or {})
    inputs = main_model_data(config, config.batch_size, 2)[0]
    return export_model(model, workdir, inputs, tolerance=config.export_tolerance, quantizations=config.quantizations,
                        verbose=verbose, quantized_check=parity.values_within(config.quantized_tolerance))


def run(config, workdir, verbose=1):
    """The default run: the sweep and pictures, the main model, evaluate, export."""
    start = time.monotonic()
    model = train(config, workdir, verbose=verbose)
    evaluate(workdir, model, config)
    export(workdir, model, config)
    print(f"done in {(time.monotonic() - start) / 60:.1f} min; artifacts in {workdir}/")


def tuning_target():
    """The lab's `TuningTarget`: the main model's task, validation MSE (maximized as its negative)."""
    from zoo.tuning.search import TuningTarget, fit_trial

    def train_and_score(model, config, trial_dir, fit_kwargs):
        train_set = tf.data.Dataset.from_tensor_slices(main_model_data(config, config.train_examples, 0))
        validation = main_model_data(config, config.test_examples, 1)
        validation_set = tf.data.Dataset.from_tensor_slices(validation).batch(config.batch_size)
        fit_trial(model, train_set.batch(config.batch_size), validation_set, config, trial_dir, fit_kwargs)
        return -experiments.task_score("adding", model, *validation, config)[0]

    return TuningTarget(RECIPE, "val_neg_mse", build_main, train_and_score)


def tune(config, workdir, tuner="random", max_trials=10, budget_minutes=0.0, verbose=1, strategy=None):
    """Searches cell, width and learning rate for the main task (see `zoo.tuning.search`; the probe has one
    layer, so recipes/long_memory.toml pins depth to 1)."""
    from zoo.tuning.search import search

    return search(tuning_target(), config, workdir, tuner, max_trials, budget_minutes, verbose=bool(verbose),
                  strategy=strategy)
