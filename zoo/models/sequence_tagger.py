"""Synchronized many-to-many: a label for every token (e.g. part-of-speech tagging)."""

import keras

from zoo.layers import deep_mlp
from zoo.models.token_models import compile_for_labels, example_labels, token_encoder
from zoo.registry import register_model


def _example_batch(model, batch_size, seed):
    return example_labels(model, batch_size, seed, per_token=True)


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
    clipping="global_norm",
    input_layers=0,
    transition_depth=1,
    output_layers=0,
    cell_options=None,
):
    """Token ids (0 = padding) → embedding → stacked bidirectional RNN → tag logits per token.

    Padding is masked, so padded positions add nothing to the loss.

    Args:
        vocab_size: int, default 50. Token ids lie in [0, vocab_size); 0 is padding.
        num_tags: int, default 5.
        embedding_dim: int, default 16.
        cell: str, default "lstm". A `zoo.cells.make_cell` name.
        units, depth, bidirectional, dropout: the stacked RNN (see `zoo.layers.stacked_rnn`).
        learning_rate, clipnorm, clipping: the optimizer and its gradient clipping (see
            `zoo.training.default_optimizer`).
        input_layers, transition_depth, output_layers, cell_options: the deep RNN (Pascanu et al., 2014): MLPs
            before and after the recurrence (`zoo.layers.deep_mlp`), layers inside each transition
            (`zoo.cells.DeepTransitionCell`), and options of every cell (`variant`, `peephole`, `shortcut`, ...).

    Returns:
        A compiled `keras.Model`: int32 tokens (batch, time) → logits (batch, time, num_tags).
    """
    tokens, encoded = token_encoder(
        vocab_size, embedding_dim, cell, units, depth, bidirectional, dropout, return_sequences=True,
        input_layers=input_layers, transition_depth=transition_depth, cell_options=cell_options,
    )
    logits = keras.layers.Dense(num_tags, dtype="float32", name="logits")(deep_mlp(output_layers, units, "deep_output")(encoded))
    return compile_for_labels(keras.Model(tokens, logits, name="sequence_tagger"), learning_rate, clipnorm, clipping)
