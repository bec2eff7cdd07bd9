"""Export of a trained tiny model: every artifact exists, runs, and matches the Keras model."""

import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.export import ExportError, export_model
from zoo.export.__main__ import main as export_main
from zoo.export.convert import convert_in_subprocess
from zoo.export.saved_model import cudnn_ops, graph_op_types
from zoo.export.tflite_model import TFLiteModel, operator_names
from zoo.precision import dtype_policy
from zoo.registry import create_model, example_batch

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A masked, stacked bidirectional LSTM tagger, trained a little and exported once."""
    keras.utils.set_random_seed(0)
    model = create_model("sequence_tagger")
    tokens, tags = example_batch("sequence_tagger", model, batch_size=16, seed=0)
    model.fit(tokens, tags, epochs=5, verbose=0)
    workdir = str(tmp_path_factory.mktemp("tagger"))
    test_tokens, _ = example_batch("sequence_tagger", model, batch_size=16, seed=1)
    rows = export_model(model, workdir, {"tokens": test_tokens}, verbose=False)
    return model, workdir, test_tokens, rows


def test_every_artifact_is_written(exported):
    _, workdir, _, rows = exported
    names = {"model.keras", "serving/1", "model.tflite", "model_fp16.tflite", "model_int8.tflite"}
    assert {row["artifact"] for row in rows} == names
    assert not [row for row in rows if "refused" in row]
    for name in names:
        assert os.path.exists(os.path.join(workdir, name))
    assert os.path.isfile(os.path.join(workdir, "serving", "1", "saved_model.pb"))
    report = json.load(open(os.path.join(workdir, "export_report.json")))
    assert [r["artifact"] for r in report] == [r["artifact"] for r in rows]


def test_tflite_files_use_built_in_ops_only_in_every_subgraph(exported):
    _, workdir, _, rows = exported
    for name in ("model.tflite", "model_fp16.tflite", "model_int8.tflite"):
        data = open(os.path.join(workdir, name), "rb").read()
        ops = operator_names(data)
        assert "WHILE" in ops, "the recurrence stays a loop"
        assert not [op for op in ops if op.startswith("CUSTOM")], ops
        assert {"LOGISTIC", "TANH", "FULLY_CONNECTED"} <= set(ops), "the loop body's ops are listed too"
        assert next(r for r in rows if r["artifact"] == name)["ops"] == ops


def test_saved_model_matches_keras_on_new_inputs_of_another_length(exported):
    model, workdir, _, _ = exported
    tokens = np.array([[3, 4, 5, 0, 0, 0, 0, 0, 0, 0], [7, 8, 9, 10, 11, 12, 13, 14, 15, 16]], "int32")
    serve = tf.saved_model.load(os.path.join(workdir, "serving", "1")).signatures["serving_default"]
    outputs = serve(tokens=tf.constant(tokens))
    np.testing.assert_allclose(outputs["logits"].numpy(), model.predict(tokens, verbose=0), atol=1e-4, rtol=0)
    assert not cudnn_ops(graph_op_types(os.path.join(workdir, "serving", "1")))


def test_tflite_matches_keras_on_the_test_batch(exported):
    model, workdir, tokens, _ = exported
    expected = model.predict(tokens, verbose=0)
    actual = TFLiteModel(open(os.path.join(workdir, "model.tflite"), "rb").read())(tokens=tokens)["logits"]
    np.testing.assert_allclose(actual, expected, atol=1e-4, rtol=0)
    np.testing.assert_array_equal(actual.argmax(-1), expected.argmax(-1))


def test_quantized_files_agree_on_argmax(exported):
    _, _, _, rows = exported
    for row in rows:
        if row["artifact"] in ("model_fp16.tflite", "model_int8.tflite"):
            assert row["argmax_agreement"] >= 0.98


def test_a_refused_artifact_leaves_the_previous_export_intact(exported):
    model, workdir, tokens, _ = exported
    before = {name: open(os.path.join(workdir, name), "rb").read() for name in ("model_fp16.tflite", "model_int8.tflite")}
    with pytest.raises(ExportError, match=r"model_fp16.tflite: agrees with the Keras model's argmax on .* below"):
        export_model(
            model, workdir, {"tokens": tokens}, agreement_threshold=1.01, quantizations=("float16",), verbose=False
        )
    for name, data in before.items():
        assert open(os.path.join(workdir, name), "rb").read() == data
    report = json.load(open(os.path.join(workdir, "export_report.json")))
    assert {r["artifact"] for r in report if "refused" in r} == {"model_fp16.tflite"}
    assert not [n for n in os.listdir(workdir) if n.startswith(".")], "no staging files left behind"


def test_a_converter_failure_becomes_a_refusal(tmp_path):
    with pytest.raises(ExportError, match=r"TFLite conversion \(none\) failed"):
        convert_in_subprocess(str(tmp_path / "no_such_saved_model"), "tflite", "none", str(tmp_path / "out.tflite"))
    assert not (tmp_path / "out.tflite").exists()


def test_command_line_exports_a_workdir(exported, capsys):
    _, workdir, tokens, _ = exported
    np.savez(os.path.join(workdir, "example_inputs.npz"), tokens=tokens)
    assert export_main(["--workdir", workdir, "--no-quantized"]) == 0
    assert "model.tflite" in capsys.readouterr().out


def test_command_line_names_what_is_missing(tmp_path, capsys):
    assert export_main(["--workdir", str(tmp_path)]) == 2
    assert "model.keras not found" in capsys.readouterr().err


def test_a_mixed_bfloat16_model_exports_its_float32_copy(tmp_path):
    with dtype_policy("mixed_bfloat16"):
        model = create_model("sequence_tagger", units=8, depth=1)
    tokens, tags = example_batch("sequence_tagger", model, batch_size=8, seed=0)
    model.fit(tokens, tags, epochs=2, verbose=0)
    rows = export_model(model, str(tmp_path), {"tokens": tokens}, quantizations=(), verbose=False)

    assert [row["artifact"] for row in rows] == ["model.keras", "serving/1", "model.tflite"]
    assert all(row["max_abs_diff"] < 1e-4 for row in rows)  # proved against the float32 copy, not the bf16 model
    assert keras.models.load_model(tmp_path / "model.keras").get_layer("encoder").compute_dtype == "float32"
    tflite = TFLiteModel((tmp_path / "model.tflite").read_bytes())
    assert {tensor["dtype"] for side in tflite.tensors().values() for tensor in side.values()} <= {"int32", "float32"}
    bfloat16_logits = model.predict(tokens, verbose=0)
    gap = np.abs(next(iter(tflite(tokens=tokens).values())) - bfloat16_logits).max()
    assert 0 < gap < 3e-2 * max(1.0, np.abs(bfloat16_logits).max())  # differs from bf16's only by its rounding
