"""`python -m zoo.recipes.forecasting` end to end on a shrunken config: train on the sunspot numbers,
evaluate, export, then the artifacts used as a user would (the SavedModel on histories of another
length, predict from numbers and from a CSV), and training on a CSV with gaps and damaged rows."""

import csv
import json
import os
import shutil

import numpy as np
import pytest
import tensorflow as tf

from tests.recipes.arguments import recipe_arguments
from tests.recipes.doc_example import run_example
from tests.recipes.tflite_described import assert_described
from tests.recipes.saved_model_edges import refused, refused_rank
import zoo
from zoo.errors import UsageError
from zoo.forecasting import recipe as forecasting
from zoo.forecasting.recipe import RECIPE
from zoo.recipes.forecasting import main

pytestmark = pytest.mark.slow

TINY = ["dataset='sunspots'", "window=22", "horizon=4", "units=8", "epochs=2", "train_minutes=0.05",
        "quantizations=['float16']", "quantized_tolerance=0.5", "plotted_forecasts=2"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("forecasting")
    assert main(recipe_arguments(workdir, TINY)) == 0
    trained = RECIPE.load(str(workdir))
    return workdir, trained.config, trained.main, trained.data


def test_the_default_run_leaves_every_artifact(trained):
    workdir = trained[0]
    for name in ("model.keras", "serving/1/saved_model.pb", "model.tflite", "model_fp16.tflite", "config.json",
                 "metrics.json", "forecast.png", "anomalies.csv", "training.png", "export_report.json"):
        assert os.path.exists(workdir / name), name
    metrics = json.loads((workdir / "metrics.json").read_text())
    assert list(metrics["test"]) == ["model", "naive", "seasonal_naive"]
    for row in metrics["test"].values():
        assert 0 < row["mae"] <= row["rmse"] and len(row["mae_by_step"]) == 4
    with open(workdir / "anomalies.csv", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["time", "value", "forecast", "residual"] and len(rows) - 1 == metrics["anomalies"]
    assert all(float(row[3]) > metrics["anomaly_threshold"] for row in rows[1:])


def test_the_model_card_holds_the_runs_scores_exports_versions_and_data(trained):
    workdir = trained[0]
    card = (workdir / "MODEL_CARD.md").read_text()
    metrics = json.loads((workdir / "metrics.json").read_text())
    assert metrics["provenance"]["tensorflow"] == tf.__version__
    assert metrics["provenance"]["command"] == f"python -m zoo.recipes.forecasting evaluate --workdir {workdir}"
    assert f"| test.model.mae | {metrics['test']['model']['mae']:.4g} |" in card
    for row in json.loads((workdir / "export_report.json").read_text()):
        assert f"| {row['artifact']} |" in card
    assert "Trained on a real series shipped with statsmodels" in card and f"TensorFlow {tf.__version__}" in card

def test_the_model_scores_agree_with_keras_mae(trained):
    _, config, model, data = trained
    histories, targets, _ = forecasting.windows(data, "test", config.window, config.horizon)
    keras_mae = model.evaluate(histories, targets, verbose=0, return_dict=True)["mae"]
    assert forecasting.score(targets, forecasting.forecast(model, histories))["mae"] == pytest.approx(keras_mae, rel=1e-4)


def test_the_saved_model_forecasts_raw_values_from_any_history_length(trained):
    workdir, config, model, data = trained
    serve = tf.saved_model.load(str(workdir / "serving" / "1")).signatures["serving_default"]
    history = data.series.values[-30:].astype(np.float32)[None, :]  # longer than the training window
    outputs = serve(history=tf.constant(history))
    np.testing.assert_allclose(outputs["forecast"].numpy(), model.predict(history, verbose=0), atol=1e-3, rtol=0)


def test_the_saved_model_answers_an_empty_batch_and_refuses_bad_histories_naming_them(trained):
    workdir, config, model, data = trained
    serve = tf.saved_model.load(str(workdir / "serving" / "1")).signatures["serving_default"]
    assert serve(history=tf.zeros([0, 10]))["forecast"].shape == (0, config.horizon)
    history = data.series.values[-10:].astype(np.float32)[None, :].copy()
    refused(serve, "history needs at least one step along axis 1", history=tf.zeros([1, 0]))
    refused_rank(serve, "history", history=tf.constant(history[0]))
    history[0, 3] = np.nan
    refused(serve, "history holds NaN or infinite values", history=tf.constant(history))


def test_zoo_load_forecasts_from_any_history_and_finds_the_model_from_a_workdir_a_version_or_a_name(
        trained, tmp_path, monkeypatch):
    workdir, config, model, data = trained
    history = data.series.values[-30:].astype(np.float32)
    forecaster = zoo.load(str(workdir))
    np.testing.assert_allclose(forecaster.predict(list(history)), model.predict(history[None], verbose=0)[0],
                               atol=1e-3)
    assert [len(f) for f in forecaster.predict([history[-12:], history])] == [config.horizon] * 2
    assert zoo.load(str(workdir / "serving" / "1")).directory == str(workdir / "serving" / "1")
    (tmp_path / "saved_models").mkdir()
    (tmp_path / "saved_models" / "forecasting").symlink_to(workdir)
    monkeypatch.chdir(tmp_path)
    assert type(zoo.load("forecasting")).__name__ == "ForecastingPredictor"
    shutil.copytree(workdir / "serving" / "1", tmp_path / "bare")
    with pytest.raises(UsageError, match="cannot tell which recipe exported it"):
        zoo.load(str(tmp_path / "bare"))
    with pytest.raises(UsageError, match="no exported model"):
        zoo.load(str(tmp_path))
    with pytest.raises(UsageError, match="no such folder"):
        zoo.load("language_model")

def test_predict_from_numbers_and_from_a_csv(trained, tmp_path, capsys):
    workdir, config, model, data = trained
    values = data.series.values[-22:]
    expected = model.predict(values[None, :].astype(np.float32), verbose=0)[0]
    assert main(["predict", "--workdir", str(workdir), *[str(v) for v in values]]) == 0
    from_numbers = capsys.readouterr().out
    path = tmp_path / "history.csv"
    path.write_text("year,value\n" + "".join(f"{1900 + i},{v}\n" for i, v in enumerate(data.series.values[-40:])))
    assert main(["predict", "--workdir", str(workdir), str(path)]) == 0
    assert capsys.readouterr().out == from_numbers
    printed = [float(line.split()[-1]) for line in from_numbers.splitlines()[3:]]
    np.testing.assert_allclose(printed, expected, atol=1e-4, rtol=1e-5)


def test_training_on_a_csv_with_gaps_and_damaged_rows(tmp_path, capsys):
    path = tmp_path / "series.csv"
    rows = [f"{i},{np.sin(i / 5) + i / 50:.4f}" for i in range(300)]
    rows[40], rows[41], rows[90] = "40,", "41,n/a", "90,broken"
    path.write_text("step,value\n" + "\n".join(rows) + "\n")
    workdir = tmp_path / "run"
    assert main(["train", *recipe_arguments(workdir, TINY + ["season=31"]), "--data", str(path)]) == 0
    captured = capsys.readouterr()
    assert "2 missing values interpolated; 1 damaged row skipped" in captured.out
    assert f"{path}:92: value 'broken' is not a number" in captured.err
    assert RECIPE.load(str(workdir)).config.data == str(path)


def test_tune_scores_a_trial_by_validation_mae_and_picks_deep_transitions_and_peepholes(tmp_path):
    overrides = TINY + ["tune.cells=['lstm']", "tune.max_depth=1", "tune.min_units=4", "tune.max_units=4",
                        "tune.min_transition_depth=2", "tune.max_transition_depth=2", "tune.peephole=[true]"]
    assert main(recipe_arguments(tmp_path, overrides, "tune", "--max-trials", "1")) == 0
    header, row = (tmp_path / "tuning" / "trials.csv").read_text().splitlines()
    values = dict(zip(header.split(","), row.split(",")))
    assert float(values["val_neg_mae"]) < 0 and values["transition_depth"] == "2" and values["peephole"] == "True"
    best = (tmp_path / "tuning" / "best.toml").read_text()
    assert "transition_depth = 2" in best and "peephole = true" in best


def test_every_tflite_file_carries_its_metadata(trained):
    workdir = trained[0]
    assert_described(workdir, "forecasting", {"window": trained[1].window, "horizon": trained[1].horizon})


def test_the_zoo_load_example_of_the_docs_runs(trained, tmp_path):
    import math

    workdir, config = trained[0], trained[1]
    printed = run_example("forecasting", workdir, str(tmp_path)).strip()
    history = [50 + 40 * math.sin(month / 21) for month in range(120)]
    forecast = zoo.load(str(workdir)).predict(history)
    assert printed == str([round(value, 1) for value in forecast]) and len(forecast) == config.horizon
