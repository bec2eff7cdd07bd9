"""Synchronized many-to-many on audio: a label for every 10 ms frame of a waveform."""

import keras
import numpy as np

from zoo import checks
from zoo.data.utterances import frame_count
from zoo.encoders.audio import FrameMask, LogMelFrontEnd
from zoo.layers import deep_mlp, stacked_rnn
from zoo.registry import register_model
from zoo.training import MaskedTokenAccuracy, default_optimizer

NETWORKS = ("rnn", "mlp")
PAD_LABEL = -1  # the label of padding frames: no loss, not counted


def _example_batch(model, batch_size, seed):
    rng = np.random.default_rng(seed)
    num_samples = rng.integers(1200, 4000, size=batch_size).astype(np.int32)
    num_samples[0] = 4000
    waveform = (0.1 * rng.standard_normal((batch_size, 4000))).astype(np.float32)
    waveform[np.arange(4000)[None, :] >= num_samples[:, None]] = 0
    frames = frame_count(4000)
    labels = rng.integers(0, model.output_shape[-1], size=(batch_size, frames)).astype(np.int32)
    lengths = np.array([frame_count(n) for n in num_samples])
    labels[np.arange(frames)[None, :] >= lengths[:, None]] = PAD_LABEL
    return {"waveform": waveform, "num_samples": num_samples}, labels


@register_model("frame_tagger", example_batch=_example_batch)
def frame_tagger(
    num_labels=5,
    network="rnn",
    cell="lstm",
    units=16,
    depth=2,
    bidirectional=True,
    dropout=0.0,
    num_mels=16,
    streaming=False,
    feature_mean=None,
    feature_variance=None,
    learning_rate=1e-3,
    clipnorm=1.0,
    clipping="global_norm",
    input_layers=0,
    transition_depth=1,
    output_layers=0,
    cell_options=None,
):
    """Waveform → log-mel front end → stacked (bidirectional) RNN or per-frame MLP → label logits per frame.

    Frames past each utterance's `num_samples` are masked; their targets are `PAD_LABEL` (-1),
    which the loss and the frame accuracy ignore. With `streaming=True` the model is causal:
    unidirectional, no deltas, features normalized by fixed training statistics
    (`feature_mean`, `feature_variance`) instead of each utterance's, so a stateful copy fed
    chunk by chunk (`zoo.frame_labeling.streaming`) labels each frame as soon as it is heard.

    Args:
        num_labels: int, default 5.
        network: "rnn" (default) or "mlp" (dense layers on each frame alone: no recurrence).
        cell, units, depth, bidirectional, dropout: the stacked RNN (see `zoo.layers.stacked_rnn`);
            for "mlp", `depth` dense layers of `units`.
        num_mels: int, default 16. Mel filters of the front end.
        streaming: bool, default False.
        feature_mean, feature_variance: per-feature statistics (num_mels,) for `streaming`; default 0 and 1.
        learning_rate, clipnorm, clipping: the optimizer and its gradient clipping (see
            `zoo.training.default_optimizer`).
        input_layers, transition_depth, output_layers, cell_options: the deep RNN (Pascanu et al., 2014): MLPs
            before and after the recurrence (`zoo.layers.deep_mlp`), layers inside each transition
            (`zoo.cells.DeepTransitionCell`), and options of every cell (`variant`, `peephole`, `shortcut`, ...);
            for "mlp", none of them.

    Returns:
        A compiled `keras.Model`: {"waveform": float32 (batch, samples), "num_samples": int32 (batch,)} →
        logits (batch, frames, num_labels).
    """
    checks.one_of("network", network, NETWORKS)
    waveform = keras.Input((None,), name="waveform")
    num_samples = keras.Input((), dtype="int32", name="num_samples")
    front_end = LogMelFrontEnd(num_mels, deltas=not streaming, normalization="none" if streaming else "utterance",
                               name="front_end")
    features = front_end(waveform, num_samples)
    if streaming:
        features = keras.layers.Normalization(
            mean=np.zeros(num_mels) if feature_mean is None else np.asarray(feature_mean),
            variance=np.ones(num_mels) if feature_variance is None else np.asarray(feature_variance),
            name="feature_normalization")(features)
    if network == "mlp":
        hidden = features
        for index in range(checks.positive_int("depth", depth)):
            hidden = keras.layers.Dense(units, activation="relu", name=f"dense_{index}")(hidden)
            if dropout:
                hidden = keras.layers.Dropout(dropout)(hidden)
    else:
        mask = FrameMask(name="frame_mask")(features, num_samples)
        hidden = stacked_rnn(cell, units, depth, bidirectional=bidirectional and not streaming, return_sequences=True,
                             dropout=dropout, name="rnn", transition_depth=transition_depth, **(cell_options or {}))(
            deep_mlp(input_layers, units, "deep_input")(features), mask=mask)
        hidden = deep_mlp(output_layers, units, "deep_output")(hidden)
    logits = keras.layers.Dense(num_labels, dtype="float32", name="logits")(hidden)
    model = keras.Model({"waveform": waveform, "num_samples": num_samples}, logits, name="frame_tagger")
    model.compile(
        optimizer=default_optimizer(learning_rate, clipnorm, clipping),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=PAD_LABEL),
        metrics=[MaskedTokenAccuracy(pad_id=PAD_LABEL, name="frame_accuracy")],
    )
    return model
