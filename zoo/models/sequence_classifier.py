"""Many-to-one: a sequence in (token ids, or vectors such as an image's pixel rows), one class out."""

import keras
import numpy as np

from zoo.layers import deep_mlp, stacked_rnn
from zoo.models.token_models import compile_for_labels, example_labels, token_encoder
from zoo.registry import register_model


def _example_batch(model, batch_size, seed):
    if model.inputs[0].dtype == "int32":
        return example_labels(model, batch_size, seed, per_token=False)
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(batch_size, 5, model.inputs[0].shape[-1])).astype(np.float32)
    return vectors, rng.integers(0, model.output_shape[-1], size=batch_size).astype(np.int32)


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
    input_features=0,
    clipping="global_norm",
    input_layers=0,
    transition_depth=1,
    output_layers=0,
    cell_options=None,
):
    """Token ids (0 = padding) → embedding → stacked RNN → class logits; or, with `input_features`,
    a sequence of vectors (e.g. the pixel rows of an image, one row per step) → stacked RNN → logits.

    Args:
        vocab_size: int, default 50. Token ids lie in [0, vocab_size); 0 is padding (masked).
        num_classes: int, default 3.
        embedding_dim: int, default 16.
        cell: str, default "lstm". A `zoo.cells.make_cell` name.
        units, depth, bidirectional, dropout: the stacked RNN (see `zoo.layers.stacked_rnn`).
        learning_rate, clipnorm, clipping: the optimizer and its gradient clipping (see
            `zoo.training.default_optimizer`).
        input_layers, transition_depth, output_layers, cell_options: the deep RNN (Pascanu et al., 2014): MLPs
            before and after the recurrence (`zoo.layers.deep_mlp`), layers inside each transition
            (`zoo.cells.DeepTransitionCell`), and options of every cell (`variant`, `peephole`, `shortcut`, ...).
        input_features: int, default 0 (token ids). Above 0: the width of each step's vector; the
            model then reads float32 "vectors" (batch, time, input_features), no embedding.

    Returns:
        A compiled `keras.Model`: int32 "tokens" (batch, time), or float32 "vectors" → logits
        (batch, num_classes).
    """
    if input_features:
        inputs = keras.Input((None, input_features), name="vectors")
        encoded = stacked_rnn(cell, units, depth, bidirectional=bidirectional, return_sequences=False,
                              dropout=dropout, name="encoder", transition_depth=transition_depth,
                              **(cell_options or {}))(deep_mlp(input_layers, units, "deep_input")(inputs))
    else:
        inputs, encoded = token_encoder(
            vocab_size, embedding_dim, cell, units, depth, bidirectional, dropout, return_sequences=False,
            input_layers=input_layers, transition_depth=transition_depth, cell_options=cell_options,
        )
    logits = keras.layers.Dense(num_classes, dtype="float32", name="logits")(deep_mlp(output_layers, units, "deep_output")(encoded))
    model = keras.Model(inputs, logits, name="sequence_classifier")
    return compile_for_labels(model, learning_rate, clipnorm, clipping)
