"""The forecasting recipe (`python -m zoo.recipes.forecasting`): its data, model, score, predict and
export on the recipe contract (`zoo.recipe`)."""

import csv
import dataclasses
import os

import numpy as np
import tensorflow as tf
from sklearn import metrics as sklearn_metrics

from zoo.atomic import atomic_file
from zoo.config import DEEP_KEYS, body_description, model_options
from zoo.data.time_series import load_series, read_series_csv
from zoo.epoch_policy import Objective
from zoo.errors import UsageError
from zoo.forecasting.config import ForecastingConfig
from zoo.recipe import Recipe
from zoo.registry import create_model
from zoo.tables import format_table

OBJECTIVE = Objective("val_mae")  # each epoch is judged by validation MAE in the series' units
MODEL_KEYS = (*DEEP_KEYS, "seed", "cell", "units", "depth", "dataset", "data", "validation_fraction", "test_fraction", "window",
              "horizon", "decoder")  # fmt: skip
ANOMALIES_FILE = "anomalies.csv"


@dataclasses.dataclass
class ForecastData:
    """A series cut in time: train is `[0, train_end)`, validation `[train_end, validation_end)`, test
    the rest; `scale` is the training part's standard deviation (the model's unit)."""

    series: object
    train_end: int
    validation_end: int
    scale: float

    def bounds(self, split):
        return {"train": (0, self.train_end), "validation": (self.train_end, self.validation_end),
                "test": (self.validation_end, len(self.series.values))}[split]  # fmt: skip

    def summary(self):
        sizes = ", ".join(f"{split} {end - start}" for split, (start, end) in
                          ((split, self.bounds(split)) for split in ("train", "validation", "test")))  # fmt: skip
        return f"{self.series.summary()}; {sizes} values (in time order)"


def load_data(config, stream=None):
    """The series of the config, split chronologically; the scale is fit on the training part only.

    Raises:
        ValueError if a split is too short for one window and horizon.
    """
    series = load_series(config.dataset, config.data, config.season, stream,
                         training_share=1 - config.validation_fraction - config.test_fraction)
    length = len(series.values)
    train_end = int(length * (1 - config.validation_fraction - config.test_fraction))
    validation_end = int(length * (1 - config.test_fraction))
    if train_end < config.window + config.horizon or min(validation_end - train_end, length - validation_end) < \
            config.horizon:  # fmt: skip
        raise UsageError(f"{series.name}: {length} values are too few for a window of {config.window} and a horizon "
                         f"of {config.horizon} in each split; lower window / horizon or use a longer series.")
    scale = float(np.std(series.values[:train_end])) or 1.0
    return ForecastData(series, train_end, validation_end, scale)


def windows(data, split, window, horizon):
    """`(histories (n, window), targets (n, horizon), origins (n,))` of every forecast whose targets lie in
    `split`; `origins` index each first target. A history may reach back into the previous split."""
    start, end = data.bounds(split)
    origins = np.arange(max(start, window), end - horizon + 1)
    values = data.series.values
    histories = values[origins[:, None] - window + np.arange(window)[None, :]]
    targets = values[origins[:, None] + np.arange(horizon)[None, :]]
    return histories.astype(np.float32), targets.astype(np.float32), origins


def baselines(values, origins, horizon, season):
    """The forecasts to beat: naive (the last value, repeated) and seasonal naive (the value one season
    before each target step)."""
    steps = np.arange(horizon)[None, :]
    naive = np.repeat(values[origins - 1][:, None], horizon, axis=1)
    seasons_back = (steps // season + 1) * season
    seasonal = values[np.maximum(origins[:, None] + steps - seasons_back, 0)]
    return {"naive": naive, "seasonal_naive": seasonal}


def score(targets, forecasts):
    """MAE and RMSE over every step (scikit-learn), and the MAE of each horizon step."""
    return {
        "mae": float(sklearn_metrics.mean_absolute_error(targets, forecasts)),
        "rmse": float(np.sqrt(sklearn_metrics.mean_squared_error(targets, forecasts))),
        "mae_by_step": [float(v) for v in sklearn_metrics.mean_absolute_error(targets, forecasts,
                                                                             multioutput="raw_values")],
    }


def build_model(config, scale):
    return create_model("forecaster", horizon=config.horizon, cell=config.cell, units=config.units,
                        depth=config.depth, dropout=config.dropout, scale=scale, decoder=config.decoder,
                        **model_options(config))  # fmt: skip


def datasets(data, config):
    """(train, validation) tf.data pipelines of (history, targets) windows."""
    train_histories, train_targets, _ = windows(data, "train", config.window, config.horizon)
    validation = windows(data, "validation", config.window, config.horizon)[:2]
    train = tf.data.Dataset.from_tensor_slices((train_histories, train_targets)).shuffle(
        len(train_targets), seed=config.seed, reshuffle_each_iteration=True)
    return (train.batch(config.batch_size).prefetch(tf.data.AUTOTUNE),
            tf.data.Dataset.from_tensor_slices(validation).batch(config.batch_size))


def forecast(model, histories, batch_size=256):
    return np.asarray(model.predict(histories, batch_size=batch_size, verbose=0), np.float64)


def anomalies(data, model, config, test_forecasts, test_targets, test_origins):
    """Test values whose one-step-ahead residual exceeds the `anomaly_quantile` of the validation
    residuals: `(threshold, [(time, value, forecast, residual), ...])`."""
    histories, targets, _ = windows(data, "validation", config.window, config.horizon)
    residuals = np.abs(targets[:, 0] - forecast(model, histories)[:, 0])
    threshold = float(np.quantile(residuals, config.anomaly_quantile))
    test_residuals = np.abs(test_targets[:, 0] - test_forecasts[:, 0])
    flagged = np.flatnonzero(test_residuals > threshold)
    return threshold, [(data.series.times[test_origins[i]], float(test_targets[i, 0]), float(test_forecasts[i, 0]),
                        float(test_residuals[i])) for i in flagged]  # fmt: skip


def _write_anomalies(path, rows):
    with atomic_file(path) as staging, open(staging, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["time", "value", "forecast", "residual"])
        writer.writerows(rows)


def history_from(inputs, window):
    """The history `predict` forecasts from: the numbers given, or the values of a CSV file."""
    try:
        values = np.array([float(text) for text in inputs])
    except ValueError:
        if len(inputs) != 1:
            raise UsageError("predict takes numbers (the latest values, oldest first) or one CSV file of "
                             f"time,value rows; received {inputs}.") from None
        values = read_series_csv(inputs[0]).values
    if not np.isfinite(values).all():
        raise UsageError(f"predict takes finite numbers; received {[v for v in values if not np.isfinite(v)]} "
                         "in the history.")
    if len(values) < 2:
        raise UsageError(f"predict needs at least 2 values of history; received {len(values)}.")
    return values[-window:]




class ForecastingRecipe(Recipe):
    """Forecasting: an RNN reads a window of a series and forecasts the next `horizon` values; scored
    against the naive and seasonal-naive forecasts, with anomaly flags from its residuals."""

    name = "forecasting"
    config_class = ForecastingConfig
    embedded_data = (  # what the default run trains on, and its limits (the model card's Data)
        "a real series shipped with statsmodels (weekly CO2 at Mauna Loa, or yearly sunspot numbers), one "
        "series: forecasts of other series need `--data`"
    )
    description = (
        "Time-series forecasting (many-to-one, multi-step): a stacked RNN reads a window of a series and forecasts "
        "its next values. With no verb: train on weekly Mauna Loa CO2 (or --set dataset=sunspots, or --data "
        "FILE.csv), score against naive and seasonal-naive forecasts, flag anomalies, plot, export."
    )
    verbs = {
        "train": "train the forecaster (resumes an interrupted run from its last checkpoint)",
        "evaluate": "MAE and RMSE on the test part beside naive forecasts; anomalies.csv, forecast.png",
        "predict": "forecast the next values after a history: numbers (oldest first) or a CSV file",
        "tune": "search cell type, depth, hidden size, dropout and learning rate with keras-tuner",
        "export": "write the SavedModel (history → forecast) and TFLite files, each checked against the Keras model",
    }
    model_keys = MODEL_KEYS
    predict_help = "the latest values, oldest first, or a CSV of time,value rows"

    def load_data(self, config, workdir, training, verbose=True):
        return load_data(config)

    def build(self, name, config, data):
        return build_model(config, data.scale)

    def datasets(self, name, config, data):
        return datasets(data, config)

    def objective(self, config, data):
        return OBJECTIVE

    def score(self, trained):
        """MAE / RMSE on the test split for the model and the naive and seasonal-naive forecasts, anomaly
        flags (anomalies.csv) and forecast.png."""
        from zoo.forecasting.plots import plot_forecasts

        config, data, model = trained.config, trained.data, trained.main
        histories, targets, origins = windows(data, "test", config.window, config.horizon)
        forecasts = forecast(model, histories)
        decoder = "dense decoder" if config.decoder == "dense" else "RNN decoder"
        results = {"model": {"model": f"{body_description(config)}, {decoder}",
                             **score(targets, forecasts)}}
        for name, values in baselines(data.series.values, origins, config.horizon, data.series.season).items():
            label = f"seasonal naive (season {data.series.season})" if name == "seasonal_naive" else "naive (last value)"
            results[name] = {"model": label, **score(targets, values)}
        print(f"test split: {len(origins)} forecasts of {config.horizon} steps from {data.series.times[origins[0]]} "
              f"on; errors in the series' units")
        print(format_table(["model", "MAE", "RMSE", "MAE step 1", f"MAE step {config.horizon}"],
                           [[r["model"], r["mae"], r["rmse"], r["mae_by_step"][0], r["mae_by_step"][-1]]
                            for r in results.values()]))  # fmt: skip
        threshold, flagged = anomalies(data, model, config, forecasts, targets, origins)
        _write_anomalies(os.path.join(trained.workdir, ANOMALIES_FILE), flagged)
        print(f"anomalies: {len(flagged)} of {len(origins)} test values lie further than {threshold:.3g} from their "
              f"one-step forecast (the {config.anomaly_quantile:.0%} quantile of validation residuals); "
              f"{ANOMALIES_FILE}")
        for row in flagged[:5]:
            print("  {}: value {:.4g}, forecast {:.4g}, residual {:.3g}".format(*row))
        plot_forecasts(data, forecasts, origins, flagged, config, os.path.join(trained.workdir, "forecast.png"))
        return {"test": results, "test_forecasts": int(len(origins)), "horizon": config.horizon,
                "anomaly_threshold": threshold, "anomalies": len(flagged)}  # fmt: skip

    def validation_score(self, model, config, data):
        histories, targets, _ = windows(data, "validation", config.window, config.horizon)
        return score(targets, forecast(model, histories))["mae"]

    def predict_records(self, trained, inputs):
        """One record, the next `horizon` values after a history (numbers, or a CSV's last `window`
        values): `{"input": the numbers or the file, "history_length": values read, "last_value": the
        latest, "forecast": [...]}`."""
        history = history_from(inputs, trained.config.window)
        values = forecast(trained.main, history[None, :].astype(np.float32))[0]
        try:
            given = [float(value) for value in inputs]
        except ValueError:
            given = inputs[0]  # a CSV file: history_from refused anything else
        yield {"input": given, "history_length": len(history), "last_value": float(history[-1]),
               "forecast": [float(value) for value in values]}

    def predict_text(self, record):
        """What the forecast starts from, then a table of the values."""
        values = record["forecast"]
        return (f"from {record['history_length']} values ending with {record['last_value']:.6g}: the next "
                f"{len(values)}\n" + format_table(["step", "forecast"],
                                                  [[step + 1, f"{value:.6g}"] for step, value in enumerate(values)]))

    def export_metadata(self, trained):
        config, data = trained.config, trained.data
        return {
            "series": data.series.name, "window": config.window, "horizon": config.horizon,
            "scaling": {"inside_model": True, "scale": data.scale,
                        "how": "raw values in and out; inside, the history is taken relative to its last value and "
                               "divided by scale (the training part's standard deviation)"},
            "descriptions": {
                "history": f"the last {config.window} values of the series, oldest first, in its own units",
                "forecast": f"the next {config.horizon} values, in the series' units"}}

    def export_models(self, trained, verbose):
        """model.keras, serving/<n> (`history` → `forecast`, raw values, any history length) and TFLite files
        (the test batch's shape), proved on test windows; quantized files must stay within
        `quantized_tolerance` training standard deviations."""
        from zoo.export import exporter, parity

        config, data = trained.config, trained.data
        histories = windows(data, "test", config.window, config.horizon)[0][: config.batch_size]
        return exporter.export_model(
            trained.main, trained.workdir, histories, tolerance=config.export_tolerance,
            quantizations=config.quantizations, verbose=verbose,
            quantized_check=parity.values_within(config.quantized_tolerance * data.scale))


RECIPE = ForecastingRecipe()
