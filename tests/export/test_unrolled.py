"""The unrolled copy, and the full-integer file converted from it."""

import numpy as np
import pytest

from tests.export.small_models import FEATURES, TIME, frame_classifier
from zoo.export import ExportError, export_model
from zoo.export.tflite_model import TFLiteModel, operator_names
from zoo.export.unrolled import unrolled_copy
from zoo.layers import Recurrent

pytestmark = pytest.mark.slow


def test_every_recurrence_is_unrolled_at_the_fixed_shape_with_the_same_outputs():
    model, frames = frame_classifier()
    copy = unrolled_copy(model, {"frames": frames.shape})
    recurrent = [layer for layer in copy._flatten_layers() if isinstance(layer, Recurrent)]
    assert len(recurrent) == 4 and all(layer.unroll for layer in recurrent)
    assert copy.inputs[0].shape == frames.shape
    np.testing.assert_allclose(copy(frames), model(frames), atol=1e-6)


def test_full_int8_file_is_calibrated_on_training_rows_and_agrees_with_keras(tmp_path):
    model, frames = frame_classifier()
    training = np.random.default_rng(5).normal(size=(24, TIME, FEATURES)).astype("float32")
    rows = export_model(model, str(tmp_path), {"frames": frames}, quantizations=("full_int8",),
                        representative_inputs={"frames": training}, agreement_threshold=0.5, verbose=False)
    row = next(r for r in rows if r["artifact"] == "model_full_int8.tflite")
    assert "refused" not in row, row
    data = (tmp_path / "model_full_int8.tflite").read_bytes()
    ops = operator_names(data)
    assert "WHILE" not in ops and "QUANTIZE" in ops, ops
    probabilities = next(iter(TFLiteModel(data)(frames=frames).values()))
    agreement = np.mean(probabilities.argmax(-1) == np.asarray(model(frames)).argmax(-1))
    assert agreement == pytest.approx(row["argmax_agreement"]) and agreement >= 0.5


def test_full_int8_without_representative_rows_is_refused_and_bad_rows_are_named(tmp_path):
    model, frames = frame_classifier()
    with pytest.raises(ExportError, match="model_full_int8.tflite: full-integer quantization needs"):
        export_model(model, str(tmp_path), {"frames": frames}, quantizations=("full_int8",), verbose=False)
    with pytest.raises(ValueError, match="`representative_inputs` 'frames' must hold at least 8 rows of shape"):
        export_model(model, str(tmp_path), {"frames": frames}, quantizations=("full_int8",),
                     representative_inputs={"frames": frames[:, :3]}, verbose=False)
