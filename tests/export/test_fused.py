"""The fused-LSTM file: plain LSTM layers become UNIDIRECTIONAL_SEQUENCE_LSTM, equal to Keras."""

import keras
import numpy as np
import pytest

from tests.export.small_models import FEATURES, TIME
from zoo.cells import make_cell
from zoo.export import ExportError, export_model
from zoo.export.fused import FUSED_LSTM_FILE, FUSED_LSTM_OP
from zoo.export.tflite_model import TFLiteModel, operator_names
from zoo.layers import Bidirectional, Recurrent

pytestmark = pytest.mark.slow


def lstm_model(masked=False):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((None, FEATURES), name="frames")
    x = keras.layers.Masking()(inputs) if masked else inputs
    x = Bidirectional(Recurrent(make_cell("lstm", 6), return_sequences=True))(x)
    x = Recurrent(make_cell("lstm", 5))(x)
    model = keras.Model(inputs, keras.layers.Dense(3)(x))
    return model, np.random.default_rng(0).normal(size=(4, TIME, FEATURES)).astype("float32")


def test_every_plain_lstm_becomes_the_native_op_and_matches_keras(tmp_path):
    model, frames = lstm_model()
    keras_before_export = keras.ops.convert_to_numpy(model(frames))
    rows = export_model(model, str(tmp_path), {"frames": frames}, quantizations=(), fused_lstm=True, verbose=False)
    assert "refused" not in rows[-1], rows[-1]
    data = (tmp_path / FUSED_LSTM_FILE).read_bytes()
    ops = operator_names(data)
    assert FUSED_LSTM_OP in ops and "WHILE" not in ops, ops  # all three layers fused: no loop is left
    np.testing.assert_allclose(next(iter(TFLiteModel(data)(frames=frames).values())), keras_before_export, atol=1e-5)
    np.testing.assert_allclose(model(frames), keras_before_export, atol=0)  # export left the model untouched


def test_a_masked_model_cannot_fuse_and_is_refused(tmp_path):
    model, frames = lstm_model(masked=True)
    with pytest.raises(ExportError, match=f"{FUSED_LSTM_FILE}: no layer became {FUSED_LSTM_OP}"):
        export_model(model, str(tmp_path), {"frames": frames}, quantizations=(), fused_lstm=True, verbose=False)
    assert not (tmp_path / FUSED_LSTM_FILE).exists()


@pytest.mark.parametrize("options", [{"peephole": True}, {"transition_depth": 2}])
def test_an_lstm_the_native_op_cannot_express_is_refused(tmp_path, options):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((None, FEATURES), name="frames")
    model = keras.Model(inputs, Recurrent(make_cell("lstm", 5, **options))(inputs))
    frames = np.random.default_rng(0).normal(size=(2, TIME, FEATURES)).astype("float32")
    with pytest.raises(ExportError, match="no variant, peephole or deep transition"):
        export_model(model, str(tmp_path), {"frames": frames}, quantizations=(), fused_lstm=True, verbose=False)
    assert not (tmp_path / FUSED_LSTM_FILE).exists()
