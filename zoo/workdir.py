"""What every recipe keeps in its workdir, and the checks around it: the model, the config it was
trained with, JSON results."""

import json
import os
import time

import keras

from zoo.errors import UsageError
from zoo.config import read_saved_config, save_config
from zoo.atomic import atomic_file


def check_resumable(config, workdir, config_class, model_keys):
    """Raises ValueError if `workdir` holds checkpoints of a run whose `model_keys` settings differ.

    Resuming such a run would load weights of another shape or meaning, so the message names the
    changed settings and the ways out.
    """
    path = os.path.join(workdir, "config.json")
    if not os.path.isdir(os.path.join(workdir, "checkpoints")) or not os.path.isfile(path):
        return
    previous = read_saved_config(config_class, path)
    changed = [f"{key} {getattr(previous, key)!r} → {getattr(config, key)!r}" for key in model_keys
               if getattr(previous, key) != getattr(config, key)]
    if changed:
        raise UsageError(
            f"{workdir} holds the checkpoints of a run with other settings ({'; '.join(changed)}); resuming would "
            f"mix them. Use another --workdir, or delete {os.path.join(workdir, 'checkpoints')} to start over."
        )


def load_keras_model(workdir, recipe):
    """`workdir/model.keras`, loaded with Keras' safe mode; a clear error if train has not run."""
    path = os.path.join(workdir, "model.keras")
    if not os.path.isfile(path):
        raise UsageError(f"{path} not found: run `python -m zoo.recipes.{recipe} train` first.")
    return keras.models.load_model(path, safe_mode=True)


def write_json(path, value):
    """Writes `value` as indented JSON, atomically."""
    with atomic_file(path) as staging, open(staging, "w", encoding="utf-8") as file:
        json.dump(value, file, indent=2, ensure_ascii=False)


def read_json(path, what):
    """The JSON in `path`; ValueError naming the file and `what` wrote it if it is missing."""
    if not os.path.isfile(path):
        raise UsageError(f"{path} not found: it is written by {what}.")
    with open(path, encoding="utf-8") as file:
        return json.load(file)


MAIN_MODEL = "main"


def model_workdir(workdir, name):
    """Where a recipe keeps one of its models: the workdir itself for the main one, `models/<name>` else."""
    return workdir if name == MAIN_MODEL else os.path.join(workdir, "models", name)


def load_trained(workdir, recipe, config_class, model_names):
    """`(config, models, labels)` of what a recipe's `train` left in `workdir`: its config.json, each
    model of `model_names(config)` found on disk (the main one must be there), and labels.json."""
    config = read_saved_config(config_class, os.path.join(workdir, "config.json"))
    labels = tuple(read_json(os.path.join(workdir, "labels.json"), "train"))
    models = {}
    for name in model_names(config):
        if name == MAIN_MODEL or os.path.isfile(os.path.join(model_workdir(workdir, name), "model.keras")):
            models[name] = load_keras_model(model_workdir(workdir, name), recipe)
    return config, models, labels


def check_same_labels(data_labels, trained_labels):
    """Raises ValueError unless the data's labels are those the model was trained with."""
    if tuple(data_labels) != tuple(trained_labels):
        raise UsageError(f"the data's labels {list(data_labels)} differ from the trained model's "
                         f"{list(trained_labels)}; use the data it was trained on.")


def train_in_workdir(directory, config, recipe, config_class, model_keys, build, datasets, label, verbose=1,
                     callbacks=(), objective=None):
    """Trains one of a recipe's models in `directory`, as every recipe does: refuses to resume a run
    with other `model_keys` settings, saves the config, seeds, builds `build()`, fits it on
    `datasets()` = (train, validation) within the config's epochs, budget and early stopping, judging
    each epoch by `objective` (`zoo.training.fit`: checkpoints, resume, the best epoch's model.keras,
    and `callbacks`) and prints what ran as "training <label>: ...".

    Returns:
        The trained model (loaded from `directory` when a finished run left nothing to train).
    """
    from zoo.config import stopping
    from zoo.training import fit

    os.makedirs(directory, exist_ok=True)
    check_resumable(config, directory, config_class, model_keys)
    save_config(config, os.path.join(directory, "config.json"), recipe)
    keras.utils.set_random_seed(config.seed)
    model = build()
    train, validation = datasets()
    report = fit(model, train, validation, directory, verbose=verbose, callbacks=callbacks, objective=objective,
                 **stopping(config))
    print(f"training {label}: {report.describe(directory)}")
    return load_keras_model(directory, recipe) if report.last_epoch is None else model


def train_evaluate_export(config, workdir, train, evaluate, export, verbose=1):
    """A recipe's default run: `train(config, workdir, verbose)` → `(trained, data)`, then
    `evaluate` and `export` (each `(workdir, trained, data, config)`), and the time it all took."""
    start = time.monotonic()
    trained, data = train(config, workdir, verbose=verbose)
    evaluate(workdir, trained, data, config)
    export(workdir, trained, data, config)
    print(f"done in {(time.monotonic() - start) / 60:.1f} min; artifacts in {workdir}/")
