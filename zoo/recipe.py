"""The recipe contract: what a recipe declares, and the verbs every recipe shares, written once.

A recipe is a subclass of `Recipe` in `zoo/<name>/recipe.py`, instantiated once as `RECIPE`. It
declares its config class, how it loads its data, its named models (the main one, the comparison
rows trained on the same budget, a no-learning baseline), the number each epoch is judged by, how it
scores, predicts and exports. The verbs — `train`, `evaluate`, `predict`, `export`, `tune` and the
default `run` — are this module's, with one return shape (`Trained`) and one workdir layout:

    <workdir>/config.json           the settings train ran with, and the recipe's name
    <workdir>/model.keras           the main model (its best epoch), checkpoints/, history.csv
    <workdir>/models/<name>/        each other model, laid out the same way
    <workdir>/metrics.json          evaluate's scores
    <workdir>/serving/<n>, *.tflite   export's artifacts, each proved first
    <workdir>/tuning/               tune's trials and results

The command line over these verbs is `zoo.recipes.cli`; `zoo.recipe.find(name)` returns a recipe by
the name its config.json records.
"""

import contextlib
import dataclasses
import importlib
import os
import time

import keras

from zoo.config import read_saved_config, replace_values, save_config, saved_recipe, stopping
from zoo.errors import UsageError
from zoo.model_card import provenance, write_model_card
from zoo.precision import dtype_policy, float32_copy, precision_warning
from zoo.workdir import (MAIN_MODEL, check_resumable, load_keras_model, model_workdir, workdir_lock, writable_workdir,
                         write_json)

MAIN = MAIN_MODEL  # the main model: the workdir itself; the others under models/<name>


@dataclasses.dataclass
class Trained:
    """What a recipe's train left in a workdir, as every verb sees it.

    Args:
        recipe: the `Recipe`.
        config: the recipe's config the models were trained with.
        workdir: str.
        models: {name: keras.Model}, in the recipe's table order; `MAIN` always, the others that exist.
        reports: {name: `zoo.training.FitReport`} of the models this process trained (empty when loaded).
        data: the recipe's data; loaded on first use when the models were loaded from disk (predict
            rarely needs it).
    """

    recipe: "Recipe"
    config: object
    workdir: str
    models: dict
    reports: dict = dataclasses.field(default_factory=dict)
    _data: object = None

    @property
    def main(self):
        """The main model."""
        return self.models[MAIN]

    @property
    def data(self):
        if self._data is None:
            self._data = self.recipe.load_data(self.config, self.workdir, training=False)
        return self._data


class Recipe:
    """A recipe's declarations; its subclass overrides the hooks below, the verbs are shared.

    Class attributes:
        name: str, the recipe's name (`python -m zoo.recipes.<name>`, `recipes/<name>.toml`).
        config_class: its `RecipeConfig` subclass.
        description: str, `--help`'s summary of the default run (and the model card's intended use).
        embedded_data: str, what the default run trains on and its limits (the model card's data).
        verbs: {verb: help text} of the verbs it offers.
        model_keys: the config keys a checkpoint depends on (resuming refuses a run that changed them).
        predict_help, predict_inputs: what predict's arguments are; "+" one or more, "*" any (stdin).
        predict_keys: the config keys `predict --set` may change (e.g. sampling settings).
        tuning_metric: the name tune's trials report; None: the objective's (`val_neg_…` when lower is
            better).
    """

    name = None
    config_class = None
    description = ""
    embedded_data = "the recipe's embedded data"
    verbs = {}
    model_keys = ()
    predict_help = "an input"
    predict_inputs = "+"
    predict_keys = ()
    tuning_metric = None

    # --- data ---------------------------------------------------------------------------------------
    def load_data(self, config, workdir, training, verbose=True):
        """The recipe's data under `config`. With `training`, train is about to fit: save to `workdir`
        whatever the other verbs need to read data the same way (vocabularies, labels, proof inputs);
        without it, read those files back (and refuse data that no longer matches them); `workdir` is
        None in tune. `verbose`: progress of a long read may show."""
        raise NotImplementedError

    # --- models -------------------------------------------------------------------------------------
    def model_names(self, config):
        """The models train fits under `config`, in the order of evaluate's table; `MAIN` among them."""
        return [MAIN]

    def describe(self, name, config):
        """A model's row label in tables and logs."""
        return f"{config.cell} (main)" if name == MAIN else name

    def build(self, name, config, data):
        """Model `name`, compiled."""
        raise NotImplementedError

    def datasets(self, name, config, data):
        """`(train, validation)` tf.data pipelines model `name` is fit on."""
        raise NotImplementedError

    def objective(self, config, data):
        """The `zoo.epoch_policy.Objective` each epoch is judged by (early stopping, the plateau, the kept
        epoch); tune maximizes it too (its negative when lower is better)."""
        raise NotImplementedError

    def train_minutes(self, name, config):
        """Model `name`'s training budget in minutes (0: none)."""
        return config.train_minutes

    def training_callbacks(self, name, config):
        """Keras callbacks model `name` needs in every fit, tuning trials included (e.g. resetting
        stateful layers each epoch)."""
        return []

    def before_training(self, config, workdir, verbose):
        """Called by train once the workdir is held and known resumable, before the data loads: work of
        the recipe's own that is not one of its models (the long-memory lab's sweep)."""

    def after_training(self, trained):
        """Called when train has fit every model; by default plots the main model's training curves
        (training.png). `trained.reports` says what ran."""
        from zoo.plots import plot_training_curves

        plot_training_curves(os.path.join(trained.workdir, "history.csv"), os.path.join(trained.workdir, "training.png"))

    # --- score --------------------------------------------------------------------------------------
    def score(self, trained):
        """Scores `trained`'s models on the test split, prints the table and examples, writes its
        pictures; returns the dict evaluate saves as metrics.json (scores under "test")."""
        raise NotImplementedError

    def validation_score(self, model, config, data):
        """A tuning trial's result: the objective of `model` on the whole validation split."""
        raise NotImplementedError

    # --- predict ------------------------------------------------------------------------------------
    def predict_records(self, trained, inputs):
        """Yields one dict per input (a list of str: predict's arguments, or stdin's lines): "input" and the result fields, or "input" and "error" for an
        input that failed (the others go on). The schema of `predict --format jsonl`."""
        raise NotImplementedError

    def predict_text(self, record):
        """predict's text for `record`; None for a failed one (its error goes to stderr)."""
        raise NotImplementedError

    # --- export -------------------------------------------------------------------------------------
    def export_models(self, trained, verbose):
        """Writes and proves the artifacts of `trained` in its workdir (`zoo.export`)."""
        raise NotImplementedError

    def export_metadata(self, trained):
        """Fields every TFLite file export writes carries in its zoo metadata beside the recipe's name and
        config (`zoo.export.tflite_metadata`): e.g. "labels", "vocabulary", input normalization, and
        "descriptions" of the files' inputs and outputs. None by default."""
        return {}

    # --- the verbs ----------------------------------------------------------------------------------
    def train(self, config, workdir, verbose=1, callbacks=()):
        """Fits every model of `model_names` into `workdir` (the main one) and `workdir/models/<name>`, each
        within its budget, judged by `objective`; resumes an interrupted run from its checkpoints and
        refuses to resume one whose `model_keys` changed. The workdir is held for the run
        (`zoo.workdir.workdir_lock`): a second run into it is refused at once.

        Returns:
            `Trained`, with a `FitReport` per model fit here.
        """
        self.check_workdir(workdir)
        with workdir_lock(workdir, "train"):
            check_resumable(config, workdir, self.config_class, self.model_keys)
            self.before_training(config, workdir, verbose)
            data = self.load_data(config, workdir, training=True, verbose=bool(verbose))
            print(data.summary())
            if (warning := precision_warning(config.precision)) is not None:
                print(warning)
            save_config(config, os.path.join(workdir, "config.json"), self.name)
            objective = self.objective(config, data)
            models, reports = {}, {}
            for name in self.model_names(config):
                models[name], reports[name] = self.fit_model(name, config, data, workdir,
                                                             self.train_minutes(name, config), objective, verbose,
                                                             callbacks if name == MAIN else ())
            trained = Trained(self, config, workdir, models, reports, data)
            self.after_training(trained)
        return trained

    def fit_model(self, name, config, data, workdir, minutes, objective, verbose=1, callbacks=()):
        """Fits model `name` in its directory (`zoo.training.fit`: checkpoints, resume, the best epoch's
        model.keras); returns `(model, report)`, the model loaded from disk when nothing was left to fit."""
        from zoo.training import fit

        directory = model_workdir(workdir, name)
        os.makedirs(directory, exist_ok=True)
        check_resumable(config, directory, self.config_class, self.model_keys)
        save_config(config, os.path.join(directory, "config.json"), self.name)
        keras.utils.set_random_seed(config.seed)
        model = self.build_under_policy(name, config, data)
        train, validation = self.datasets(name, config, data)
        callbacks = [*self.training_callbacks(name, config), *callbacks]
        report = fit(model, train, validation, directory, verbose=verbose, callbacks=callbacks, objective=objective,
                     **{**stopping(config), "train_minutes": minutes})
        print(f"training {self.describe(name, config)}: {report.describe(directory)}")
        if report.last_epoch is None:
            model = load_keras_model(directory, self.name)
        return model, report

    def build_under_policy(self, name, config, data):
        """`build` under the config's `precision` (Keras' dtype policy; the layers keep it, saved and loaded)."""
        with dtype_policy(config.precision):
            return self.build(name, config, data)

    def load(self, workdir):
        """`Trained` of what train left in `workdir`: the saved config and every model found on disk
        (the main one must be there); its data loads on first use."""
        self.check_workdir(workdir)
        config = read_saved_config(self.config_class, os.path.join(workdir, "config.json"))
        models = {}
        for name in self.model_names(config):
            directory = model_workdir(workdir, name)
            if name == MAIN or os.path.isfile(os.path.join(directory, "model.keras")):
                models[name] = load_keras_model(directory, self.name)
        return Trained(self, config, workdir, models)

    def evaluate(self, trained):
        """Scores `trained` (or the workdir it names) on the test split; writes metrics.json; returns
        its dict."""
        with self._held(trained, "evaluate"):
            trained = self._trained(trained)
            metrics = {**self.score(trained), "provenance": provenance(self.name, trained.workdir)}
            write_json(os.path.join(trained.workdir, "metrics.json"), metrics)
            write_model_card(self, trained.workdir)
        return metrics

    def predict(self, workdir, inputs, overrides=None):
        """predict's records (see `predict_records`) from the model trained in `workdir`, with
        `overrides` ({key: value} of `predict_keys`) in place of its config's."""
        trained = self.load(workdir)
        trained.config = replace_values(trained.config, overrides or {})
        return self.predict_records(trained, list(inputs))

    def export(self, trained, overrides=None, verbose=True):
        """Exports `trained` (or the workdir it names) with `overrides` ({key: value}: tolerances,
        quantizations) in place of its config's; every artifact proved before it is written, every TFLite
        file carrying the recipe's name, that config and `export_metadata` inside it."""
        from zoo.export.tflite_metadata import describing

        with self._held(trained, "export"):
            trained = self._trained(trained)
            if overrides:
                trained = dataclasses.replace(trained, config=replace_values(trained.config, overrides))
            # Every artifact is traced from, and proved against, a float32 model (TFLite has no bfloat16 kernels).
            trained = dataclasses.replace(trained, models={name: float32_copy(model)
                                                           for name, model in trained.models.items()})
            try:
                with describing(recipe=self.name, config=dataclasses.asdict(trained.config),
                                **self.export_metadata(trained)):
                    return self.export_models(trained, verbose)
            finally:  # a refused artifact is in export_report.json too
                write_model_card(self, trained.workdir)

    def run(self, config, workdir, verbose=1):
        """The default run: train, evaluate, export, and the time it all took."""
        start = time.monotonic()
        self.check_workdir(workdir)
        with workdir_lock(workdir, "the default run"):
            trained = self.train(config, workdir, verbose=verbose)
            self.evaluate(trained)
            self.export(trained)
        print(f"done in {(time.monotonic() - start) / 60:.1f} min; artifacts in {workdir}/")
        return trained

    def tune(self, config, workdir, tuner="random", max_trials=10, budget_minutes=0.0, verbose=1, strategy=None):
        """Searches the config's `tune` space with keras-tuner, each trial the main model trained on
        the train split within `train_minutes` and scored by `validation_score` (see
        `zoo.tuning.search`). Returns the trials, best first."""
        from zoo.tuning.search import search

        writable_workdir(workdir)  # not locked: a cluster's chief and workers share <workdir>/tuning
        data = self.load_data(config, None, training=False, verbose=bool(verbose))
        print(data.summary())
        return search(self.tuning_target(data, config), config, workdir, tuner, max_trials, budget_minutes,
                      verbose=bool(verbose), strategy=strategy)

    def tuning_target(self, data, config):
        """The `zoo.tuning.search.TuningTarget` of this recipe on `data`, named after `config`'s objective."""
        from zoo.tuning.search import TuningTarget, fit_trial

        def train_and_score(model, config, trial_dir, fit_kwargs):
            objective = self.objective(config, data)
            fit_trial(model, *self.datasets(MAIN, config, data), config, trial_dir, fit_kwargs,
                      callbacks=self.training_callbacks(MAIN, config), objective=objective)
            value = self.validation_score(model, config, data)
            return value if objective.higher_is_better else -value

        objective = self.objective(config, data)
        metric = self.tuning_metric or (objective.name if objective.higher_is_better
                                        else objective.name.replace("val_", "val_neg_", 1))
        return TuningTarget(self.name, metric, lambda config: self.build_under_policy(MAIN, config, data),
                            train_and_score)

    def check_workdir(self, workdir):
        """Raises UsageError when `workdir` holds another recipe's run (its config.json names the recipe)."""
        other = saved_recipe(os.path.join(workdir, "config.json"))
        if other is not None and other != self.name:
            raise UsageError(f"{workdir} holds a run of the {other} recipe (its config.json says so), not {self.name}: "
                             f"use python -m zoo.recipes.{other} there, or another --workdir.")

    def _held(self, trained, verb):
        """The workdir lock of `trained` (or the workdir it names) for `verb`, taken before the models load so
        that a run in progress is refused at once; a workdir that does not exist is not created (loading it
        then says to train first)."""
        workdir = trained if isinstance(trained, (str, os.PathLike)) else trained.workdir
        if not os.path.isdir(workdir):
            return contextlib.nullcontext()
        self.check_workdir(workdir)
        return workdir_lock(workdir, verb)

    def _trained(self, trained):
        return self.load(trained) if isinstance(trained, (str, os.PathLike)) else trained


def find(name):
    """The recipe named `name` (as config.json records it): `RECIPE` of `zoo.<name>.recipe`, or None."""
    if not name or not name.isidentifier():
        return None
    try:
        module = importlib.import_module(f"zoo.{name}.recipe")
    except ModuleNotFoundError as error:
        if error.name in (f"zoo.{name}", f"zoo.{name}.recipe"):
            return None
        raise
    return getattr(module, "RECIPE", None)
