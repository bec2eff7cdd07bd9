"""`StreamingLabeler`: labels audio chunk by chunk, each frame as soon as its window is heard."""

import keras
import numpy as np

from zoo.errors import UsageError
from zoo.encoders.audio import LogMelFrontEnd
from zoo.layers import Recurrent, Stacked


def stateful_network(model):
    """The network of a trained causal `frame_tagger` (streaming=True) after its front end, rebuilt
    with stateful recurrent layers for a batch of one: features (1, frames, num_mels) → logits. The deep
    input and output MLPs (`input_layers`, `output_layers`), where the model has them, come along."""
    features = keras.Input(batch_shape=(1, None, model.get_layer("front_end").feature_size), name="features")
    names = {layer.name for layer in model.layers}
    copies = []  # (copy, trained layer): weights are copied once the network is built

    def copied(name, inputs):
        if name not in names:
            return inputs
        trained_layer = model.get_layer(name)
        copy = type(trained_layer).from_config(trained_layer.get_config())
        copies.append((copy, trained_layer))
        return copy(inputs)

    hidden = copied("deep_input", copied("feature_normalization", features))
    trained = model.get_layer("rnn")
    layers = []
    for layer in trained.rnn_layers:
        if not isinstance(layer, Recurrent):
            raise UsageError(f"{model.name}: a streaming model needs unidirectional layers; found {layer.name}.")
        cell = type(layer.cell).from_config(layer.cell.get_config())
        layers.append(Recurrent(cell, return_sequences=True, stateful=True))
    hidden = copied("deep_output", Stacked(layers, residual=trained.residual)(hidden))
    network = keras.Model(features, copied("logits", hidden), name="streaming_network")
    for copy, layer in zip(layers, trained.rnn_layers):
        copy.cell.set_weights(layer.cell.get_weights())
    for copy, trained_layer in copies:
        copy.set_weights(trained_layer.get_weights())
    return network


class StreamingLabeler:
    """Feeds a causal `frame_tagger` audio in chunks of any size and returns the label ids of the
    frames each chunk completes, carrying the recurrent states and the samples of a partly heard
    window from one chunk to the next. The labels equal those of the model on the whole utterance.

    Args:
        model: a trained `frame_tagger` built with `streaming=True`.

    Example:
        >>> labeler = StreamingLabeler(model)
        >>> ids = np.concatenate([labeler.feed(chunk) for chunk in np.array_split(waveform, 10)])
    """

    def __init__(self, model):
        front_end = model.get_layer("front_end")
        if front_end.deltas or front_end.normalization != "none":
            raise UsageError(f"{model.name}: its front end reads the future (deltas or per-utterance statistics); "
                             "streaming needs a model built with streaming=True.")
        self.front_end = LogMelFrontEnd.from_config(front_end.get_config())
        self.network = stateful_network(model)
        self.reset()

    def reset(self):
        """Forgets the previous utterance: empty sample buffer, zero states."""
        self.pending = np.zeros(0, np.float32)
        for layer in self.network.layers:
            if isinstance(layer, Stacked):
                for recurrent in layer.rnn_layers:
                    recurrent.reset_states()

    def feed(self, chunk):
        """int32 label ids of the frames completed by `chunk` (float32 samples; possibly none)."""
        self.pending = np.concatenate([self.pending, np.asarray(chunk, np.float32).reshape(-1)])
        window, hop = self.front_end.window, self.front_end.hop
        frames = max(0, 1 + (len(self.pending) - window) // hop)
        if frames == 0:
            return np.zeros(0, np.int32)
        features = self.front_end.log_mel(self.pending[None, : (frames - 1) * hop + window])
        self.pending = self.pending[frames * hop:]
        logits = self.network(features, training=False)
        return np.argmax(np.asarray(logits)[0], -1).astype(np.int32)
