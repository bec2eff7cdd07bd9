"""Synchronized many-to-many: a label for every token (e.g. part-of-speech tagging)."""

import keras
import numpy as np

from zoo.layers import stacked_rnn
from zoo.models.token_batches import padded_tokens, vocab_size_of
from zoo.registry import register_model
from zoo.training import default_optimizer


def _example_batch(model, batch_size, seed):
    tokens, _ = padded_tokens(vocab_size_of(model), batch_size, seed)
    labels = np.random.default_rng(seed + 1).integers(0, model.output_shape[-1], size=tokens.shape)
    return tokens, labels.astype(np.int32)


@register_model("sequence_tagger", example_batch=_example_batch)
def sequence_tagger(
    vocab_size=50,
    num_tags=5,
    embedding_dim=16,
    cell="lstm",
    units=16,
    depth=2,
    bidirectional=True,
    dropout=0.0,
    learning_rate=1e-3,
    clipnorm=1.0,
):
    """Token ids (0 = padding) → embedding → stacked bidirectional RNN → tag logits per token.

    Padding is masked, so padded positions add nothing to the loss.

    Args:
        vocab_size: int, default 50. Token ids lie in [0, vocab_size); 0 is padding.
        num_tags: int, default 5.
        embedding_dim: int, default 16.
        cell: str, default "lstm". A `zoo.cells.make_cell` name.
        units, depth, bidirectional, dropout: the stacked RNN (see `zoo.layers.stacked_rnn`).
        learning_rate, clipnorm: the optimizer (see `zoo.training.default_optimizer`).

    Returns:
        A compiled `keras.Model`: int32 tokens (batch, time) → logits (batch, time, num_tags).
    """
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    embedded = keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True, name="embedding")(tokens)
    encoded = stacked_rnn(
        cell, units, depth, bidirectional=bidirectional, return_sequences=True, dropout=dropout, name="encoder"
    )(embedded)
    logits = keras.layers.Dense(num_tags, name="logits")(encoded)
    model = keras.Model(tokens, logits, name="sequence_tagger")
    model.compile(
        optimizer=default_optimizer(learning_rate, clipnorm),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model
