"""The models of the long-memory tasks: one recurrent layer that must carry information across time."""

import keras
import numpy as np

from zoo import checks
from zoo.cells import make_cell
from zoo.data.long_memory import adding_problem, copy_task
from zoo.layers import Recurrent, deep_mlp
from zoo.registry import register_model
from zoo.training import default_optimizer

TASKS = ("adding", "copy")


def _example_batch(model, batch_size, seed):
    rng = np.random.default_rng(seed)
    if model.name == "memory_probe_copy":
        inputs, targets = copy_task(batch_size, 4, rng, alphabet=model.output_shape[-1] - 2)
        return inputs, targets
    return adding_problem(batch_size, 6, rng)


@register_model("memory_probe", example_batch=_example_batch)
def memory_probe(task="adding", cell="lstm", units=16, alphabet=8, learning_rate=3e-3, clipnorm=1.0,
                 clipping="global_norm", input_layers=0, transition_depth=1, output_layers=0, cell_options=None):
    """One recurrent layer on a long-memory task (see `zoo.data.long_memory`).

    - "adding": (batch, time, 2) value and marker channels → the last state → one number (MSE).
    - "copy": token ids (batch, time) → one-hot → every step's state → logits over blank,
      delimiter and `alphabet` symbols (cross-entropy; accuracy).

    Args:
        task: "adding" (default) or "copy".
        cell: str, default "lstm". A `zoo.cells.make_cell` name.
        units: int, default 16.
        alphabet: int, default 8. The copy task's symbols.
        learning_rate, clipnorm, clipping: Adam's, and its gradient clipping (see
            `zoo.training.default_optimizer`; clipnorm None: no clipping).
        input_layers, transition_depth, output_layers, cell_options: the deep RNN (Pascanu et al., 2014): MLPs
            before and after the recurrence (`zoo.layers.deep_mlp`), layers inside each transition
            (`zoo.cells.DeepTransitionCell`), and options of every cell (`variant`, `peephole`, `shortcut`, ...).

    Returns:
        A compiled `keras.Model` named `memory_probe_<task>`.
    """
    checks.one_of("task", task, TASKS)
    rnn = Recurrent(make_cell(cell, units, transition_depth=transition_depth, **(cell_options or {})),
                    return_sequences=task == "copy", name="rnn")
    deep_input, deep_output = deep_mlp(input_layers, units, "deep_input"), deep_mlp(output_layers, units, "deep_output")
    optimizer = default_optimizer(learning_rate, clipnorm, clipping)
    if task == "adding":
        inputs = keras.Input((None, 2), name="values_and_markers")
        outputs = keras.layers.Dense(1, dtype="float32", name="sum")(deep_output(rnn(deep_input(inputs))))
        outputs = keras.layers.Reshape((), dtype="float32", name="predicted_sum")(outputs)
        model = keras.Model(inputs, outputs, name="memory_probe_adding")
        model.compile(optimizer=optimizer, loss="mse")
        return model
    inputs = keras.Input((None,), dtype="int32", name="tokens")
    one_hot = keras.layers.Embedding(alphabet + 2, alphabet + 2, embeddings_initializer="identity", trainable=False,
                                     name="one_hot")(inputs)  # fmt: skip
    logits = keras.layers.Dense(alphabet + 2, dtype="float32", name="logits")(deep_output(rnn(deep_input(one_hot))))
    model = keras.Model(inputs, logits, name="memory_probe_copy")
    model.compile(optimizer=optimizer,
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model
