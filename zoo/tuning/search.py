"""The sweep behind every recipe's `tune` verb: keras-tuner over a recipe's `SearchSpace`.

    python -m zoo.recipes.captioning tune --tuner bayesian --max-trials 12 --budget-minutes 60

A recipe hands in a `TuningTarget`: how to build its model from a config, train it within the
config's `train_minutes`, and score it on the validation split with its real metric (BLEU for
captioning and translation), which the tuner maximizes. Trials live in `<workdir>/tuning/`, so a
search that is interrupted resumes where it stopped (finished trials are not rerun); the results
are `trials.csv`, `trials.md` (printed at the end), `tuning.png` and `best.toml`, the recipe's
config with the winning values, ready for `--config`.
"""

import dataclasses
import hashlib
import os
import time
from typing import Callable

import keras_tuner as kt

from zoo.errors import UsageError
from zoo._internals import stop_search_after
from zoo.layers.time_loop import gradient_function_names, release_gradient_functions
from zoo.tuning.results import write_results
from zoo.tuning.space import SearchSpace, meaningful

TUNERS = ("random", "bayesian", "hyperband")


@dataclasses.dataclass(frozen=True)
class TuningTarget:
    """What a recipe gives the sweep.

    Args:
        recipe: str, the recipe's name.
        objective: str, the validation metric maximized (e.g. "val_bleu").
        build_model: `(config) -> keras.Model`, compiled.
        train_and_score: `(model, config, trial_dir, fit_kwargs) -> float`: trains within
            `config.train_minutes` (passing the tuner's `callbacks` / `epochs` / `initial_epoch`
            from `fit_kwargs` on) and returns the objective on the validation split.
    """

    recipe: str
    objective: str
    build_model: Callable
    train_and_score: Callable


def fit_trial(model, train, validation, config, trial_dir, fit_kwargs, callbacks=(), objective=None):
    """Trains a trial's model as every recipe's `train_and_score` does: `zoo.training.fit` within
    `config.train_minutes` and its early stopping, judged by `objective`, quietly, without writing
    model.keras, with the tuner's `epochs`, `initial_epoch` and `callbacks` from `fit_kwargs` (after the
    recipe's own `callbacks`); the model ends with its best epoch's weights.

    Hyperband hands each trial its epoch count (`fit_kwargs["epochs"]`) and itself stops the models
    that fall behind, so its trials train those epochs with early stopping off (the learning-rate
    plateau still applies); random and Bayesian trials stop like a recipe's `train`.
    """
    from zoo.config import stopping
    from zoo.training import fit

    settings = stopping(config)
    if "epochs" in fit_kwargs:
        settings.update(epochs=fit_kwargs["epochs"], patience=0)
    return fit(model, train, validation, trial_dir, verbose=0, callbacks=[*callbacks, *fit_kwargs.get("callbacks", ())],
               initial_epoch=fit_kwargs.get("initial_epoch", 0), save_model=False, objective=objective,
               **settings)  # fmt: skip


class RecipeHyperModel(kt.HyperModel):
    """A keras-tuner `HyperModel` over a recipe: each trial is the base config with sampled values."""

    def __init__(self, target, config, space, directory, on_trial_end):
        super().__init__(name=target.recipe)
        self.target, self.config, self.space = target, config, space
        self.directory, self.on_trial_end = directory, on_trial_end

    def trial_config(self, hp):
        has_directions = "bidirectional" in {field.name for field in dataclasses.fields(self.config)}
        values = meaningful(self.space.sample(hp, bidirectional=has_directions), self.config)
        return dataclasses.replace(self.config, **values)

    def build(self, hp):
        self.gradients_before = gradient_function_names()
        return self.target.build_model(self.trial_config(hp))

    def fit(self, hp, model, *args, **kwargs):
        config = self.trial_config(hp)
        trial_dir = os.path.join(self.directory, "runs", _trial_key(hp))
        start = time.monotonic()
        score = self.target.train_and_score(model, config, trial_dir, kwargs)
        release_gradient_functions(self.gradients_before)  # else every trial's graphs stay: memory grows
        self.on_trial_end()
        return {self.target.objective: float(score), "parameters": float(model.count_params()),
                "minutes": (time.monotonic() - start) / 60}


def _trial_key(hp):
    """A run directory name per set of values: readable, with a hash that tells similar ones apart."""
    values = {name: value for name, value in sorted(hp.values.items()) if not name.startswith("tuner/")}
    digest = hashlib.sha1(repr(values).encode()).hexdigest()[:8]
    return f"{values.get('cell')}-depth{values.get('depth')}-units{values.get('units')}-{digest}"


def make_tuner(name, hypermodel, objective, directory, max_trials, seed, max_epochs, strategy=None):
    """A keras-tuner tuner by name; `overwrite=False`, so an existing search is resumed. Each trial's
    model is built in `strategy`'s scope (a `tf.distribute` strategy; None: one device)."""
    common = dict(objective=kt.Objective(objective, "max"), directory=directory, project_name="search",
                  overwrite=False, seed=seed, distribution_strategy=strategy)
    if name == "random":
        return kt.RandomSearch(hypermodel, max_trials=max_trials, **common)
    if name == "bayesian":
        return kt.BayesianOptimization(hypermodel, max_trials=max_trials, **common)
    tuner = kt.Hyperband(hypermodel, max_epochs=max_epochs, factor=3, **common)
    stop_search_after(tuner.oracle, max_trials)  # Hyperband has no bound of its own on the models it trains
    return tuner


def search(target, config, workdir, tuner_name="random", max_trials=10, budget_minutes=0.0, verbose=True,
           strategy=None):
    """Runs (or resumes) a sweep and writes its results into `<workdir>/tuning/`.

    Args:
        target: the recipe's `TuningTarget`.
        config: the recipe's config; its `tune` table is the space, its `train_minutes` each trial's budget.
        workdir: str.
        tuner_name: "random", "bayesian" or "hyperband".
        max_trials: int. Most models trained, counting those of a resumed search.
        budget_minutes: float. Wall-clock budget of this call: no trial starts after it is spent (0 = none).
        verbose: bool. keras-tuner's own report of the space and of each trial.
        strategy: optional `tf.distribute` strategy (e.g. `MirroredStrategy`) each trial's model is built
            and trained with (see `zoo.distribute`); keras-tuner's own distributed mode spreads trials
            over machines instead.

    Distributed (keras-tuner's chief / worker mode, set by `KERASTUNER_TUNER_ID`,
    `KERASTUNER_ORACLE_IP` and `KERASTUNER_ORACLE_PORT`): the chief ("chief") holds the oracle,
    the workers ("tuner0", "tuner1", ...) train the trials it hands out; when `max_trials` are
    done the chief writes the results and the workers return an empty list.

    Returns:
        The trials, best first: a list of dicts (rank, the sampled values, the objective,
        parameters, minutes).
    """
    if tuner_name not in TUNERS:
        raise UsageError(f"--tuner must be one of {TUNERS}; received {tuner_name!r}.")
    if max_trials < 1:
        raise UsageError(f"--max-trials must be at least 1; received {max_trials}.")
    distributed = "KERASTUNER_ORACLE_IP" in os.environ  # keras-tuner's chief / worker mode
    if distributed and budget_minutes:
        raise UsageError("--budget-minutes can't stop a distributed search (a worker that left early would keep the "
                         "chief waiting); bound it with --max-trials.")
    space = SearchSpace.from_table(config.tune)
    directory = os.path.join(workdir, "tuning")
    start = time.monotonic()
    tuner = None

    def stop_when_spent():
        if budget_minutes and time.monotonic() - start >= budget_minutes * 60:
            stop_search_after(tuner.oracle, len(tuner.oracle.trials))

    hypermodel = RecipeHyperModel(target, config, space, directory, stop_when_spent)
    tuner = make_tuner(tuner_name, hypermodel, target.objective, directory, max_trials, config.seed,
                       _hyperband_epochs(config), strategy)
    if verbose:
        tuner.search_space_summary()
    tuner.search(verbose=1 if verbose else 0)
    if distributed and "chief" not in os.environ.get("KERASTUNER_TUNER_ID", ""):
        print(f"tuner {os.environ.get('KERASTUNER_TUNER_ID')}: no trials left; the chief writes the results.")
        return []
    return write_results(tuner, target, config, directory)


def _hyperband_epochs(config):
    """Hyperband's most epochs per model: `config.epochs`, or for "auto" the recipe's embedded count (the
    thousand epochs "auto" allows with --data would make its brackets enormous)."""
    return config.EMBEDDED_EPOCHS if config.epochs == "auto" else config.epochs
