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

DEFAULT_CLIPNORM = 1.0


def default_optimizer(learning_rate=1e-3, clipnorm=DEFAULT_CLIPNORM):
    """Adam with gradient clipping by global norm, zoo's default for recurrent models.

    Args:
        learning_rate: float, default 1e-3.
        clipnorm: float or None, default 1.0. Gradients are rescaled so that their global norm
            is at most `clipnorm`; None turns clipping off.

    Returns:
        A `keras.optimizers.Adam`.
    """
    if clipnorm is not None and not clipnorm > 0:
        raise ValueError(f"`clipnorm` must be a positive float or None; received clipnorm={clipnorm!r}.")
    return keras.optimizers.Adam(learning_rate=learning_rate, global_clipnorm=clipnorm)


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
    """The loss became NaN or infinite; the last good checkpoint is kept."""


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
            raise TrainingDiverged(
                f"the training loss became {float(loss)} at epoch {self.epoch + 1}, step {batch + 1}; training "
                f"stopped. The last good checkpoint is kept in {self.checkpoint_dir} (model.keras beside it). "
                "Try a lower learning_rate or clipnorm."
            )


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


class SaveModelEveryEpoch(keras.callbacks.Callback):
    """Rewrites `path` (a `.keras` file) atomically at the end of every epoch."""

    def __init__(self, path):
        super().__init__()
        self.path = path

    def on_epoch_end(self, epoch, logs=None):
        from zoo.export.atomic import atomic_file

        with atomic_file(self.path) as staging:
            self.model.save(staging)


@dataclasses.dataclass
class FitReport:
    """What `fit` did: the epochs run in this call (0-based first, 1-based last; None when a finished
    run was resumed and nothing was left to do), why it stopped, and how long it took."""

    first_epoch: int | None
    last_epoch: int | None
    epochs: int
    stopped_by_budget: bool
    seconds: float
    history: dict
    budget_minutes: float = 0.0

    def describe(self, workdir):
        """One line for the user: which epochs ran, how long, and why it stopped."""
        if self.last_epoch is None:
            return (f"{workdir} already holds all {self.epochs} epochs; nothing left to train (raise epochs to "
                    "train on, or use another --workdir).")
        why = f"the {self.budget_minutes:g}-minute budget was spent" if self.stopped_by_budget else "done"
        return (f"epochs {self.first_epoch + 1}–{self.last_epoch} of {self.epochs} in {self.seconds / 60:.1f} min "
                f"({why}).")


def fit(model, train_data, validation_data, workdir, epochs, train_minutes=0.0, verbose=1, callbacks=(),
        initial_epoch=0, save_model=True):
    """`model.fit` with what long recurrent training needs, all kept in `workdir`:

    - `checkpoints/`: Keras' `BackupAndRestore` after every epoch, so an interrupted run (Ctrl-C,
      a kill) resumes at its last finished epoch when started again;
    - `model.keras`: rewritten atomically after every epoch;
    - `logs/`: TensorBoard; `history.csv`: the metrics of every epoch, across resumed runs;
    - a wall-clock budget (`train_minutes`) and a NaN guard (`TrainingDiverged`).

    Args:
        model: a compiled `keras.Model`.
        train_data, validation_data: `tf.data.Dataset`s of (inputs, targets).
        workdir: str.
        epochs: int. The total number of epochs, counting those of resumed runs.
        train_minutes: float, default 0 (no budget).
        verbose: Keras' verbosity (1 = progress bar).
        callbacks: more Keras callbacks, run after zoo's.
        initial_epoch: int, default 0. Where a run continued from other weights starts counting.
        save_model: bool, default True. Rewrite `model.keras` after every epoch.

    A model built in a `tf.distribute` strategy's scope trains with it (see `zoo.distribute`): Keras'
    `fit` under `MirroredStrategy`, zoo's own loop under `MultiWorkerMirroredStrategy`, where the
    chief alone writes `workdir` (the others write to a scratch folder, removed after) and every
    worker starts from the chief's checkpoint.

    Returns:
        A `FitReport`.
    """
    from zoo import distribute

    strategy = model.distribute_strategy
    multi_worker = distribute.is_multi_worker(strategy)
    scratch = None
    if not distribute.is_chief(strategy):  # a cluster's other workers save too (saving may create variables,
        workdir = scratch = distribute.worker_directory(workdir, strategy)  # which every worker must do) elsewhere
    os.makedirs(workdir, exist_ok=True)
    checkpoints = os.path.join(workdir, "checkpoints")
    budget = TimeBudget(train_minutes)
    backup = keras.callbacks.BackupAndRestore(checkpoints, double_checkpoint=True, delete_checkpoint=False)
    logs = [keras.callbacks.CSVLogger(os.path.join(workdir, "history.csv"), append=True),
            keras.callbacks.TensorBoard(os.path.join(workdir, "logs"), write_graph=False, profile_batch=0)]
    every = [
        backup,
        NaNGuard(checkpoints),
        budget,
        *([SaveModelEveryEpoch(os.path.join(workdir, "model.keras"))] if save_model else []),
        *logs,
        *callbacks,
    ]
    start = time.monotonic()
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
    except BaseException:
        for callback in logs:  # Keras skips on_train_end when fit raises: close their files here
            with contextlib.suppress(Exception):  # a callback that never opened its file
                callback.on_train_end()
        raise
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    ran = list(history.epoch)
    return FitReport(
        first_epoch=ran[0] if ran else None,
        last_epoch=ran[-1] + 1 if ran else None,
        epochs=epochs,
        stopped_by_budget=budget.spent,
        seconds=time.monotonic() - start,
        history=history.history,
        budget_minutes=train_minutes,
    )


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
