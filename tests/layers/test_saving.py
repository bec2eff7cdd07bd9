"""Every cell inside every wrapper survives `.keras` files and SavedModel export unchanged."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.parity import random_sequences, right_padded_mask
from zoo.cells import CELLS, make_cell
from zoo.layers import Recurrent, stacked_rnn


def _model(cell_name):
    """Stacked(Bidirectional(Recurrent), Recurrent) of one cell type, plus a state-returning Recurrent."""
    inputs = keras.Input((None, 4))
    encoded = stacked_rnn(cell_name, 5, depth=2, bidirectional=True, residual=True, dropout=0.1)(inputs)
    sequence_output, *states = Recurrent(make_cell(cell_name, 3), return_sequences=True, return_state=True)(inputs)
    summary = keras.layers.GlobalAveragePooling1D()(sequence_output)
    outputs = keras.layers.Concatenate()([encoded, summary, *states])
    return keras.Model(inputs, outputs)


@pytest.fixture(scope="module", params=sorted(CELLS))
def model_and_inputs(request):
    return _model(request.param), random_sequences(time=7)


def test_keras_file_round_trip(model_and_inputs, tmp_path):
    model, x = model_and_inputs
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [type(layer).__name__ for layer in restored.layers] == [type(layer).__name__ for layer in model.layers]


def test_saved_model_export_reloads_with_tensorflow(model_and_inputs, tmp_path):
    model, x = model_and_inputs
    model.export(str(tmp_path / "serving"), verbose=False)
    reloaded = tf.saved_model.load(str(tmp_path / "serving"))
    np.testing.assert_allclose(reloaded.serve(tf.constant(x)).numpy(), model.predict(x, verbose=0), atol=1e-6, rtol=0)
    longer = random_sequences(time=11, seed=5)
    np.testing.assert_allclose(
        reloaded.serve(tf.constant(longer)).numpy(), model.predict(longer, verbose=0), atol=1e-6, rtol=0
    )


def test_masked_model_round_trip(tmp_path):
    inputs = keras.Input((None, 4))
    masked = keras.layers.Masking(0.0)(inputs)
    outputs = stacked_rnn("gru", 4, depth=2, bidirectional=True, return_sequences=True)(masked)
    model = keras.Model(inputs, outputs)
    x = random_sequences() * right_padded_mask([6, 3, 2], 6)[..., None]
    model.save(tmp_path / "masked.keras")
    restored = keras.models.load_model(tmp_path / "masked.keras")
    np.testing.assert_array_equal(restored(x).numpy(), model(x).numpy())
    assert not model(x).numpy()[1, 3:].any()
