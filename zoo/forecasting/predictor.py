"""The forecaster's predictor (`zoo.load`): recent values in, the next `horizon` values out."""

import numpy as np

from zoo.predictor import Predictor, nesting, one_or_many


class ForecastingPredictor(Predictor):
    """Forecasts with the exported model from histories of any length (raw values; the model scales them).

    Example:
        >>> forecaster = zoo.load("saved_models/forecasting")
        >>> forecaster.predict([315.4, 316.2, 316.9, 317.5])  # oldest first → a list of `horizon` floats
    """

    recipe = "forecasting"

    def predict(self, histories):
        """The forecast (list of float) after each history, or after the one history given (a list of
        numbers, oldest first)."""
        histories, one = one_or_many(histories, lambda value: nesting(value) == 1)
        forecasts = [self.run("serving_default", history=np.asarray(history, np.float32)[None])["forecast"][0]
                     for history in histories]  # one at a time: histories may differ in length
        results = [[float(value) for value in forecast] for forecast in forecasts]
        return results[0] if one else results


PREDICTOR = ForecastingPredictor
