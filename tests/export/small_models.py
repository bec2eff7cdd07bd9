"""Small trained models the export tests share."""

import keras
import numpy as np

from zoo.cells import make_cell
from zoo.layers import Bidirectional, Recurrent, Stacked

TIME, FEATURES = 7, 3


def frame_classifier():
    """A stacked bidirectional GRU under an LSTM, per-frame softmax: recurrences nested in wrappers."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((None, FEATURES), name="frames")
    x = Stacked([Recurrent(make_cell("gru", 6), return_sequences=True) for _ in range(2)])(inputs)
    x = Bidirectional(Recurrent(make_cell("lstm", 5), return_sequences=True))(x)
    outputs = keras.layers.Dense(4, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    frames = np.random.default_rng(0).normal(size=(8, TIME, FEATURES)).astype("float32")
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(frames, np.random.default_rng(1).integers(0, 4, size=(8, TIME)), epochs=2, verbose=0)
    return model, frames
