"""`precision = "mixed_bfloat16"` through a whole recipe: trained under the policy, saved with it, exported in
float32 (model.keras included) and proved against the float32 copy; the served answers stay within bfloat16's
rounding of the trained model's."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.recipes.arguments import recipe_arguments
from tests.recipes.test_sequence_classification import TINY
from zoo.precision import cpu_multiplies_bfloat16
from zoo.recipes.sequence_classification import main
from zoo.sequence_classification.recipe import RECIPE

pytestmark = pytest.mark.slow


def test_a_mixed_bfloat16_run_trains_in_bfloat16_and_exports_float32(tmp_path, capsys):
    assert main(recipe_arguments(tmp_path, [*TINY, "compare=[]", "precision='mixed_bfloat16'"], "train")) == 0
    # Told where this CPU has no bfloat16 dot products (float32 is the faster choice there); not told otherwise.
    assert ("no bfloat16 dot products" in capsys.readouterr().out) == (cpu_multiplies_bfloat16() is False)
    assert keras.mixed_precision.dtype_policy().name == "float32"  # the run's policy did not leak out
    trained = RECIPE.load(str(tmp_path))
    encoder = trained.main.get_layer("encoder")
    assert encoder.compute_dtype == encoder.rnn_layers[0].cell.compute_dtype == "bfloat16"
    assert all(weight.dtype == "float32" for weight in trained.main.weights if "float" in weight.dtype)
    inputs = trained.data.splits["test"][0][:8]
    trained_probabilities = tf.nn.softmax(trained.main(inputs)).numpy()

    assert main(recipe_arguments(tmp_path, [], "export")) == 0
    assert RECIPE.load(str(tmp_path)).main.get_layer("encoder").compute_dtype == "float32"  # every artifact float32

    report = json.loads((tmp_path / "export_report.json").read_text())
    assert {row["artifact"] for row in report} >= {"model.tflite", "model_fp16.tflite"}
    assert not [row for row in report if "refused" in row]
    interpreter = tf.lite.Interpreter(str(tmp_path / "model.tflite"))
    assert {detail["dtype"] for detail in interpreter.get_input_details() + interpreter.get_output_details()} == {
        np.float32}

    serve = tf.saved_model.load(str(tmp_path / "serving" / "1")).signatures["serving_default"]
    served = serve(vectors=tf.constant(inputs))["probabilities"].numpy()
    assert served.dtype == np.float32
    assert np.abs(served - trained_probabilities).max() < 3e-2  # bfloat16's tolerance (test_mixed_precision.py)

