import json
import time

import keras
import numpy as np
import pytest

from tests.test_training import _datasets, _InterruptAfterEpoch, _tiny_classifier
from zoo.epoch_policy import STATE_FILE, Objective, read_history_rows
from zoo.plots import read_history
from zoo.training import fit


class _Scores:
    """An objective's `compute` that returns the given values in turn and records the weights it saw."""

    def __init__(self, values):
        self.values, self.calls, self.weights = list(values), 0, []

    def __call__(self, model):
        self.weights.append([w.copy() for w in model.get_weights()])
        value = self.values[min(self.calls, len(self.values) - 1)]
        self.calls += 1
        return value


def _objective(scores):
    return Objective("val_score", higher_is_better=True, compute=scores)


def test_early_stopping_ends_a_run_on_a_plateau_and_keeps_the_best_epoch(tmp_path):
    train, validation = _datasets()
    scores = _Scores([1.0, 3.0, 2.0, 2.5, 2.9, 1.0, 1.0, 1.0])
    model = _tiny_classifier(learning_rate=1e-7)  # the validation loss stays flat: the objective decides
    report = fit(model, train, validation, str(tmp_path), epochs=50, verbose=0, objective=_objective(scores),
                 patience=3)
    assert report.stopped_by == "plateau" and report.last_epoch == 5
    assert (report.best_epoch, report.best_value) == (2, 3.0)
    best = scores.weights[1]
    for kept, expected in zip(model.get_weights(), best):
        np.testing.assert_array_equal(kept, expected)
    saved = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    for kept, expected in zip(saved.get_weights(), best):
        np.testing.assert_array_equal(kept, expected)
    assert read_history(str(tmp_path / "history.csv"))["val_score"] == [1.0, 3.0, 2.0, 2.5, 2.9]
    assert "stopped improving" in report.describe(str(tmp_path)) and "kept epoch 2" in report.describe(str(tmp_path))

    again = fit(_tiny_classifier(), train, validation, str(tmp_path), epochs=50, verbose=0,
                objective=_objective(_Scores([9.0])), patience=3)
    assert again.last_epoch is None and again.stopped_by == "plateau", "a run ended on a plateau stays ended"


def test_the_learning_rate_is_cut_on_a_plateau(tmp_path):
    train, validation = _datasets()
    scores = _Scores([1.0, 0.5, 0.5, 0.5, 0.5, 0.5])
    fit(_tiny_classifier(learning_rate=1e-6), train, validation, str(tmp_path), epochs=6, verbose=0,
        objective=_objective(scores), plateau_patience=2, plateau_factor=0.5)
    rates = [row["learning_rate"] for row in read_history_rows(str(tmp_path / "history.csv"))]
    # The validation loss stays within 0.1 % of epoch 1's: cuts after epochs 3 and 5 (the log holds the rate
    # each epoch trained with), whatever the objective does.
    np.testing.assert_allclose(rates, [1e-6, 1e-6, 1e-6, 5e-7, 5e-7, 2.5e-7], rtol=1e-6)


def test_a_falling_validation_loss_keeps_the_rate_and_the_run_going(tmp_path):
    train, validation = _datasets(size=256)
    report = fit(_tiny_classifier(learning_rate=0.01), train, validation, str(tmp_path), epochs=6, verbose=0,
                 objective=_objective(_Scores([1.0])), patience=2, plateau_patience=2)
    losses = read_history(str(tmp_path / "history.csv"))["val_loss"]
    assert losses[-1] < 0.9 * losses[0], "the task is learned: the validation loss falls"
    assert report.last_epoch == 6 and report.stopped_by == "epochs", "a falling validation loss is progress"


def test_a_resumed_run_continues_the_same_policy(tmp_path):
    train, validation = _datasets()
    values = [1.0, 2.0, 1.5, 1.5, 1.5, 1.5, 1.5]
    straight = fit(_tiny_classifier(1e-7), train, validation, str(tmp_path / "straight"), epochs=20, verbose=0,
                   objective=_objective(_Scores(values)), patience=4, plateau_patience=2)

    interrupted = str(tmp_path / "interrupted")
    with pytest.raises(KeyboardInterrupt):  # in the middle of the plateau, after epoch 4
        fit(_tiny_classifier(1e-7), train, validation, interrupted, epochs=20, verbose=0,
            objective=_objective(_Scores(values)), patience=4, plateau_patience=2, callbacks=[_InterruptAfterEpoch(3)])
    resumed = fit(_tiny_classifier(1e-7), train, validation, interrupted, epochs=20, verbose=0,
                  objective=_objective(_Scores(values[4:])), patience=4, plateau_patience=2)
    assert straight.last_epoch == resumed.last_epoch == 6 and resumed.first_epoch == 4
    assert resumed.best_epoch == straight.best_epoch == 2
    rows = [read_history_rows(str(tmp_path / name / "history.csv")) for name in ("straight", "interrupted")]
    assert [row["epoch"] for row in rows[1]] == list(range(6))
    assert [row["learning_rate"] for row in rows[0]] == [row["learning_rate"] for row in rows[1]]


def test_rows_and_state_written_after_the_last_checkpoint_are_dropped_on_resume(tmp_path):
    train, validation = _datasets()
    fit(_tiny_classifier(), train, validation, str(tmp_path), epochs=2, verbose=0)
    # An interrupt between the history / state writes and the checkpoint: epoch 3's row and state exist,
    # its checkpoint does not.
    with open(tmp_path / "history.csv", "a") as file:
        file.write("2,0.5,0.1,0.001,0.1,0.5\n")
    state = json.loads((tmp_path / STATE_FILE).read_text())
    state["epochs"].append({**state["epochs"][-1], "epoch": 3, "stopped": "plateau"})
    (tmp_path / STATE_FILE).write_text(json.dumps(state))
    report = fit(_tiny_classifier(), train, validation, str(tmp_path), epochs=4, verbose=0, patience=5)
    assert (report.first_epoch, report.last_epoch) == (2, 4)
    assert [row["epoch"] for row in read_history_rows(str(tmp_path / "history.csv"))] == [0, 1, 2, 3]
    assert [entry["epoch"] for entry in json.loads((tmp_path / STATE_FILE).read_text())["epochs"]] == [1, 2, 3, 4]


def test_a_history_with_a_second_header_is_read_without_it(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("epoch,loss\n0,1.5\nepoch,loss\n1,1.25\n")
    assert read_history_rows(str(path)) == [{"epoch": 0, "loss": 1.5}, {"epoch": 1, "loss": 1.25}]


def test_a_slow_score_is_computed_on_few_epochs_but_always_on_the_last(tmp_path):
    train, validation = _datasets()

    def slow(model):
        time.sleep(0.3)
        return 1.0

    fit(_tiny_classifier(), train, validation, str(tmp_path), epochs=8, verbose=0,
        objective=Objective("val_slow", True, slow))
    scored = [not np.isnan(value) for value in read_history(str(tmp_path / "history.csv"))["val_slow"]]
    assert scored[0] and scored[-1], "the first epoch and the last are scored"
    assert sum(scored) < len(scored), "the score's time is capped at a share of the training time"


def test_the_overfitting_note_needs_a_rising_validation_loss_and_a_falling_training_loss(tmp_path):
    from zoo.training import overfitting_note

    class Policy:
        best_epoch, objective = 2, Objective("val_bleu", True)

    model = _tiny_classifier()
    path = tmp_path / "history.csv"
    path.write_text("epoch,loss,val_loss\n0,2.0,2.0\n1,1.0,1.0\n2,0.5,1.05\n3,0.3,1.2\n")
    note = overfitting_note(str(path), Policy, model)
    assert "after epoch 2 the validation loss rose 20% while the training loss fell 70%" in note
    assert f"{model.count_params():,} parameters" in note and "kept epoch 2" in note
    path.write_text("epoch,loss,val_loss\n0,2.0,2.0\n1,1.0,1.0\n2,0.5,1.05\n3,0.3,1.08\n")
    assert overfitting_note(str(path), Policy, model) == "", "a rise under 10 % is noise"


def test_a_tied_objective_keeps_the_later_epoch(tmp_path):
    train, validation = _datasets()
    scores = _Scores([0.5, 0.9, 0.9, 0.7, 0.9, 0.8])
    report = fit(_tiny_classifier(), train, validation, str(tmp_path), epochs=6, verbose=0,
                 objective=_objective(scores))
    assert (report.best_epoch, report.best_value) == (5, 0.9)
    for kept, expected in zip(_tiny_classifier_weights(tmp_path), scores.weights[4]):
        np.testing.assert_array_equal(kept, expected)


def _tiny_classifier_weights(workdir):
    return keras.models.load_model(workdir / "model.keras", safe_mode=True).get_weights()


def test_a_learning_rate_schedule_is_left_alone(tmp_path):
    train, validation = _datasets()
    model = _tiny_classifier()
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-7, decay_steps=100, decay_rate=0.5)
    model.compile(optimizer=keras.optimizers.Adam(schedule), metrics=["accuracy"],
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    report = fit(model, train, validation, str(tmp_path), epochs=4, verbose=0, plateau_patience=1)
    assert report.last_epoch == 4
    rates = [row["learning_rate"] for row in read_history_rows(str(tmp_path / "history.csv"))]
    expected = [float(schedule(4 * epoch)) for epoch in range(1, 5)]  # 4 steps an epoch; no cut was made
    np.testing.assert_allclose(rates, expected, rtol=1e-5)


def _interrupt_at(monkeypatch, where, epoch=1):
    """Raises KeyboardInterrupt at `where` in epoch `epoch`'s end-of-epoch saving."""
    import zoo.atomic
    from zoo.epoch_policy import EpochPolicy, HistoryLog

    targets = {"policy": EpochPolicy, "history": HistoryLog, "checkpoint": keras.callbacks.BackupAndRestore}
    if where == "history.csv rename":
        replace = zoo.atomic.os.replace

        def interrupted_replace(source, target):
            if str(target).endswith("history.csv") and len(read_history_rows(str(target))) == epoch:
                raise KeyboardInterrupt
            return replace(source, target)

        monkeypatch.setattr(zoo.atomic.os, "replace", interrupted_replace)
        return
    moment, name = where.split(" ", 1)
    original = targets[name].on_epoch_end

    def on_epoch_end(self, number, logs=None):
        if moment == "before" and number == epoch:
            raise KeyboardInterrupt
        original(self, number, logs)
        if moment == "after" and number == epoch:
            raise KeyboardInterrupt

    monkeypatch.setattr(targets[name], "on_epoch_end", on_epoch_end)


@pytest.mark.parametrize("where", ["before policy", "after policy", "history.csv rename", "after history",
                                   "before checkpoint", "after checkpoint"])
def test_an_interrupt_anywhere_in_the_epochs_saving_resumes_with_every_history_row_once(tmp_path, monkeypatch,
                                                                                        where):
    train, validation = _datasets()
    with monkeypatch.context() as patches:
        _interrupt_at(patches, where)
        with pytest.raises(KeyboardInterrupt):
            fit(_tiny_classifier(), train, validation, str(tmp_path), epochs=4, verbose=0)
    report = fit(_tiny_classifier(), train, validation, str(tmp_path), epochs=4, verbose=0)
    assert report.first_epoch == (2 if where == "after checkpoint" else 1), where
    rows = read_history_rows(str(tmp_path / "history.csv"))
    assert [row["epoch"] for row in rows] == [0, 1, 2, 3], where
    assert all("loss" in row and "val_loss" in row for row in rows), where
    assert [entry["epoch"] for entry in json.loads((tmp_path / STATE_FILE).read_text())["epochs"]] == [1, 2, 3, 4]


@pytest.mark.parametrize("start", [1e-6, 3e-3, 7e-4])
def test_the_rate_stops_at_its_floor_and_no_cut_is_reported_there(start, capsys):
    from zoo.epoch_policy import EpochPolicy

    model = _tiny_classifier(learning_rate=start)  # the optimizer keeps its rate in float32
    policy = EpochPolicy(None, Objective(), plateau_patience=1, plateau_factor=0.5, verbose=True)
    policy.set_model(model)
    for epoch in range(20):  # a flat validation loss: a cut every epoch until the floor
        policy.on_epoch_begin(epoch)
        policy.on_epoch_end(epoch, {"val_loss": 1.0})
    cuts = [line for line in capsys.readouterr().out.splitlines() if "learning rate" in line]
    floor = policy.entries[0]["learning_rate"] * 1e-3
    assert policy.entries[-1]["learning_rate"] == pytest.approx(floor, rel=1e-6)
    assert len(cuts) == 10 and "→" in cuts[-1], cuts  # 2**-10 < 1e-3 < 2**-9: the tenth cut lands on the floor
