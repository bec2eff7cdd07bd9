"""The GPU-delegate variant: unrolled, no WHILE, GPU-delegate ops only, equal to the Keras model."""

import os

import keras
import numpy as np
import pytest

from zoo.cells import make_cell
from zoo.export import ExportError, export_model
from zoo.export.gpu_delegate import GPU_DELEGATE_FILE, GPU_DELEGATE_OPS, unrolled_copy, unsupported_ops
from zoo.export.tflite_model import TFLiteModel, operator_names
from zoo.layers import Bidirectional, Recurrent, Stacked

pytestmark = pytest.mark.slow

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


def test_every_recurrence_is_unrolled_at_the_fixed_shape_with_the_same_outputs():
    model, frames = frame_classifier()
    copy = unrolled_copy(model, {"frames": frames.shape})
    recurrent = [layer for layer in copy._flatten_layers() if isinstance(layer, Recurrent)]
    assert len(recurrent) == 4 and all(layer.unroll for layer in recurrent)
    assert copy.inputs[0].shape == frames.shape
    np.testing.assert_allclose(copy(frames), model(frames), atol=1e-6)


def test_the_gpu_delegate_file_has_no_loop_only_delegate_ops_and_matches_keras(tmp_path):
    model, frames = frame_classifier()
    rows = export_model(model, str(tmp_path), {"frames": frames}, quantizations=(), gpu_delegate=True, verbose=False)
    row = next(r for r in rows if r["artifact"] == GPU_DELEGATE_FILE)
    assert "refused" not in row, row
    data = (tmp_path / GPU_DELEGATE_FILE).read_bytes()
    ops = operator_names(data)
    assert "WHILE" not in ops and set(ops) <= GPU_DELEGATE_OPS, ops
    assert {"FULLY_CONNECTED", "LOGISTIC", "TANH"} <= set(ops)
    actual = TFLiteModel(data)(frames=frames)
    np.testing.assert_allclose(next(iter(actual.values())), model(frames), atol=1e-4)
    assert "WHILE" in operator_names((tmp_path / "model.tflite").read_bytes()), "the plain file keeps its loop"


def test_a_model_needing_other_ops_is_refused_and_no_file_is_written(tmp_path):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((None,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(20, 4, mask_zero=True)(inputs)
    outputs = keras.layers.Dense(3)(Recurrent(make_cell("lstm", 5))(x))
    model = keras.Model(inputs, outputs)
    tokens = np.array([[1, 2, 3, 0], [4, 5, 6, 7]], "int32")
    with pytest.raises(ExportError, match=f"{GPU_DELEGATE_FILE}: ops the TFLite GPU delegate does not run: .*GATHER"):
        export_model(model, str(tmp_path), {"tokens": tokens}, quantizations=(), gpu_delegate=True, verbose=False)
    assert not os.path.exists(tmp_path / GPU_DELEGATE_FILE)
    assert os.path.exists(tmp_path / "model.tflite"), "the other artifacts are still written"


def test_unsupported_ops_names_what_falls_outside_the_set():
    assert unsupported_ops(["ADD", "WHILE", "GATHER", "TANH", "WHILE"]) == ["GATHER", "WHILE"]
