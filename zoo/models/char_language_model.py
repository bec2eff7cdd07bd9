"""One-to-many: a character-level language model, the next character's logits at every step.

Two forms share one set of weights (layer names): the training form, whose recurrent layers can be
stateful (truncated BPTT over consecutive windows), and the generator form, which takes the states
as inputs and returns the new ones, so text can be scored and generated a window or a character
at a time with any batch size (and exported that way).
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from zoo.cells import make_cell
from zoo.layers import Recurrent, deep_mlp
from zoo.models.token_models import compile_for_labels
from zoo.registry import register_model


@keras.saving.register_keras_serializable(package="zoo")
class NotPadding(keras.layers.Layer):
    """ids (batch, time) → bool (batch, time): True where the id is not padding (0)."""

    def call(self, ids):
        return ops.not_equal(ids, 0)


def _example_batch(model, batch_size, seed):
    characters = np.random.default_rng(seed).integers(2, model.output_shape[-1], size=(batch_size, 9), dtype=np.int32)
    return characters[:, :-1], characters[:, 1:]


def state_input_names(cell, units, depth):
    """The names of the generator's state inputs, layer by layer (`state_<layer>_<index>`), with their sizes."""
    sizes = make_cell(cell, units).state_sizes
    return [(f"state_{layer}_{index}", size) for layer in range(depth) for index, size in enumerate(sizes)]


@register_model("char_language_model", example_batch=_example_batch)
def char_language_model(
    vocab_size=40,
    embedding_dim=16,
    cell="lstm",
    units=16,
    depth=1,
    dropout=0.0,
    learning_rate=1e-3,
    clipnorm=1.0,
    batch_size=None,
    stateful=False,
    with_states=False,
    clipping="global_norm",
    input_layers=0,
    transition_depth=1,
    output_layers=0,
    cell_options=None,
):
    """Characters → embedding → `depth` recurrent layers → next-character logits at every step.

    Args:
        vocab_size: int, default 40. Character ids lie in [0, vocab_size); 0 pads (masked in the
            generator form only, where prompts of different lengths share a batch; training windows
            have no padding).
        embedding_dim: int, default 16.
        cell: str, default "lstm". A `zoo.cells.make_cell` name.
        units, depth: int. Hidden size and number of layers.
        dropout: float. Between layers, and before the logits when depth > 1.
        learning_rate, clipnorm, clipping: the optimizer and its gradient clipping (see
            `zoo.training.default_optimizer`).
        input_layers, transition_depth, output_layers, cell_options: the deep RNN (Pascanu et al., 2014): MLPs
            before and after the recurrence (`zoo.layers.deep_mlp`), layers inside each transition
            (`zoo.cells.DeepTransitionCell`), and options of every cell (`variant`, `peephole`, `shortcut`, ...).
        batch_size: int or None. Fixed batch size (needed by `stateful`).
        stateful: bool. Each batch starts from the states the previous batch ended with; reset
            them with `zoo.training.reset_states(model)` (`zoo.training.ResetStates` does it every epoch).
        with_states: bool. The generator form: also takes the states (`state_<layer>_<index>`,
            zeros to start) and returns the final ones (`next_state_<layer>_<index>`).

    Returns:
        A `keras.Model`: int32 "characters" (batch, time) [+ states] → float32 "logits" (batch,
        time, vocab_size) [+ next states]; compiled for integer targets unless `with_states`.

    Example:
        >>> model = char_language_model(vocab_size=100, units=256, batch_size=64, stateful=True)
        >>> model.fit(windows)  # (characters, the characters one step on)
    """
    characters = keras.Input((None,), batch_size=batch_size, dtype="int32", name="characters")
    hidden = keras.layers.Embedding(vocab_size, embedding_dim, name="embedding")(characters)
    hidden = deep_mlp(input_layers, units, "deep_input")(hidden)
    cell_kwargs = dict(transition_depth=transition_depth, **(cell_options or {}))
    # Keras does not hand the embedding's mask to a layer also given `initial_state`: pass it explicitly.
    mask = NotPadding(name="not_padding")(characters) if with_states else None
    state_inputs, next_states = [], []
    for layer_index in range(depth):
        layer = Recurrent(make_cell(cell, units, **cell_kwargs), return_sequences=True, return_state=with_states, stateful=stateful,
                          name=f"recurrent_{layer_index}")  # fmt: skip
        if with_states:
            initial = [keras.Input((size,), batch_size=batch_size, name=f"state_{layer_index}_{index}")
                       for index, size in enumerate(make_cell(cell, units).state_sizes)]  # fmt: skip
            hidden, *states = layer(hidden, initial_state=initial, mask=mask)
            state_inputs += initial
            next_states += [keras.layers.Identity(name=f"next_state_{layer_index}_{index}")(state)
                            for index, state in enumerate(states)]  # fmt: skip
        else:
            hidden = layer(hidden)
        if dropout and depth > 1:
            hidden = keras.layers.Dropout(dropout, name=f"dropout_{layer_index}")(hidden)
    logits = keras.layers.Dense(vocab_size, dtype="float32", name="logits")(deep_mlp(output_layers, units, "deep_output")(hidden))
    if with_states:
        return keras.Model([characters, *state_inputs], [logits, *next_states], name="char_language_model_generator")
    model = keras.Model(characters, logits, name="char_language_model")
    return compile_for_labels(model, learning_rate, clipnorm, clipping)


def generator_from(model, vocab_size, embedding_dim, cell, units, depth, **deep_options):
    """The generator form (states in and out, any batch size) with the weights of `model` (either form);
    `deep_options` are the model's `input_layers`, `transition_depth`, `output_layers` and `cell_options`."""
    generator = char_language_model(vocab_size, embedding_dim, cell, units, depth, with_states=True, **deep_options)
    for layer in generator.layers:
        if layer.weights:
            source = model.get_layer(layer.name)
            layer.set_weights([variable.numpy() for variable in source.trainable_weights])
    return generator


def zero_states(generator, batch_size):
    """The generator form's starting states: zeros for each of its state inputs."""
    return [tf.zeros([batch_size, int(spec.shape[-1])]) for spec in generator.inputs[1:]]
