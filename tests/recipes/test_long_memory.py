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
from zoo.long_memory import experiments, studies, study_runs
from zoo.long_memory.config import LongMemoryConfig
from zoo.recipes.long_memory import main

pytestmark = pytest.mark.slow

TINY = ["cells=['simple_rnn', 'lstm']", "adding_lengths=[4, 6]", "copy_lengths=[2]", "seconds_per_run=0.2",
        "gradient_length=6", "train_examples=128", "test_examples=32", "clipping_steps=8", "clipping_length=6",
        "train_minutes=0.05", "epochs=2", "main_length=6", "units=8", "batch_size=32", "studies=['clipping']"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("long_memory")
    assert main(recipe_arguments(workdir, TINY)) == 0
    return workdir


def test_the_default_run_leaves_every_artifact(trained):
    for name in ("sweep.json", "gradients.png", "clipping.png", "studies.json", "model.keras", "config.json",
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
    assert "clipping: simple RNN, plain SGD" in out and "global_norm" in out
    assert "main model (lstm, adding problem, T=6)" in out
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


def test_clipping_keeps_the_simple_rnn_finite_and_by_value_turns_the_gradient():
    config = LongMemoryConfig(clipping_steps=40)
    curves = studies.clipping_modes(config)
    unclipped, by_value, by_norm = curves["none"], curves["value"], curves["global_norm"]
    assert len(by_norm["losses"]) == 40 and max(by_norm["losses"]) < 10 and len(by_value["losses"]) == 40
    assert len(unclipped["losses"]) < 40 or max(unclipped["losses"]) > 1e3
    np.testing.assert_allclose(by_norm["cosines"], 1.0, atol=1e-5)  # rescaling keeps the direction
    assert min(by_value["cosines"]) < 0.99  # clipping each element does not


@pytest.mark.parametrize("mode, option", [("value", "clipvalue"), ("global_norm", "global_clipnorm")])
def test_the_studys_clipping_is_what_keras_optimizers_do(mode, option):
    import keras

    rng = np.random.default_rng(0)
    start = [rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=(4,)).astype("float32")]
    gradients = [tf.constant(5 * rng.normal(size=v.shape).astype("float32")) for v in start]
    by_keras = [tf.Variable(v) for v in start]
    keras.optimizers.SGD(0.1, **{option: 0.5}).apply_gradients(zip(gradients, by_keras))
    ours = [v - 0.1 * g.numpy() for v, g in zip(start, studies.clipped(gradients, mode, 0.5))]
    for expected, variable in zip(ours, by_keras):
        np.testing.assert_allclose(variable.numpy(), expected, atol=1e-6)


TINY_STUDIES = study_runs.StudySize(
    variant_tasks=("copy:2", "characters"), deep_tasks=("adding:6",), steps=3, character_steps=2, learning_rates=(1e-2, 3e-3), seeds=2, examples=(64, 16, 16),
    character_windows=(32, 8, 8), character_window=8, norms_length=12)


def test_the_studies_run_every_row_on_every_task_and_print_their_tables(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(study_runs.SIZES, "quick", TINY_STUDIES)
    rows = [row for row in studies.LSTM_ROWS if row[1] in ("vanilla", "no_forget_gate", "no_output_activation")]
    monkeypatch.setattr(studies, "LSTM_ROWS", tuple(rows[1:]))  # with peepholes, and the two the norms plot
    monkeypatch.setattr(studies, "DEEP_SHAPES", studies.DEEP_SHAPES[2:4])  # DT, DT(S)
    config = LongMemoryConfig(units=16, batch_size=16, study_characters=30_000, clipping_steps=4, clipping_length=6)
    results = study_runs.run_studies(config, str(tmp_path), verbose=0)
    assert list(results["variants"]) == ["copy T=2", "characters"]
    for task in results["variants"].values():
        assert list(task["rows"]) == ["vanilla + peepholes (Greff's)", "no forget gate", "no output activation"]
        for row in task["rows"].values():
            assert len(row["scores"]) == 2 and all(np.isfinite(row["scores"])) and row["learning_rate"] in (1e-2, 3e-3)
    deep = results["deep"]["adding T=6"]["rows"]
    shallow = studies._create(study_runs.make_task("adding:6", TINY_STUDIES, config), 1e-2, 0, cell="simple_rnn")
    assert set(deep) == {"deep transition (DT), L=2", "DT(S): with shortcut"}
    assert all(abs(row["parameters"] - shallow.count_params()) <= 0.1 * shallow.count_params() for row in deep.values())
    assert "state_norms" not in results  # drawn from the adding task's variants, not run here
    for name in ("studies.json", "clipping.png"):
        assert (tmp_path / name).exists(), name
    tables = "\n".join(study_runs.study_tables(study_runs.read_studies(str(tmp_path))))
    assert "LSTM variants" in tables and "characters: bits/char" in tables and "DT(S): with shortcut" in tables
    assert "± " in tables and "copy T=2: copy error" in tables and " %" in tables


def test_bits_per_character_is_keras_cross_entropy_in_bits():
    import keras

    config = LongMemoryConfig(units=4, study_characters=20_000)
    task = studies.character_task(config, 8, (16, 4, 4))
    keras.utils.set_random_seed(0)
    model = studies._create(task, 1e-2, 0)
    logits = model.predict(task.test[0], verbose=0)
    entropy = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(task.test[1], logits)
    assert task.score(model, "test") == pytest.approx(float(entropy) / np.log(2), rel=1e-5)


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


def test_state_norms_follow_the_layer_step_by_step(tmp_path):
    from zoo.data.long_memory import adding_problem
    from zoo.layers import Recurrent
    from zoo.long_memory import plots
    from zoo.registry import create_model

    model = create_model("memory_probe", task="adding", cell="lstm", units=4,
                         cell_options={"variant": "no_forget_gate"})
    norms = studies.state_norms(model, 12, seed=3)
    inputs, _ = adding_problem(16, 12, np.random.default_rng(3))
    sequence, _, c = Recurrent(model.get_layer("rnn").cell, return_sequences=True, return_state=True)(inputs)
    np.testing.assert_allclose(norms["h"], np.linalg.norm(sequence.numpy(), axis=-1).mean(0), rtol=1e-5)
    assert norms["C"][-1] == pytest.approx(float(np.linalg.norm(c.numpy(), axis=-1).mean()), rel=1e-5)
    plots.plot_state_norms({"no forget gate": norms}, str(tmp_path / "norms.png"))
    assert (tmp_path / "norms.png").stat().st_size > 0


def test_a_row_reusing_its_model_scores_as_a_fresh_model_would():
    config = LongMemoryConfig(units=8, batch_size=16)
    task = studies.adding_task(6, config, (64, 16, 16))
    row = {"cell": "lstm"}
    reused = studies.run_rows(task, {"lstm": row}, config, 5, (3e-2, 1e-2), (0, 1))["lstm"]
    for seed, score in zip((0, 1), reused["scores"]):
        fresh = studies._create(task, reused["learning_rate"], seed, **row)
        studies.train_for_steps(fresh, *task.train, 5, config.batch_size, seed)
        assert task.score(fresh, "test") == pytest.approx(score, rel=1e-4)
