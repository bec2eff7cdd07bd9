"""Many-to-one: a sequence of tokens in, one class out (e.g. a review → a score)."""

import keras

from zoo.models.token_models import compile_for_labels, example_labels, token_encoder
from zoo.registry import register_model


def _example_batch(model, batch_size, seed):
    return example_labels(model, batch_size, seed, per_token=False)


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
    tokens, encoded = token_encoder(
        vocab_size, embedding_dim, cell, units, depth, bidirectional, dropout, return_sequences=False
    )
    logits = keras.layers.Dense(num_classes, name="logits")(encoded)
    return compile_for_labels(keras.Model(tokens, logits, name="sequence_classifier"), learning_rate, clipnorm)
