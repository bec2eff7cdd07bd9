"""Many-to-one forecasting: a window of a series in, its next `horizon` values out (direct multi-step).

The model reads the window relative to its last value and in units of the training series' spread,
and predicts the changes from that last value, so it needs no scaler outside it and copes with a
level (a trend) it never saw in training; the SavedModel and TFLite files take and return raw values.
"""

import keras
import numpy as np
from keras import ops

from zoo import checks
from zoo.layers import deep_mlp, stacked_rnn
from zoo.registry import register_model
from zoo.training import default_optimizer


@keras.saving.register_keras_serializable(package="zoo")
class RelativeToLast(keras.layers.Layer):
    """history (batch, time) → ((history − last value) / scale)[..., None]: a level-free, scaled sequence.

    Args:
        scale: float > 0, the series' spread on the training split.
    """

    def __init__(self, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = float(scale)

    def call(self, history):
        return ops.expand_dims((history - history[:, -1:]) / self.scale, -1)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


@keras.saving.register_keras_serializable(package="zoo")
class FromLast(keras.layers.Layer):
    """(history, changes) → last value + changes · scale: scaled changes back to the series' values.

    Args:
        scale: float > 0, as `RelativeToLast`'s.
    """

    def __init__(self, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = float(scale)

    def call(self, history, changes):
        return history[:, -1:] + changes * self.scale

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


@keras.saving.register_keras_serializable(package="zoo")
class ScaledMeanSquaredError(keras.losses.Loss):
    """Mean squared error in units of `scale` (the training series' spread): the loss of scaled targets,
    for a model that outputs raw values."""

    def __init__(self, scale=1.0, name="scaled_mse", **kwargs):
        super().__init__(name=name, **kwargs)
        self.scale = float(scale)

    def call(self, y_true, y_pred):
        return ops.mean(ops.square((ops.cast(y_true, y_pred.dtype) - y_pred) / self.scale), axis=-1)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


@keras.saving.register_keras_serializable(package="zoo")
class HorizonSteps(keras.layers.Layer):
    """summary (batch, features) → (batch, horizon, features + horizon): the summary at every step of
    the horizon, with the step's one-hot position, as the input sequence of a decoder RNN.

    Args:
        horizon: int, the steps to write.
    """

    def __init__(self, horizon=1, **kwargs):
        super().__init__(**kwargs)
        self.horizon = int(horizon)

    def call(self, summary):
        repeated = ops.repeat(ops.expand_dims(summary, 1), self.horizon, axis=1)
        steps = ops.broadcast_to(ops.eye(self.horizon, dtype=summary.dtype),
                                 (ops.shape(summary)[0], self.horizon, self.horizon))  # fmt: skip
        return ops.concatenate([repeated, steps], axis=-1)

    def get_config(self):
        return {**super().get_config(), "horizon": self.horizon}


DECODERS = ("dense", "rnn")


def _example_batch(model, batch_size, seed):
    horizon = model.output_shape[-1]
    walks = np.cumsum(np.random.default_rng(seed).normal(size=(batch_size, 12 + horizon)), axis=1).astype(np.float32)
    return walks[:, :12], walks[:, 12:]


@register_model("forecaster", example_batch=_example_batch)
def forecaster(horizon=4, cell="lstm", units=16, depth=1, dropout=0.0, learning_rate=1e-3, clipnorm=1.0, scale=1.0,
               decoder="dense", clipping="global_norm", input_layers=0, transition_depth=1, output_layers=0,
               cell_options=None):
    """history → relative to its last value, scaled → stacked RNN → final state → the next `horizon` values.

    With `decoder="dense"` (many-to-one) one dense layer writes every step of the horizon from the
    final state; with `decoder="rnn"` (many-to-many, encoder-decoder) a second RNN of the same cell
    reads that state at each step of the horizon, with the step's position, and writes one value
    per step.

    Args:
        horizon: int, default 4. Values forecast at once.
        cell: str, default "lstm". A `zoo.cells.make_cell` name.
        units, depth, dropout: the stacked RNN (see `zoo.layers.stacked_rnn`).
        learning_rate, clipnorm, clipping: the optimizer and its gradient clipping (see
            `zoo.training.default_optimizer`).
        input_layers, transition_depth, output_layers, cell_options: the deep RNN (Pascanu et al., 2014): MLPs
            before and after the recurrence (`zoo.layers.deep_mlp`), layers inside each transition
            (`zoo.cells.DeepTransitionCell`), and options of every cell (`variant`, `peephole`, `shortcut`, ...).
        scale: float, default 1. The spread of the training series (its standard deviation).
        decoder: "dense" (default) or "rnn", see above.

    Returns:
        A compiled `keras.Model`: float32 "history" (batch, time; any length) → "forecast" (batch,
        horizon), trained with the mean squared error in units of `scale`; metric: MAE in the
        series' units.
    """
    checks.one_of("decoder", decoder, DECODERS)
    history = keras.Input((None,), name="history")
    relative = RelativeToLast(scale, dtype="float32", name="relative_to_last")(history)  # the series' units: float32
    cell_kwargs = dict(transition_depth=transition_depth, **(cell_options or {}))
    relative = deep_mlp(input_layers, units, "deep_input")(relative)
    encoded = stacked_rnn(cell, units, depth, return_sequences=False, dropout=dropout, name="encoder",
                          **cell_kwargs)(relative)  # fmt: skip
    if decoder == "dense":
        changes = keras.layers.Dense(horizon, dtype="float32", name="changes")(deep_mlp(output_layers, units, "deep_output")(encoded))
    else:
        steps = HorizonSteps(horizon, name="horizon_steps")(encoded)
        written = stacked_rnn(cell, units, 1, return_sequences=True, name="decoder", **cell_kwargs)(steps)
        written = deep_mlp(output_layers, units, "deep_output")(written)
        changes = keras.layers.Reshape((horizon,), dtype="float32", name="changes")(keras.layers.Dense(1, dtype="float32", name="step_change")(written))
    forecast = FromLast(scale, dtype="float32", name="forecast")(history, changes)
    model = keras.Model(history, forecast, name="forecaster")
    model.compile(optimizer=default_optimizer(learning_rate, clipnorm, clipping), loss=ScaledMeanSquaredError(scale),
                  metrics=[keras.metrics.MeanAbsoluteError(name="mae")])  # fmt: skip
    return model
