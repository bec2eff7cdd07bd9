"""The long-memory lab (`python -m zoo.recipes.long_memory`) on the recipe contract (`zoo.recipe`): train
runs the sweep (every cell on the adding problem and the copy task at growing lengths), draws the
gradients and the clipping curves, then fits the main model (its cell on the adding problem), which
evaluate, predict, export and tune use."""

import csv
import dataclasses
import os

import keras
import numpy as np
import tensorflow as tf

from zoo.config import DEEP_KEYS, model_options
from zoo.data.long_memory import ADDING_BASELINE_MSE, adding_problem
from zoo.epoch_policy import Objective
from zoo.precision import dtype_policy
from zoo.errors import UsageError
from zoo.long_memory import experiments, plots, study_runs
from zoo.long_memory.config import LongMemoryConfig
from zoo.recipe import Recipe
from zoo.registry import create_model
from zoo.tables import format_table
from zoo.workdir import read_json, write_json

MODEL_KEYS = (*DEEP_KEYS, "seed", "cell", "units", "main_length")
SWEEP_FILE = "sweep.json"
TUNING_METRIC = "val_neg_mse"  # the main model's validation MSE, maximized as its negative


def _sweep_keys(config):
    return [(task, cell, length) for task, lengths in (("adding", config.adding_lengths), ("copy", config.copy_lengths))
            for cell in config.cells for length in lengths]  # fmt: skip


def run_sweep(config, workdir, verbose=1):
    """Trains every cell on both tasks at every length; rows already in `sweep.json` (an interrupted
    sweep, same settings) are kept, so a rerun finishes the rest. Returns `(rows, trained gradient norms)`."""
    path = os.path.join(workdir, SWEEP_FILE)
    settings = {key: getattr(config, key) for key in ("seed", "units", "learning_rate", "clip_threshold", "batch_size",
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


@dataclasses.dataclass
class AddingData:
    """The main model's data: `(inputs, targets)` of the adding problem at `length` per split."""

    length: int
    train: tuple
    validation: tuple
    test: tuple

    def summary(self):
        sizes = ", ".join(f"{split} {len(getattr(self, split)[1])}" for split in ("train", "validation", "test"))
        return f"the main model: the adding problem at T={self.length}; {sizes} sequences"


def load_main_data(config):
    """The main model's train, validation and test sequences (each of its own random stream)."""
    return AddingData(config.main_length, main_model_data(config, config.train_examples, 0),
                      main_model_data(config, config.test_examples, 1),
                      main_model_data(config, config.test_examples, 2))


def build_main(config):
    return create_model("memory_probe", task="adding", cell=config.cell, units=config.units, **model_options(config))


def run_experiments(config, workdir, verbose=1):
    """The sweep (sweep.json), gradients.png, then the studies (studies.json, state_norms.png, clipping.png) in
    `workdir`."""
    rows, trained_gradients = run_sweep(config, workdir, verbose)
    panels = {"at initialization": {cell: experiments.untrained_gradient_norms(cell, config) for cell in config.cells}}
    if trained_gradients:
        panels[f"after the sweep's {config.seconds_per_run:g} s at T={config.gradient_length}"] = trained_gradients
    plots.plot_gradients(panels, os.path.join(workdir, "gradients.png"))
    if config.studies:
        if verbose:
            print(f"studies ({config.study_size}): {', '.join(config.studies)}")
        study_runs.run_studies(config, workdir, verbose)


def read_sequence(path):
    """A CSV of `value,marker` rows (marker 0 or 1, exactly two 1s) as a (steps, 2) array."""
    try:
        with open(path, newline="") as file:
            values = np.array([[float(field) for field in row] for row in csv.reader(file) if row], np.float32)
    except (OSError, ValueError) as error:
        raise UsageError(f"{path}: expected rows of value,marker numbers ({error})") from error
    if values.ndim != 2 or values.shape[1] != 2 or values.shape[0] < 2:
        raise UsageError(f"{path}: expected at least 2 rows of value,marker; read shape {values.shape}")
    if not np.isfinite(values).all():
        raise UsageError(f"{path}: expected finite numbers; row {int(np.flatnonzero(~np.isfinite(values).all(1))[0]) + 1} "
                         "holds nan or inf")
    if sorted(set(values[:, 1].tolist())) != [0.0, 1.0] or values[:, 1].sum() != 2:
        raise UsageError(f"{path}: the marker column must hold exactly two 1s and otherwise 0s")
    return values



class LongMemoryRecipe(Recipe):
    """The long-memory lab: which lengths each cell learns within the same budget, the vanishing gradient
    and clipping (train's sweep and pictures); its main model is `cell` on the adding problem."""

    name = "long_memory"
    config_class = LongMemoryConfig
    embedded_data = (  # what the default run trains on, and its limits (the model card's Data)
        "synthetic sequences of the adding problem and the copy task (`zoo.data.long_memory`): a laboratory "
        "of memory, not an application"
    )
    description = (
        "The long-memory lab: the adding problem and the copy task at growing lengths for every cell on the same "
        "budget, the vanishing gradient made visible, LSTM's parts taken out one at a time, deep RNNs against stacking, "
        "and exploding gradients tamed by clipping by value or by norm. With no verb: run it "
        "all, then train, evaluate and export the main model (its cell on the adding problem)."
    )
    verbs = {
        "train": "the sweep (resumes where an interrupted one stopped), gradients.png, the studies (LSTM variants, "
                 "deep RNNs, clipping modes: studies.json, state_norms.png, clipping.png) and the main model",
        "evaluate": "print the sweep and study tables and the main model's test MSE; metrics.json",
        "predict": "the main model's sum for each CSV of value,marker rows (two markers set)",
        "tune": "search cell type, hidden size and learning rate of the main model with keras-tuner",
        "export": "write the main model's SavedModel and TFLite file, each checked against Keras",
    }
    model_keys = MODEL_KEYS
    tuning_metric = TUNING_METRIC
    predict_help = "a CSV file of value,marker rows"

    def before_training(self, config, workdir, verbose):
        """The sweep (sweep.json), gradients.png, clipping.png, before the main model trains."""
        with dtype_policy(config.precision):  # the sweep's and the studies' models too
            run_experiments(config, workdir, verbose)

    def load_data(self, config, workdir, training, verbose=True):
        return load_main_data(config)

    def describe(self, name, config):
        return f"the main {config.cell} (adding problem, T={config.main_length})"

    def build(self, name, config, data):
        return build_main(config)

    def datasets(self, name, config, data):
        train = tf.data.Dataset.from_tensor_slices(data.train)
        validation = tf.data.Dataset.from_tensor_slices(data.validation)
        return (train.shuffle(config.train_examples, seed=config.seed).batch(config.batch_size),
                validation.batch(config.batch_size))

    def objective(self, config, data):
        return Objective()  # the validation loss: the MSE

    def score(self, trained):
        """Prints the sweep tables, the clipping result and the main model's test MSE."""
        config, workdir = trained.config, trained.workdir
        rows = read_json(os.path.join(workdir, SWEEP_FILE), "train")["rows"]
        for table in sweep_tables(rows, config):
            print(table)
        results = study_runs.read_studies(workdir)
        for table in study_runs.study_tables(results) if results else ():
            print(table)
        mse, learned = experiments.task_score("adding", trained.main, *trained.data.test, config)
        print(f"main model ({config.cell}, adding problem, T={config.main_length}): test MSE {mse:.4f} "
              f"against {ADDING_BASELINE_MSE:.3f} for always answering 1.0{' (learned)' if learned else ''}")
        return {"main": {"cell": config.cell, "length": config.main_length, "test_mse": mse, "learned": learned},
                "sweep": rows, "studies": results}

    def validation_score(self, model, config, data):
        return experiments.task_score("adding", model, *data.validation, config)[0]

    def predict_records(self, trained, inputs):
        """A record per CSV of value,marker rows: `{"input": path, "steps", "predicted_sum", "true_sum"}`
        (the main model's sum beside the true sum of the marked values), or `{"input": path, "error": ...}`
        for a file that can't be read (skipped)."""
        for path in inputs:
            try:
                sequence = read_sequence(path)
            except ValueError as error:
                yield {"input": path, "error": str(error)}
                continue
            guess = float(np.asarray(trained.main(sequence[None], training=False))[0])
            yield {"input": path, "steps": len(sequence), "predicted_sum": guess,
                   "true_sum": float(sequence[sequence[:, 1] == 1, 0].sum())}

    def predict_text(self, record):
        """The predicted sum beside the true one (None for a file that can't be read: stderr says so)."""
        if "error" in record:
            return None
        return (f"{record['input']}: {record['steps']} steps; predicted sum {record['predicted_sum']:.3f}, "
                f"true {record['true_sum']:.3f}")

    def export_metadata(self, trained):
        return {
            "task": "adding_problem", "length": trained.config.main_length,
            "descriptions": {
                "values_and_markers": "float32 [batch, length, 2]: channel 0 values in [0, 1), channel 1 is 1.0 at "
                                      "the two values to add, 0.0 elsewhere",
                "predicted_sum": "the sum of the two marked values"}}

    def export_models(self, trained, verbose):
        """The main model with `zoo.export.export_model`, proved on test sequences: model.keras, serving/<n>,
        model.tflite and the quantized files (one regressed number has no argmax: they are checked on the
        sums, within `quantized_tolerance`)."""
        from zoo.export import export_model, parity

        config = trained.config
        inputs = main_model_data(config, config.batch_size, 2)[0]
        return export_model(trained.main, trained.workdir, inputs, tolerance=config.export_tolerance,
                            quantizations=config.quantizations, verbose=verbose,
                            quantized_check=parity.values_within(config.quantized_tolerance))


RECIPE = LongMemoryRecipe()
