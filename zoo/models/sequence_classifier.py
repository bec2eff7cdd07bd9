"""Many-to-one: a sequence of tokens in, one class out (e.g. a review → a score)."""

import keras
import numpy as np

from zoo.layers import stacked_rnn
from zoo.models.token_batches import padded_tokens, vocab_size_of
from zoo.registry import register_model
from zoo.training import default_optimizer


def _example_batch(model, batch_size, seed):
    tokens, _ = padded_tokens(vocab_size_of(model), batch_size, seed)
    labels = np.random.default_rng(seed + 1).integers(0, model.output_shape[-1], size=batch_size)
    return tokens, labels.astype(np.int32)


@register_model("sequence_classifier", example_batch=_example_batch)
def sequence_classifier(
    vocab_size=50,
    num_classes=3,
    embedding_dim=16,
    cell="lstm",
    units=16,
    depth=1,
    bidirectional=False,
    dropout=0.0,
    learning_rate=1e-3,
    clipnorm=1.0,
):
    """Token ids (0 = padding) → embedding → stacked RNN → class logits.

    Args:
        vocab_size: int, default 50. Token ids lie in [0, vocab_size); 0 is padding (masked).
        num_classes: int, default 3.
        embedding_dim: int, default 16.
        cell: str, default "lstm". A `zoo.cells.make_cell` name.
        units, depth, bidirectional, dropout: the stacked RNN (see `zoo.layers.stacked_rnn`).
        learning_rate, clipnorm: the optimizer (see `zoo.training.default_optimizer`).

    Returns:
        A compiled `keras.Model`: int32 tokens (batch, time) → logits (batch, num_classes).
    """
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    embedded = keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True, name="embedding")(tokens)
    encoded = stacked_rnn(cell, units, depth, bidirectional=bidirectional, dropout=dropout, name="encoder")(embedded)
    logits = keras.layers.Dense(num_classes, name="logits")(encoded)
    model = keras.Model(tokens, logits, name="sequence_classifier")
    model.compile(
        optimizer=default_optimizer(learning_rate, clipnorm),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model
