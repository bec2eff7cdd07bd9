import math
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.plots import read_history
from zoo.registry import create_model
from zoo.training import (
    DEFAULT_CLIPNORM,
    MaskedTokenAccuracy,
    TokenCrossEntropy,
    TrainingDiverged,
    default_optimizer,
    fit,
    request_stop,
)


def test_default_optimizer_clips_the_global_gradient_norm():
    optimizer = default_optimizer()
    assert optimizer.global_clipnorm == DEFAULT_CLIPNORM == 1.0
    assert default_optimizer(clipnorm=None).global_clipnorm is None


@pytest.mark.parametrize("clipping, option", [("global_norm", "global_clipnorm"), ("norm", "clipnorm"),
                                              ("value", "clipvalue"), ("none", None)])
def test_each_clipping_mode_sets_its_one_keras_option(clipping, option):
    config = default_optimizer(clipnorm=0.5, clipping=clipping).get_config()
    options = {name: config.get(name) for name in ("global_clipnorm", "clipnorm", "clipvalue")}
    assert options == {name: (0.5 if name == option else None) for name in options}


def test_rejects_an_unknown_clipping_mode():
    with pytest.raises(ValueError, match="`clipping` must be one of 'global_norm'"):
        default_optimizer(clipping="sometimes")


def test_rejects_a_non_positive_clipnorm():
    with pytest.raises(ValueError, match="`clipnorm`.*received clipnorm=0"):
        default_optimizer(clipnorm=0)


def _first_token_task(size, seed):
    """Variable-length token sequences whose class is the first token's id modulo 3."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(1, 10, size=(size, 8)).astype("int32")
    lengths = rng.integers(3, 9, size=size)
    tokens[np.arange(8)[None, :] >= lengths[:, None]] = 0
    return tokens, (tokens[:, 0] % 3).astype("int32")


@pytest.mark.slow
def test_stacked_bidirectional_lstm_learns_a_toy_task():
    model = create_model(
        "sequence_classifier", vocab_size=10, num_classes=3, cell="lstm", units=16, depth=2, bidirectional=True,
        learning_rate=1e-2,
    )
    assert model.optimizer.global_clipnorm == 1.0
    tokens, labels = _first_token_task(512, seed=0)
    history = model.fit(tokens, labels, batch_size=32, epochs=8, verbose=0)
    chance = math.log(3)
    assert history.history["loss"][0] > 0.8 * chance
    test_tokens, test_labels = _first_token_task(256, seed=1)
    loss, accuracy = model.evaluate(test_tokens, test_labels, verbose=0)
    assert loss < 0.25 * chance
    assert accuracy > 0.9


def _tiny_classifier(learning_rate=1e-2):
    return create_model("sequence_classifier", vocab_size=10, num_classes=3, units=4, learning_rate=learning_rate)


def _datasets(size=64):
    tokens, labels = _first_token_task(size, seed=0)
    dataset = tf.data.Dataset.from_tensor_slices((tokens, labels)).batch(16)
    return dataset, dataset.take(1)


class _InterruptAfterEpoch(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


def test_an_interrupted_fit_resumes_at_its_last_finished_epoch(tmp_path):
    train, validation = _datasets()
    model = _tiny_classifier()
    with pytest.raises(KeyboardInterrupt):
        fit(model, train, validation, str(tmp_path), epochs=3, callbacks=[_InterruptAfterEpoch(0)], verbose=0)
    saved = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    np.testing.assert_array_equal(saved.get_weights()[0], model.get_weights()[0])

    restarted = _tiny_classifier()
    report = fit(restarted, train, validation, str(tmp_path), epochs=3, verbose=0)
    assert (report.first_epoch, report.last_epoch) == (1, 3)
    assert len(report.history["loss"]) == 2
    assert len(read_history(str(tmp_path / "history.csv"))["loss"]) == 3
    finished = fit(_tiny_classifier(), train, validation, str(tmp_path), epochs=3, verbose=0)
    assert finished.last_epoch is None, "a finished run has nothing left to train"


def test_a_nan_loss_stops_training_and_keeps_the_last_good_model(tmp_path):
    train, validation = _datasets()
    model = _tiny_classifier()
    fit(model, train, validation, str(tmp_path), epochs=1, verbose=0)
    good = keras.models.load_model(tmp_path / "model.keras", safe_mode=True).get_weights()

    class PoisonAfter(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model.layers[1].embeddings.assign(tf.fill(self.model.layers[1].embeddings.shape, np.nan))

    with pytest.raises(TrainingDiverged, match=r"became nan at epoch 2, step 2.*best epoch so far is kept in "
                                               + re.escape(str(tmp_path / "model.keras"))):
        fit(model, train, validation, str(tmp_path), epochs=3, verbose=0, callbacks=[PoisonAfter()])
    kept = keras.models.load_model(tmp_path / "model.keras", safe_mode=True).get_weights()
    for a, b in zip(good, kept):
        np.testing.assert_array_equal(a, b)


def test_a_nan_loss_before_any_epoch_ends_says_that_nothing_was_saved(tmp_path):
    train, validation = _datasets()
    model = _tiny_classifier()
    model.layers[1].embeddings.assign(tf.fill(model.layers[1].embeddings.shape, np.nan))
    with pytest.raises(TrainingDiverged, match="step 1; training stopped. No epoch had finished, so no model was saved"):
        fit(model, train, validation, str(tmp_path), epochs=2, verbose=0)
    assert not (tmp_path / "model.keras").exists()


def test_the_time_budget_stops_training_cleanly(tmp_path):
    train, validation = _datasets(size=256)
    report = fit(_tiny_classifier(), train, validation, str(tmp_path), epochs=50, train_minutes=1e-9, verbose=0)
    assert report.stopped_by_budget
    assert report.last_epoch == 1 and (tmp_path / "model.keras").is_file()


def test_masked_token_accuracy_is_keras_accuracy_weighted_by_the_padding_mask():
    rng = np.random.default_rng(0)
    targets = rng.integers(0, 5, size=(4, 6))
    logits = rng.normal(size=(4, 6, 5)).astype("float32")
    ours = MaskedTokenAccuracy()
    ours.update_state(targets, logits)
    reference = keras.metrics.SparseCategoricalAccuracy()
    reference.update_state(targets, logits, sample_weight=(targets != 0).astype("float32"))
    assert float(ours.result()) == pytest.approx(float(reference.result()))
    assert 0 < float(ours.result()) < 1


def test_token_cross_entropy_is_keras_sparse_cross_entropy_without_smoothing():
    rng = np.random.default_rng(0)
    targets = rng.integers(0, 5, size=(4, 6))
    logits = rng.normal(size=(4, 6, 5)).astype("float32")
    ours = TokenCrossEntropy()(targets, logits)
    reference = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)(targets, logits)
    assert float(ours) == pytest.approx(float(reference), rel=1e-5)


def test_token_cross_entropy_smooths_like_keras_categorical_cross_entropy():
    rng = np.random.default_rng(1)
    targets = rng.integers(0, 5, size=(3, 4))
    logits = rng.normal(size=(3, 4, 5)).astype("float32")
    mask = (targets != 0).astype("float32")
    reference = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, reduction="sum")(
        keras.ops.one_hot(targets, 5), logits, sample_weight=mask) / mask.sum()
    assert float(TokenCrossEntropy(label_smoothing=0.1)(targets, logits)) == pytest.approx(float(reference), rel=1e-5)


class _RequestStopAt(keras.callbacks.Callback):
    """Asks for a stop as a signal handler would, at the start of one training step; records the steps run."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.at, self.epoch, self.steps, self.accepted = (epoch, batch), None, [], None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        self.steps.append((self.epoch, batch))
        if (self.epoch, batch) == self.at:
            self.accepted = request_stop(KeyboardInterrupt())


def test_a_requested_stop_is_raised_after_the_step_in_progress_and_only_while_fit_runs(tmp_path):
    assert request_stop(KeyboardInterrupt()) is False, "no fit runs: the signal handler raises itself"
    train, validation = _datasets()
    stopper = _RequestStopAt(epoch=1, batch=1)
    with pytest.raises(KeyboardInterrupt):
        fit(_tiny_classifier(), train, validation, str(tmp_path), epochs=3, callbacks=[stopper], verbose=0)
    assert stopper.accepted is True and stopper.steps[-1] == (1, 1), "the step in progress finished, no other began"
    assert request_stop(KeyboardInterrupt()) is False, "nothing stays pending after fit"
    resumed = fit(_tiny_classifier(), train, validation, str(tmp_path), epochs=3, verbose=0)
    assert (resumed.first_epoch, resumed.last_epoch) == (1, 3)
