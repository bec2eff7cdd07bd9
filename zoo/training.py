"""Training helpers shared by models and recipes.

Backpropagation through time multiplies many Jacobians, so gradients can explode; zoo clips
the global gradient norm by default (Pascanu et al., 2013).
"""

import contextlib
import dataclasses
import math
import os
import shutil
import time

import keras

from zoo.errors import UsageError
from zoo.epoch_policy import (
    STOPPED_BY_BUDGET,
    STOPPED_BY_EPOCHS,
    STOPPED_BY_PLATEAU,
    AlreadyStopped,
    EpochPolicy,
    HistoryLog,
    Objective,
    ScoreValidation,
    read_history_rows,
)

DEFAULT_CLIPNORM = 1.0
OVERFITTING_RISE = 0.1  # see overfitting_note


CLIPPING_MODES = {"global_norm": "global_clipnorm", "norm": "clipnorm", "value": "clipvalue", "none": None}


def default_optimizer(learning_rate=1e-3, clipnorm=DEFAULT_CLIPNORM, clipping="global_norm"):
    """Adam with gradient clipping, by global norm by default: zoo's default for recurrent models.

    Args:
        learning_rate: float, default 1e-3.
        clipnorm: float or None, default 1.0. The clipping threshold; None turns clipping off.
        clipping: str, default "global_norm". How the threshold applies (Keras takes one of its three
            options at a time): "global_norm" rescales all gradients together so that their global norm
            is at most the threshold (`global_clipnorm`); "norm" rescales each tensor's gradient alone
            (`clipnorm`); "value" clips every element to [−threshold, threshold] (`clipvalue`, which
            turns the gradient's direction); "none" does not clip.

    Returns:
        A `keras.optimizers.Adam`.
    """
    if clipping not in CLIPPING_MODES:
        raise UsageError(f"`clipping` must be one of {', '.join(map(repr, CLIPPING_MODES))}; received "
                         f"clipping={clipping!r}.")
    if clipnorm is not None and not clipnorm > 0:
        raise UsageError(f"`clipnorm` must be a positive float or None; received clipnorm={clipnorm!r}.")
    option = CLIPPING_MODES[clipping]
    return keras.optimizers.Adam(learning_rate=learning_rate, **({option: clipnorm} if option and clipnorm else {}))


@keras.saving.register_keras_serializable(package="zoo")
class MaskedTokenAccuracy(keras.metrics.SparseCategoricalAccuracy):
    """Keras' `SparseCategoricalAccuracy` over the real tokens only: targets equal to `pad_id`
    (padding) get zero weight."""

    def __init__(self, pad_id=0, name="token_accuracy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.pad_id = pad_id

    def update_state(self, y_true, y_pred, sample_weight=None):
        weight = keras.ops.cast(keras.ops.not_equal(y_true, self.pad_id), "float32")
        if sample_weight is not None:
            weight = weight * keras.ops.cast(sample_weight, "float32")
        return super().update_state(y_true, y_pred, sample_weight=weight)

    def get_config(self):
        return {**super().get_config(), "pad_id": self.pad_id}


def masked_token_accuracy(pad_id=0):
    """The fraction of non-padding target tokens predicted right (see `MaskedTokenAccuracy`)."""
    return MaskedTokenAccuracy(pad_id)


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; what was saved before (if anything) is kept."""


class NaNGuard(keras.callbacks.Callback):
    """Stops training with `TrainingDiverged` as soon as the loss is NaN or infinite.

    It raises before the epoch ends, so neither the checkpoint nor `model.keras` of that epoch is
    written: both keep the last good epoch.
    """

    def __init__(self, checkpoint_dir):
        super().__init__()
        self.checkpoint_dir = checkpoint_dir
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            kept = os.path.join(os.path.dirname(os.path.normpath(self.checkpoint_dir)), "model.keras")
            if os.path.isfile(kept):
                saved = f"The best epoch so far is kept in {kept} (and the last one in {self.checkpoint_dir})."
            else:
                saved = "No epoch had finished, so no model was saved."
            raise TrainingDiverged(
                f"the training loss became {float(loss)} at epoch {self.epoch + 1}, step {batch + 1}; training "
                f"stopped. {saved} Check the data for non-finite values, or try a lower learning_rate or clipnorm."
            )


_stop_requests = []  # exceptions a signal handler asked the running fit to raise at its next batch boundary
_fits_running = 0


def request_stop(exception):
    """Asks the running `fit` to raise `exception` (Ctrl-C, SIGTERM) at its next batch boundary, where
    raising leaves TensorFlow's state whole; a signal handler that raises wherever the signal lands can
    tear it mid-step. Returns False when no fit runs or a stop is already pending: the caller raises
    `exception` itself, at once."""
    if not _fits_running or _stop_requests:
        return False
    _stop_requests.append(exception)
    return True


class RequestedStop(keras.callbacks.Callback):
    """Raises the stop `request_stop` was asked for, after a training or validation step."""

    def _raise_pending(self, batch, logs=None):
        if _stop_requests:
            raise _stop_requests.pop()

    on_train_batch_end = on_test_batch_end = _raise_pending


@contextlib.contextmanager
def _fit_running():
    global _fits_running
    _fits_running += 1
    try:
        yield
    finally:
        _fits_running -= 1
        if not _fits_running:
            _stop_requests.clear()


class TimeBudget(keras.callbacks.Callback):
    """Stops training cleanly once `minutes` of wall-clock time are spent (0 = no budget).

    It is checked after every step; the epoch in progress then ends early, so its checkpoint and
    `model.keras` are written as usual.
    """

    def __init__(self, minutes):
        super().__init__()
        self.seconds = float(minutes) * 60
        self.start = None
        self.spent = False

    def on_train_begin(self, logs=None):
        self.start = time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        if self.seconds and time.monotonic() - self.start >= self.seconds:
            self.spent = True
            self.model.stop_training = True


def reset_states(model):
    """Zeroes the carried states of every stateful layer of `model`."""
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            layer.reset_states()


class ResetStates(keras.callbacks.Callback):
    """Zeroes the carried states of a model's stateful layers at the start of every epoch and of every
    evaluation, so each pass over a text starts from the text's start (truncated BPTT)."""

    def on_epoch_begin(self, epoch, logs=None):
        reset_states(self.model)

    def on_test_begin(self, logs=None):
        reset_states(self.model)


@dataclasses.dataclass
class FitReport:
    """What `fit` did: the epochs run in this call (0-based first, 1-based last; None when a finished
    run was resumed and nothing was left to do), why it stopped, which epoch it kept, how long it took.

    `stopped_by` is "budget" (train_minutes spent), "plateau" (neither the objective nor the validation
    loss improved for `patience` epochs) or "epochs" (the upper bound reached).
    """

    first_epoch: int | None
    last_epoch: int | None
    epochs: int
    seconds: float
    history: dict
    budget_minutes: float = 0.0
    stopped_by: str = STOPPED_BY_EPOCHS
    objective: str = "val_loss"
    best_epoch: int | None = None
    best_value: float | None = None
    note: str = ""

    @property
    def stopped_by_budget(self):
        return self.stopped_by == STOPPED_BY_BUDGET

    def describe(self, workdir):
        """One line for the user: which epochs ran, how long, why it stopped and which epoch is kept."""
        kept = (f"; kept epoch {self.best_epoch} ({self.objective} {self.best_value:.4g})"
                if self.best_epoch is not None and self.best_value is not None else "")
        if self.last_epoch is None:
            why = "stopped on a plateau" if self.stopped_by == STOPPED_BY_PLATEAU else f"holds all {self.epochs} epochs"
            return (f"{workdir} already {why}; nothing left to train (raise epochs to train on after a full "
                    f"run, delete its checkpoints/ to start over, or use another --workdir){kept}.")
        why = {STOPPED_BY_BUDGET: f"the {self.budget_minutes:g}-minute budget was spent",
               STOPPED_BY_PLATEAU: f"{self.objective} stopped improving",
               STOPPED_BY_EPOCHS: f"reached epochs = {self.epochs}"}[self.stopped_by]
        return (f"epochs {self.first_epoch + 1}–{self.last_epoch} of at most {self.epochs} in "
                f"{self.seconds / 60:.1f} min ({why}){kept}." + (f"\n{self.note}" if self.note else ""))


def fit(model, train_data, validation_data, workdir, epochs, train_minutes=0.0, verbose=1, callbacks=(),
        initial_epoch=0, save_model=True, objective=None, patience=0, plateau_patience=0, plateau_factor=0.5):
    """`model.fit` with what long recurrent training needs, all kept in `workdir`:

    - `checkpoints/`: Keras' `BackupAndRestore` after every epoch, so an interrupted run (Ctrl-C,
      a kill) resumes at its last finished epoch when started again;
    - `model.keras`: the best epoch's model by `objective`, rewritten atomically when an epoch beats
      it; the model passed in holds the best epoch's weights when `fit` returns;
    - training length: `epochs` is an upper bound; a wall-clock budget (`train_minutes`) and early
      stopping (`patience`) end a run sooner, and the learning rate is cut when the validation loss
      stops falling (`zoo.epoch_policy`: its state lives in `training_state.json`, so resuming
      continues it);
    - `logs/`: TensorBoard; `history.csv`: the metrics of every epoch, across resumed runs;
    - a NaN guard (`TrainingDiverged`).

    Args:
        model: a compiled `keras.Model`.
        train_data, validation_data: `tf.data.Dataset`s of (inputs, targets).
        workdir: str.
        epochs: int. The most epochs, counting those of resumed runs.
        train_minutes: float, default 0 (no budget).
        verbose: Keras' verbosity (1 = progress bar).
        callbacks: more Keras callbacks, run after zoo's.
        initial_epoch: int, default 0. Where a run continued from other weights starts counting.
        save_model: bool, default True. Write the best epoch's `model.keras`.
        objective: a `zoo.epoch_policy.Objective`, default validation loss.
        patience: int, default 0. Epochs with neither a better objective nor a lower validation loss
            before stopping; 0 = never.
        plateau_patience: int, default 0. Epochs without a lower validation loss before the learning
            rate is multiplied by `plateau_factor`; 0 = never.
        plateau_factor: float in (0, 1), default 0.5.

    A model built in a `tf.distribute` strategy's scope trains with it (see `zoo.distribute`): Keras'
    `fit` under `MirroredStrategy`, zoo's own loop under `MultiWorkerMirroredStrategy`, where the
    chief alone writes `workdir` (the others write to a scratch folder, removed after) and every
    worker starts from the chief's checkpoint.

    Returns:
        A `FitReport`.
    """
    from zoo import distribute

    objective = objective or Objective()
    strategy = model.distribute_strategy
    multi_worker = distribute.is_multi_worker(strategy)
    scratch = None
    if not distribute.is_chief(strategy):  # a cluster's other workers save too (saving may create variables,
        workdir = scratch = distribute.worker_directory(workdir, strategy)  # which every worker must do) elsewhere
    os.makedirs(workdir, exist_ok=True)
    checkpoints = os.path.join(workdir, "checkpoints")
    budget = TimeBudget(train_minutes)
    policy = EpochPolicy(workdir, objective, patience, plateau_patience, plateau_factor,
                         os.path.join(workdir, "model.keras") if save_model else None, verbose=bool(verbose))
    backup = keras.callbacks.BackupAndRestore(checkpoints, double_checkpoint=True, delete_checkpoint=False)
    logs = [HistoryLog(os.path.join(workdir, "history.csv")),
            keras.callbacks.TensorBoard(os.path.join(workdir, "logs"), write_graph=False, profile_batch=0)]
    every = [
        RequestedStop(),
        *([ScoreValidation(objective, budget)] if objective.compute else []),
        NaNGuard(checkpoints),
        budget,
        policy,
        *logs,
        backup,  # after the policy and logs: an interrupt before it redoes the epoch, whose row and state are dropped
        *callbacks,
    ]
    start = time.monotonic()
    ran = []
    with _fit_running():  # a signal's stop waits for the next batch boundary (request_stop)
        try:
            if multi_worker:
                history = distribute.fit_multi_worker(model, train_data, validation_data, epochs, every,
                                                      initial_epoch=initial_epoch, verbose=verbose)
            else:
                history = model.fit(
                    train_data,
                    validation_data=validation_data,
                    epochs=epochs,
                    initial_epoch=initial_epoch,
                    shuffle=False,  # the datasets shuffle themselves
                    verbose=verbose,
                    callbacks=every,
                )
            ran = list(history.epoch)
        except AlreadyStopped:  # a resumed run that early stopping had ended: nothing to train
            history = None
            for callback in logs:
                callback.on_train_end()
        except BaseException:
            for callback in logs:  # Keras skips on_train_end when fit raises: close their files here
                with contextlib.suppress(Exception):  # a callback that never opened its file
                    callback.on_train_end()
            raise
        finally:
            if scratch:
                shutil.rmtree(scratch, ignore_errors=True)
    policy.restore_best()
    stopped_by = (STOPPED_BY_PLATEAU if policy.stopped else STOPPED_BY_BUDGET if budget.spent else STOPPED_BY_EPOCHS)
    return FitReport(
        first_epoch=ran[0] if ran else None,
        last_epoch=ran[-1] + 1 if ran else None,
        epochs=epochs,
        seconds=time.monotonic() - start,
        history=history.history if history else {},
        budget_minutes=train_minutes,
        stopped_by=stopped_by,
        objective=objective.name,
        best_epoch=policy.best_epoch,
        best_value=policy.best_value,
        note=overfitting_note(os.path.join(workdir, "history.csv"), policy, model) if ran else "",
    )


def overfitting_note(history_csv, policy, model):
    """A line when a run shows the mark of too little data for its model: after the epoch of its lowest
    validation loss, the validation loss rose by `OVERFITTING_RISE` or more while the training loss
    fell by as much (the model learns what is particular to its training examples); "" otherwise."""
    rows = [row for row in read_history_rows(history_csv) if "loss" in row and "val_loss" in row]
    if len(rows) < 2:
        return ""
    lowest = min(rows, key=lambda row: row["val_loss"])
    last = rows[-1]
    rise = last["val_loss"] / max(lowest["val_loss"], 1e-12) - 1
    fall = 1 - last["loss"] / max(lowest["loss"], 1e-12)
    if rise < OVERFITTING_RISE or fall < OVERFITTING_RISE:
        return ""
    return (f"note: after epoch {lowest['epoch'] + 1} the validation loss rose {rise:.0%} while the training loss fell "
            f"{fall:.0%}: the training data is small for a model of {model.count_params():,} parameters, which learns "
            f"what is particular to it. The run kept epoch {policy.best_epoch} (best {policy.objective.name}); fewer "
            "units, dropout or more data may score better.")


@keras.saving.register_keras_serializable(package="zoo")
class TokenCrossEntropy(keras.losses.Loss):
    """Cross-entropy of token logits averaged over the real tokens, with optional label smoothing
    (Szegedy et al., 2016): the target distribution is (1 - ε) one-hot + ε uniform.

        loss = mean over targets ≠ pad of  -(1 - ε) log p(y) - ε mean_v log p(v)

    With ε = 0 it equals `keras.losses.SparseCategoricalCrossentropy(from_logits=True,
    ignore_class=pad_id)`.

    Args:
        label_smoothing: float in [0, 1), default 0.
        pad_id: int, default 0. Targets equal to it add nothing.
    """

    def __init__(self, label_smoothing=0.0, pad_id=0, name="token_cross_entropy", **kwargs):
        super().__init__(name=name, **kwargs)
        from zoo import checks

        self.label_smoothing = checks.rate("label_smoothing", label_smoothing)
        self.pad_id = pad_id

    def call(self, y_true, y_pred):
        log_probs = keras.ops.log_softmax(y_pred, axis=-1)
        y_true = keras.ops.cast(y_true, "int32")
        true_log_prob = keras.ops.take_along_axis(log_probs, keras.ops.expand_dims(y_true, -1), axis=-1)[..., 0]
        losses = -(1.0 - self.label_smoothing) * true_log_prob - self.label_smoothing * keras.ops.mean(log_probs, -1)
        weights = keras.ops.cast(keras.ops.not_equal(y_true, self.pad_id), losses.dtype)
        return keras.ops.sum(losses * weights) / keras.ops.maximum(keras.ops.sum(weights), 1.0)

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing, "pad_id": self.pad_id}
