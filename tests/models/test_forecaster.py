import keras
import numpy as np
import pytest

from zoo.models.forecaster import ScaledMeanSquaredError, forecaster


def test_forecasts_move_with_the_level_of_the_history():
    model = forecaster(horizon=3, units=6, scale=4.0)
    history = np.random.default_rng(0).normal(size=(2, 9)).astype(np.float32)
    shifted = model.predict(history + 100.0, verbose=0)
    np.testing.assert_allclose(shifted, model.predict(history, verbose=0) + 100.0, atol=1e-4, rtol=0)
    flat = model.predict(np.full((1, 9), 7.0, np.float32), verbose=0)  # a level-free reading of a flat history
    np.testing.assert_allclose(flat - 7.0, model.predict(np.zeros((1, 9), np.float32), verbose=0), atol=1e-5, rtol=0)


def test_histories_of_any_length_are_read():
    model = forecaster(horizon=2, units=4)
    for length in (3, 20):
        assert model.predict(np.ones((1, length), np.float32), verbose=0).shape == (1, 2)


def test_the_loss_is_the_mean_squared_error_in_units_of_the_scale():
    targets, forecasts = np.array([[1.0, 3.0]]), np.array([[2.0, 1.0]])
    expected = keras.losses.MeanSquaredError()(targets / 2.0, forecasts / 2.0)
    assert float(ScaledMeanSquaredError(2.0)(targets, forecasts)) == pytest.approx(float(expected))


def test_the_rnn_decoder_writes_the_horizon_a_step_at_a_time():
    model = forecaster(horizon=5, units=6, decoder="rnn", scale=2.0)
    assert model.get_layer("decoder") is not None and model.output_shape == (None, 5)
    history = np.random.default_rng(1).normal(size=(3, 8)).astype(np.float32)
    loss = model.train_on_batch(history, history[:, :5], return_dict=True)["loss"]
    assert np.isfinite(loss)
    np.testing.assert_allclose(model.predict(history + 10.0, verbose=0), model.predict(history, verbose=0) + 10.0,
                               atol=1e-4, rtol=0)
    with pytest.raises(ValueError, match="decoder"):
        forecaster(decoder="attention")
