"""`python -m zoo.recipes.long_memory` end to end on a shrunken config: the sweep, the pictures, the
main model, evaluate, predict and export; the sweep resumes; the gradient norms against a
finite-difference check of what they measure."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from tests.recipes.arguments import recipe_arguments
from tests.recipes.doc_example import run_example
from tests.recipes.tflite_described import assert_described
from tests.recipes.saved_model_edges import refused, refused_rank
import zoo
from zoo.long_memory import experiments
from zoo.long_memory.config import LongMemoryConfig
from zoo.recipes.long_memory import main

pytestmark = pytest.mark.slow

TINY = ["cells=['simple_rnn', 'lstm']", "adding_lengths=[4, 6]", "copy_lengths=[2]", "seconds_per_run=0.2",
        "gradient_length=6", "train_examples=128", "test_examples=32", "clipping_steps=8", "clipping_length=6",
        "train_minutes=0.05", "epochs=2", "main_length=6", "units=8", "batch_size=32"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("long_memory")
    assert main(recipe_arguments(workdir, TINY)) == 0
    return workdir


def test_the_default_run_leaves_every_artifact(trained):
    for name in ("sweep.json", "gradients.png", "clipping.png", "clipping.json", "model.keras", "config.json",
                 "metrics.json", "training.png", "serving/1/saved_model.pb", "model.tflite", "export_report.json"):
        assert os.path.exists(trained / name), name
    rows = json.loads((trained / "sweep.json").read_text())["rows"]
    assert {(r["task"], r["cell"], r["length"]) for r in rows} == {
        (task, cell, length) for cell in ("simple_rnn", "lstm")
        for task, length in (("adding", 4), ("adding", 6), ("copy", 2))}
    for row in rows:
        assert row["epochs"] >= 1 and np.isfinite(row["metric"])
        assert 0 <= row["metric"] <= 1 or row["task"] == "adding"
    gradients = json.loads((trained / "sweep.json").read_text())["trained_gradients"]
    assert set(gradients) == {"simple_rnn", "lstm"} and all(len(v) == 6 for v in gradients.values())


def test_the_saved_model_answers_an_empty_batch_and_refuses_bad_sequences_naming_them(trained):
    serve = tf.saved_model.load(str(trained / "serving" / "1")).signatures["serving_default"]
    assert serve(values_and_markers=tf.zeros([0, 6, 2]))["predicted_sum"].shape == (0,)
    sequence = np.zeros([1, 6, 2], np.float32)
    sequence[0, [1, 4], 1] = 1.0
    assert serve(values_and_markers=tf.constant(sequence))["predicted_sum"].shape == (1,)
    refused(serve, "values_and_markers needs at least one step along axis 1", values_and_markers=tf.zeros([1, 0, 2]))
    refused_rank(serve, "values_and_markers", values_and_markers=tf.zeros([1, 6, 3]))
    refused_rank(serve, "values_and_markers", values_and_markers=tf.zeros([6, 2]))
    sequence[0, 2, 0] = np.inf
    refused(serve, "values_and_markers holds NaN or infinite values", values_and_markers=tf.constant(sequence))


def test_zoo_load_sums_sequences_as_the_keras_model_does(trained):
    import keras

    model = keras.models.load_model(trained / "model.keras")
    rng = np.random.default_rng(1)
    sequences = []
    for length in (6, 9):
        sequence = np.stack([rng.random(length), np.zeros(length)], -1).astype(np.float32)
        sequence[[1, length - 2], 1] = 1.0
        sequences.append(sequence)
    adder = zoo.load(str(trained))
    expected = [float(model(sequence[None])[0]) for sequence in sequences]
    np.testing.assert_allclose(adder.predict(sequences), expected, atol=1e-5)
    assert adder.predict(sequences[0].tolist()) == pytest.approx(expected[0], abs=1e-5)

def test_a_rerun_keeps_the_finished_sweep(trained, capsys):
    before = (trained / "sweep.json").read_text()
    assert main(["train", *recipe_arguments(trained, TINY)]) == 0
    assert (trained / "sweep.json").read_text() == before


def test_evaluate_prints_the_tables_and_predict_reads_csv_files(trained, tmp_path, capsys):
    assert main(["evaluate", "--workdir", str(trained)]) == 0
    out = capsys.readouterr().out
    assert "adding task: test MSE" in out and "copy task: copied symbols right" in out and "longest learned" in out
    assert "no clipping" in out and "main model (lstm, adding problem, T=6)" in out
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text("0.5,1\n0.1,0\n0.2,0\n0.25,1\n")
    bad.write_text("0.5,1\n0.1,0\n")
    assert main(["predict", "--workdir", str(trained), str(bad), str(good)]) == 1
    captured = capsys.readouterr()
    assert "bad.csv: the marker column must hold exactly two 1s" in captured.err
    assert captured.out.startswith(f"{good}: 4 steps; predicted sum ") and captured.out.strip().endswith("true 0.750")


def test_gradient_norms_measure_the_error_reaching_each_step():
    """For a simple RNN, ∂L/∂h_t is checked by nudging h_t alone and rerunning the rest of the sequence."""
    config = LongMemoryConfig(gradient_length=5, units=4)
    norms = experiments.untrained_gradient_norms("simple_rnn", config)
    assert len(norms) == 5 and all(n > 0 for n in norms)
    import keras

    from zoo.cells import make_cell
    from zoo.data.long_memory import adding_problem

    keras.utils.set_random_seed(config.seed)
    cell = make_cell("simple_rnn", 4)
    cell.build((None, 2))
    readout = keras.layers.Dense(1)
    readout.build((None, 4))
    inputs, targets = adding_problem(64, 5, np.random.default_rng(config.seed))
    projected = cell.project_inputs(tf.constant(inputs))

    def loss_from(t, h):
        states = [h]
        for step in range(t + 1, 5):
            output, states = cell.step(projected[:, step], states)
        return float(tf.reduce_mean(tf.square(readout(states[0])[:, 0] - targets)))

    states = cell.get_initial_state(64)
    for step in range(3):
        _, states = cell.step(projected[:, step], states)
    h = states[0].numpy().astype(np.float64)
    numeric = np.zeros_like(h)
    for row in range(2):
        for unit in range(4):
            for sign in (1, -1):
                nudged = h.copy()
                nudged[row, unit] += sign * 1e-3
                numeric[row, unit] += sign * loss_from(2, tf.constant(nudged, tf.float32)) / 2e-3
    analytic = tf.Variable(h.astype(np.float32))
    with tf.GradientTape() as tape:
        states = [analytic]
        for step in range(3, 5):
            output, states = cell.step(projected[:, step], states)
        loss = tf.reduce_mean(tf.square(readout(states[0])[:, 0] - targets))
    gradient = tape.gradient(loss, analytic).numpy()
    np.testing.assert_allclose(gradient[:2], numeric[:2], atol=2e-3)
    assert np.mean(np.linalg.norm(gradient, axis=-1)) == pytest.approx(norms[2], rel=1e-4)


def test_clipping_keeps_the_simple_rnn_finite_where_plain_sgd_blows_up():
    config = LongMemoryConfig(clipping_steps=40)
    curves = experiments.clipping_curves(config)
    unclipped, clipped = curves["no clipping"], curves["clipnorm=1"]
    assert len(clipped["losses"]) == 40 and max(clipped["losses"]) < 10
    assert len(unclipped["losses"]) < 40 or max(unclipped["losses"]) > 1e3
    assert unclipped["largest_gradient_norm"] > clipped["largest_gradient_norm"]


def test_tune_maximizes_the_negative_validation_mse_of_the_main_model():
    from zoo.long_memory import recipe as long_memory

    config = LongMemoryConfig(main_length=6, train_examples=8, test_examples=4)
    data = long_memory.load_main_data(config)
    assert long_memory.RECIPE.tuning_target(data, config).objective == "val_neg_mse"
    assert [len(split[1]) for split in (data.train, data.validation, data.test)] == [8, 4, 4]


def test_a_sequence_with_nan_or_inf_is_refused_by_name(tmp_path):
    from zoo.errors import UsageError
    from zoo.long_memory.recipe import read_sequence

    for bad in ("nan", "inf"):
        path = tmp_path / f"{bad}.csv"
        path.write_text(f"0.5,1\n{bad},0\n0.25,1\n")
        with pytest.raises(UsageError, match=f"{path}: expected finite numbers; row 2 holds nan or inf"):
            read_sequence(str(path))


def test_every_tflite_file_carries_its_metadata(trained):
    workdir = trained
    assert_described(workdir, "long_memory", {"task": "adding_problem"})


def test_the_zoo_load_example_of_the_docs_runs(trained, tmp_path):
    printed = run_example("long_memory", trained, str(tmp_path))
    predicted = zoo.load(str(trained)).predict([[0.2, 0], [0.7, 1], [0.1, 0], [0.4, 1], [0.9, 0]])
    assert printed == f"{predicted:.3f} (true sum 1.1)\n"
