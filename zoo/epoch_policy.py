"""How long a run trains and which epoch it keeps: the recipe's validation objective after every
epoch, early stopping, a learning rate cut on plateaus, the best epoch's model, and a history that
agrees with the checkpoint when a run is resumed.

    objective = Objective("val_bleu", higher_is_better=True, compute=lambda model: validation_bleu(model))
    fit(model, train, validation, workdir, epochs=1000, train_minutes=5, objective=objective,
        patience=10, plateau_patience=3, plateau_factor=0.5)

Everything `fit` decides is kept in `<workdir>/training_state.json`, an entry per finished epoch,
so a resumed run continues the same policy: Keras' `BackupAndRestore` restores weights and the
epoch counter only. On resume, entries and `history.csv` rows past the restored epoch are dropped
(an interrupt can land between the per-epoch writes), and the learning rate the policy had set is
put back.
"""

import csv
import dataclasses
import json
import math
import os
import time
from typing import Callable

import keras

from zoo.atomic import atomic_file

STATE_FILE = "training_state.json"
SCORE_SHARE = 0.1  # most of a run's time spent computing a recipe's own validation score
MIN_LEARNING_RATE_SHARE = 1e-3
LOSS_MIN_DELTA = 1e-3  # a validation loss counts as lower when it falls by this share of the best one  # plateau cuts stop at this share of the starting learning rate

STOPPED_BY_PLATEAU = "plateau"
STOPPED_BY_BUDGET = "budget"
STOPPED_BY_EPOCHS = "epochs"


@dataclasses.dataclass(frozen=True)
class Objective:
    """The validation number a run is judged by.

    Args:
        name: str. A key of Keras' epoch logs ("val_loss", "val_accuracy") or, with `compute`, the key
            the score is logged under ("val_bleu").
        higher_is_better: bool, default False.
        compute: optional `(model) -> float`, the recipe's own metric on a capped validation sample.
            It runs after an epoch while its total time stays within `SCORE_SHARE` of the training
            time, and always after the last epoch; unscored epochs leave the column blank.
    """

    name: str = "val_loss"
    higher_is_better: bool = False
    compute: Callable | None = None

    def better(self, value, than):
        if than is None:
            return True
        return value > than if self.higher_is_better else value < than

    @property
    def label(self):
        """"validation bleu" for "val_bleu"."""
        return "validation " + self.name.removeprefix("val_").replace("_", " ")


class AlreadyStopped(Exception):
    """Raised at the start of a resumed run whose checkpoint is of an epoch early stopping ended on."""


class ScoreValidation(keras.callbacks.Callback):
    """Adds `objective.compute(model)` to the epoch's logs as `objective.name`, capped in time (see
    `Objective`). Runs before the callbacks that read the logs."""

    def __init__(self, objective, budget=None):
        super().__init__()
        self.objective, self.budget = objective, budget
        self.training_seconds = self.scoring_seconds = 0.0
        self.epoch_start = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        self.training_seconds += time.monotonic() - self.epoch_start
        last = epoch + 1 >= self.params.get("epochs", math.inf) or (self.budget is not None and self.budget.spent)
        if not last and self.scoring_seconds > SCORE_SHARE * self.training_seconds:
            return
        start = time.monotonic()
        value = float(self.objective.compute(self.model))
        self.scoring_seconds += time.monotonic() - start
        if logs is not None:
            logs[self.objective.name] = value


def read_state(workdir):
    """The `training_state.json` of `workdir`, or None where there is none (or it is unreadable)."""
    path = os.path.join(workdir, STATE_FILE)
    try:
        with open(path, encoding="utf-8") as file:
            state = json.load(file)
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and isinstance(state.get("epochs"), list) else None


class EpochPolicy(keras.callbacks.Callback):
    """Judges every epoch: keeps the best epoch's model by an `Objective`, cuts the learning rate when the
    validation loss stops falling, and stops when neither has improved for `patience` epochs.

    The learning rate follows the validation loss (Keras' `ReduceLROnPlateau` habit): it is computed
    on every epoch and is smooth, where a recipe's own score (BLEU on a sample, accuracy on a small
    validation split) is noisy and may skip epochs. Training goes on while either still improves, so a
    run stops early only when its validation has stopped getting better by both measures.

    Args:
        workdir: str or None. Where `training_state.json` is kept (None: nothing is written).
        objective: an `Objective`: the epoch kept.
        patience: int, default 0. Epochs with neither a better objective nor a validation loss lower by
            `LOSS_MIN_DELTA` before training stops; 0 = never.
        plateau_patience: int, default 0. Epochs without a lower validation loss (the objective when
            there is none), counted from the last cut, before the learning rate is multiplied by
            `plateau_factor`; 0 = never.
        plateau_factor: float in (0, 1), default 0.5.
        model_path: str or None. The best epoch's model is written there (`.keras`, atomically).
        verbose: bool. Print a line when the learning rate is cut or training stops.
    """

    LOSS = "val_loss"

    def __init__(self, workdir, objective, patience=0, plateau_patience=0, plateau_factor=0.5, model_path=None,
                 verbose=True):
        super().__init__()
        self.workdir, self.objective = workdir, objective
        self.patience, self.plateau_patience, self.plateau_factor = patience, plateau_patience, plateau_factor
        self.model_path, self.verbose = model_path, verbose
        self.entries = None  # one per finished epoch, restored lazily at the first epoch of this process
        self.best_weights = None  # the best epoch's weights, when it was trained by this process
        self.stopped = None

    # The state of the last finished epoch.
    def _last(self, key, default=None):
        return self.entries[-1].get(key, default) if self.entries else default

    @property
    def best_value(self):
        return self._last("best_value")

    @property
    def best_epoch(self):
        return self._last("best_epoch")

    def on_epoch_begin(self, epoch, logs=None):
        if self.entries is not None:
            return
        state = read_state(self.workdir) if self.workdir else None
        self.entries = [entry for entry in (state or {}).get("epochs", []) if entry.get("epoch", math.inf) <= epoch]
        if self.entries and self._last("learning_rate") is not None and _learning_rate(self.model) is not None:
            _set_learning_rate(self.model, self._last("learning_rate"))
        if self._last("stopped") == STOPPED_BY_PLATEAU:
            self.stopped = STOPPED_BY_PLATEAU
            raise AlreadyStopped(f"epoch {epoch} ended the run on a plateau")

    def on_epoch_end(self, epoch, logs=None):
        logs = {} if logs is None else logs
        number = epoch + 1
        value, loss = _finite(logs.get(self.objective.name)), _finite(logs.get(self.LOSS))
        learning_rate = _learning_rate(self.model)
        if learning_rate is not None:
            logs.setdefault("learning_rate", learning_rate)  # the rate this epoch trained with, for history.csv
        entry = {"epoch": number, "value": value, "best_value": self.best_value, "best_epoch": self.best_epoch,
                 "loss": loss, "best_loss": self._last("best_loss"), "best_loss_epoch": self._last("best_loss_epoch"),
                 "last_cut": self._last("last_cut", 0), "learning_rate": learning_rate, "stopped": None}
        if value is not None and self._beats_best(value, entry["best_value"]):
            entry.update(best_value=value, best_epoch=number)
            self._keep_best()
        elif value is None and entry["best_epoch"] is None:  # nothing to judge by yet: keep the latest
            self._keep_best()
        if loss is not None and (entry["best_loss"] is None or loss < entry["best_loss"] * (1 - LOSS_MIN_DELTA)):
            entry.update(best_loss=loss, best_loss_epoch=number)
        self._cut_on_plateau(entry, number, learning_rate, loss is not None)
        improved_last = max(entry["best_epoch"] or 0, entry["best_loss_epoch"] or 0)
        if self.patience and number - improved_last >= self.patience:
            entry["stopped"] = self.stopped = STOPPED_BY_PLATEAU
            self.model.stop_training = True
            self._say(f"neither {self.objective.label} nor the validation loss has improved for {self.patience} "
                      f"epochs: stopping early (best {self.objective.name} {entry['best_value']:.4g} at epoch "
                      f"{entry['best_epoch']})" if entry["best_value"] is not None else
                      f"no improvement for {self.patience} epochs: stopping early")
        self.entries.append(entry)
        self._write()

    def _beats_best(self, value, best):
        """A better objective, or the same one later: validation can't tell tied epochs apart (an accuracy
        on a small split ties often), and the later one has trained longer."""
        return self.objective.better(value, best) or value == best

    def _cut_on_plateau(self, entry, number, learning_rate, has_loss):
        if not self.plateau_patience or learning_rate is None:
            return
        reference = entry["best_loss_epoch"] if has_loss else entry["best_epoch"]
        since = number - max(reference or 0, entry["last_cut"])
        if since < self.plateau_patience:
            return
        floor = self._starting_learning_rate(learning_rate) * MIN_LEARNING_RATE_SHARE
        cut = max(learning_rate * self.plateau_factor, floor)
        if cut < learning_rate * (1 - 1e-6) and _set_learning_rate(self.model, cut):  # float32 rounding: not a cut
            entry.update(last_cut=number, learning_rate=cut)
            watched = "the validation loss" if has_loss else self.objective.label
            self._say(f"{watched} has not improved for {since} epochs: learning rate {learning_rate:.3g} → {cut:.3g}")

    def _starting_learning_rate(self, current):
        first = next((entry.get("learning_rate") for entry in self.entries if entry.get("learning_rate")), None)
        return first or current

    def _keep_best(self):
        self.best_weights = [weight.copy() for weight in self.model.get_weights()]
        if self.model_path:
            with atomic_file(self.model_path) as staging:
                self.model.save(staging)

    def _write(self):
        if not self.workdir:
            return
        state = {"objective": self.objective.name, "higher_is_better": self.objective.higher_is_better,
                 "epochs": self.entries}
        with atomic_file(os.path.join(self.workdir, STATE_FILE)) as staging, open(staging, "w") as file:
            json.dump(state, file, indent=1)

    def _say(self, message):
        if self.verbose:
            print(message, flush=True)

    def restore_best(self):
        """Puts the best epoch's weights into the model: from memory when this process trained it, else
        from `model_path` (a resumed run whose best epoch came earlier)."""
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)
        elif self.model_path and os.path.isfile(self.model_path) and self.best_epoch is not None:
            self.model.load_weights(self.model_path)


def _finite(value):
    return float(value) if value is not None and math.isfinite(float(value)) else None


def _learning_rate(model):
    """The optimizer's current learning rate as a float, or None where there is none."""
    optimizer = getattr(model, "optimizer", None)
    try:
        return float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    except (AttributeError, TypeError, ValueError):
        return None


def _set_learning_rate(model, value):
    """Sets the optimizer's learning rate; False where it can't be set (a `LearningRateSchedule`)."""
    try:
        model.optimizer.learning_rate = value
    except TypeError:  # Keras refuses to overwrite a schedule
        return False
    return True


class HistoryLog(keras.callbacks.Callback):
    """`history.csv`: a row per finished epoch (Keras' CSVLogger columns: `epoch` from 0, then the logs),
    rewritten atomically after every epoch. A resumed run keeps only the rows of the epochs its
    checkpoint holds, so the file never repeats or skips an epoch; rows that are not numbers (e.g. a
    second header) are dropped."""

    def __init__(self, path):
        super().__init__()
        self.path = path
        self.rows = None

    def on_epoch_begin(self, epoch, logs=None):
        if self.rows is None:
            self.rows = [row for row in read_history_rows(self.path) if row["epoch"] < epoch]

    def on_epoch_end(self, epoch, logs=None):
        self.rows.append({"epoch": epoch, **{key: float(value) for key, value in (logs or {}).items()}})
        columns = ["epoch"]
        for row in self.rows:
            columns += [key for key in row if key not in columns]
        with atomic_file(self.path) as staging, open(staging, "w", newline="") as file:
            writer = csv.DictWriter(file, columns, restval="")
            writer.writeheader()
            writer.writerows(self.rows)


def read_history_rows(path):
    """The rows of a `history.csv` as dicts (`epoch` an int, the rest floats or absent); [] if none."""
    try:
        with open(path, newline="") as file:
            raw = list(csv.DictReader(file))
    except OSError:
        return []
    rows = []
    for row in raw:
        try:
            parsed = {"epoch": int(float(row.get("epoch") or ""))}
            parsed.update({key: float(value) for key, value in row.items()
                           if key and key != "epoch" and value not in (None, "")})
        except ValueError:
            continue
        rows.append(parsed)
    return rows
