import numpy as np
import pytest

from zoo.data.time_series import Series
from zoo.forecasting import recipe as forecasting
from zoo.forecasting.config import ForecastingConfig


def _data(length=100, window=10, horizon=3):
    values = np.arange(length, dtype=np.float64) ** 1.5
    series = Series(values, [str(i) for i in range(length)], "test", season=7)
    config = ForecastingConfig(window=window, horizon=horizon, validation_fraction=0.2, test_fraction=0.2)
    return forecasting.ForecastData(series, 60, 80, float(np.std(values[:60]))), config


def test_windows_end_where_their_targets_begin_and_targets_stay_in_their_split():
    data, config = _data()
    for split, (start, end) in (("train", (10, 60)), ("validation", (60, 80)), ("test", (80, 100))):
        histories, targets, origins = forecasting.windows(data, split, config.window, config.horizon)
        assert origins[0] == start and origins[-1] + config.horizon == end
        values = data.series.values
        for history, target, origin in zip(histories, targets, origins):
            np.testing.assert_allclose(history, values[origin - 10 : origin], rtol=1e-6)
            np.testing.assert_allclose(target, values[origin : origin + 3], rtol=1e-6)


def test_naive_and_seasonal_naive_forecasts():
    values = np.arange(50, dtype=np.float64)
    forecasts = forecasting.baselines(values, np.array([20, 30]), horizon=5, season=3)
    np.testing.assert_array_equal(forecasts["naive"], [[19] * 5, [29] * 5])
    # step h copies the value a whole number of seasons before it, the latest one already seen
    np.testing.assert_array_equal(forecasts["seasonal_naive"], [[17, 18, 19, 17, 18], [27, 28, 29, 27, 28]])


def test_scores_are_mean_absolute_and_root_mean_squared_errors():
    targets = np.array([[1.0, 2.0], [3.0, 4.0]])
    forecasts = np.array([[1.5, 2.0], [1.0, 5.0]])
    scores = forecasting.score(targets, forecasts)
    assert scores["mae"] == pytest.approx(np.mean([0.5, 0, 2, 1]))
    assert scores["rmse"] == pytest.approx(np.sqrt(np.mean([0.25, 0, 4, 1])))
    assert scores["mae_by_step"] == pytest.approx([1.25, 0.5])


def test_the_scale_is_fit_on_the_training_part_only():
    config = ForecastingConfig(dataset="sunspots", window=22, horizon=5)
    data = forecasting.load_data(config)
    assert data.scale == pytest.approx(np.std(data.series.values[: data.train_end]))
    assert data.train_end == int(309 * 0.7) and data.validation_end == int(309 * 0.85)
    with pytest.raises(ValueError, match="too few"):
        forecasting.load_data(ForecastingConfig(dataset="sunspots", window=250))


def test_predict_reads_numbers_or_a_csv(tmp_path):
    np.testing.assert_allclose(forecasting.history_from(["1", "2.5", "4"], window=2), [2.5, 4])
    path = tmp_path / "history.csv"
    path.write_text("t,v\n1,5\n2,6\n3,7\n")
    np.testing.assert_allclose(forecasting.history_from([str(path)], window=10), [5, 6, 7])
    with pytest.raises(ValueError, match="numbers .* or one CSV"):
        forecasting.history_from(["1", "x"], window=3)
    for bad in ("nan", "inf"):
        with pytest.raises(ValueError, match="predict takes finite numbers"):
            forecasting.history_from(["1", bad, "3"], window=3)
