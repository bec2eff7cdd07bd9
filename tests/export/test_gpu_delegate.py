"""The GPU-delegate variant: unrolled, no WHILE, GPU-delegate ops only, equal to the Keras model."""

import os

import keras
import numpy as np
import pytest

from tests.export.small_models import frame_classifier

from zoo.cells import make_cell
from zoo.export import ExportError, export_model
from zoo.export.gpu_delegate import GPU_DELEGATE_FILE, GPU_DELEGATE_OPS, unsupported_ops
from zoo.export.tflite_model import TFLiteModel, operator_names
from zoo.layers import Recurrent

pytestmark = pytest.mark.slow

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


def test_command_line_writes_the_gpu_delegate_and_full_integer_files(tmp_path, capsys):
    from zoo.export.__main__ import main as export_main

    model, frames = frame_classifier()
    model.save(tmp_path / "model.keras")
    np.savez(tmp_path / "example_inputs.npz", frames=frames)
    np.savez(tmp_path / "training.npz", frames=np.random.default_rng(5).normal(size=(16, *frames.shape[1:])))
    argv = ["--workdir", str(tmp_path), "--no-quantized", "--gpu-delegate", "--agreement", "0.5"]
    assert export_main(argv + ["--representative", str(tmp_path / "training.npz")]) == 0
    assert (tmp_path / GPU_DELEGATE_FILE).is_file() and (tmp_path / "model_full_int8.tflite").is_file()
    assert export_main(argv + ["--representative", str(tmp_path / "missing.npz")]) == 2
    assert "missing.npz not found" in capsys.readouterr().err
