"""The recipe contract (`zoo.recipe`): a recipe that declares only its data, models, objective, score and
predict gets every verb — train (each model in its directory, resumable), load, evaluate (metrics.json),
predict through the command line — with one return shape."""

import dataclasses
import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.workdir_holder import holding
from zoo.config import RecipeConfig
from zoo.epoch_policy import Objective
from zoo.errors import UsageError
from zoo.recipe import MAIN, Recipe, Trained, find
from zoo.recipes import cli
from zoo.settings import setting


@dataclasses.dataclass(frozen=True)
class SumConfig(RecipeConfig):
    units: int = setting(4, "hidden size")
    compare: bool = setting(True, "also train a dense model on the same budget")


class SumData:
    """Sequences of 5 numbers; the target is their sum."""

    def __init__(self, seed):
        rng = np.random.default_rng(seed)
        inputs = rng.uniform(size=(96, 5, 1)).astype(np.float32)
        self.splits = {"train": (inputs[:64], inputs[:64].sum((1, 2))), "validation": (inputs[64:80], inputs[64:80].sum((1, 2))),
                       "test": (inputs[80:], inputs[80:].sum((1, 2)))}

    def summary(self):
        return "96 sequences of 5 numbers"


class SumRecipe(Recipe):
    """The smallest recipe: no verb code, only what it is."""

    name = "sums"
    config_class = SumConfig
    description = "sums of sequences"
    verbs = {"train": "t", "evaluate": "e", "predict": "p"}
    model_keys = ("units",)
    predict_help = "numbers"

    def load_data(self, config, workdir, training, verbose=True):
        return SumData(config.seed)

    def model_names(self, config):
        return ["dense", MAIN] if config.compare else [MAIN]

    def build(self, name, config, data):
        inputs = keras.Input((5, 1))
        if name == MAIN:
            outputs = keras.layers.Dense(1)(keras.layers.SimpleRNN(config.units)(inputs))
        else:
            outputs = keras.layers.Dense(1)(keras.layers.Flatten()(inputs))
        model = keras.Model(inputs, outputs)
        model.compile("adam", "mse", metrics=["mae"])
        return model

    def datasets(self, name, config, data):
        return tuple(tf.data.Dataset.from_tensor_slices(data.splits[split]).batch(16) for split in ("train", "validation"))

    def objective(self, config, data):
        return Objective("val_mae")

    def score(self, trained):
        inputs, targets = trained.data.splits["test"]
        return {"test": {name: float(np.abs(model.predict(inputs, verbose=0)[:, 0] - targets).mean())
                         for name, model in trained.models.items()}}

    def predict_records(self, trained, inputs):
        values = np.array([float(text) for text in inputs], np.float32)
        yield {"input": inputs, "sum": float(trained.main.predict(values[None, :, None], verbose=0)[0, 0])}

    def predict_text(self, record):
        return f"{record['sum']:.3f}"


TINY = ["--set", "epochs=2", "--set", "train_minutes=0", "--quiet"]  # no budget: exactly 2 epochs, however busy the machine


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("sums")
    assert cli.main(SumRecipe(), ["train", "--workdir", str(workdir), *TINY]) == 0
    return workdir


def test_train_puts_the_main_model_in_the_workdir_and_the_others_under_models(workdir):
    assert (workdir / "model.keras").is_file() and (workdir / "models" / "dense" / "model.keras").is_file()
    assert json.loads((workdir / "config.json").read_text())["recipe"] == "sums"


def test_load_returns_the_shape_train_returns(workdir):
    trained = SumRecipe().load(str(workdir))
    assert isinstance(trained, Trained) and list(trained.models) == ["dense", MAIN]
    assert trained.config.units == 4 and trained.reports == {}
    assert trained.data.splits["test"][0].shape == (16, 5, 1)  # loaded when first asked for


def test_evaluate_writes_what_score_returns(workdir):
    recipe = SumRecipe()
    metrics = recipe.evaluate(str(workdir))
    assert json.loads((workdir / "metrics.json").read_text()) == metrics
    assert set(metrics["test"]) == {"dense", MAIN} and all(value > 0 for value in metrics["test"].values())


def test_predict_through_the_command_line(workdir, capsys):
    trained = SumRecipe().load(str(workdir))
    expected = float(trained.main.predict(np.array([[[0.5], [0.25], [1.0], [0.0], [2.0]]], np.float32), verbose=0)[0, 0])
    assert cli.main(SumRecipe(), ["predict", "--workdir", str(workdir), "0.5", "0.25", "1", "0", "2"]) == 0
    assert float(capsys.readouterr().out) == pytest.approx(expected, abs=1e-3)


def test_a_second_train_resumes_and_a_changed_model_key_is_refused(workdir):
    trained = SumRecipe().train(SumConfig(epochs=2, train_minutes=0.05), str(workdir), verbose=0)
    assert set(trained.reports) == {"dense", MAIN} and all(r.last_epoch is None for r in trained.reports.values())
    with pytest.raises(UsageError, match="units 4 → 8"):
        SumRecipe().train(SumConfig(units=8, epochs=2), str(workdir), verbose=0)


def test_train_fits_the_models_its_config_names(tmp_path):
    trained = SumRecipe().train(SumConfig(epochs=1, train_minutes=0.05, compare=False), str(tmp_path), verbose=0)
    assert list(trained.models) == [MAIN] and not (tmp_path / "models").exists()


def test_find_returns_each_recipe_by_its_saved_name_and_none_for_others():
    for name, recipe in cli.recipes().items():
        assert find(name) is recipe and recipe.name == name
    assert find("sums") is None and find("../etc") is None and find(None) is None


def test_a_workdir_of_another_recipe_is_refused_by_name(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"recipe": "forecasting", "units": 4}))
    for verb in (lambda: SumRecipe().load(str(tmp_path)), lambda: SumRecipe().train(SumConfig(), str(tmp_path))):
        with pytest.raises(UsageError, match="holds a run of the forecasting recipe .* not sums: use python -m "
                                             "zoo.recipes.forecasting"):
            verb()


def test_a_damaged_config_json_is_named(tmp_path):
    (tmp_path / "config.json").write_text('{"recipe": "sums", "uni')
    with pytest.raises(UsageError, match=f"{tmp_path / 'config.json'} is damaged"):
        SumRecipe().load(str(tmp_path))


def test_a_train_into_a_workdir_another_run_holds_is_refused_with_exit_status_2(tmp_path, capsys):
    with holding(tmp_path) as holder:
        assert cli.main(SumRecipe(), ["train", "--workdir", str(tmp_path), *TINY]) == 2
        assert f"is in use by pid {holder.pid} (train)" in capsys.readouterr().err
        assert not (tmp_path / "config.json").exists(), "the refused run wrote nothing"
