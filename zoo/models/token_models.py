"""What the models that read token ids share: their input, encoder, compilation and examples."""

import keras
import numpy as np

from zoo.layers import deep_mlp, stacked_rnn
from zoo.training import default_optimizer


def token_encoder(vocab_size, embedding_dim, cell, units, depth, bidirectional, dropout, return_sequences,
                  input_layers=0, transition_depth=1, cell_options=None):
    """`(tokens, encoded)`: an int32 token input (0 = padding, masked) and its stacked-RNN encoding (after the
    deep input MLP of `input_layers`)."""
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    embedded = keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True, name="embedding")(tokens)
    embedded = deep_mlp(input_layers, units, "deep_input")(embedded)
    encoded = stacked_rnn(
        cell, units, depth, bidirectional=bidirectional, return_sequences=return_sequences, dropout=dropout,
        name="encoder", transition_depth=transition_depth, **(cell_options or {}),
    )(embedded)
    return tokens, encoded


def compile_for_labels(model, learning_rate, clipnorm, clipping="global_norm"):
    """Compiles `model` (logits out) for integer labels with zoo's clipped Adam."""
    model.compile(
        optimizer=default_optimizer(learning_rate, clipnorm, clipping),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def padded_tokens(vocab_size, batch_size, seed, max_length=7):
    """Token ids (batch, max_length) in [1, vocab_size), right-padded with 0, and the lengths."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, max_length + 1, size=batch_size)
    lengths[0] = max_length
    tokens = rng.integers(1, vocab_size, size=(batch_size, max_length), dtype=np.int32)
    tokens[np.arange(max_length)[None, :] >= lengths[:, None]] = 0
    return tokens, lengths


def example_labels(model, batch_size, seed, per_token):
    """Random token batch and integer labels (one per sequence, or one per token) fitting `model`."""
    tokens, _ = padded_tokens(model.get_layer("embedding").input_dim, batch_size, seed)
    shape = tokens.shape if per_token else (batch_size,)
    labels = np.random.default_rng(seed + 1).integers(0, model.output_shape[-1], size=shape)
    return tokens, labels.astype(np.int32)
