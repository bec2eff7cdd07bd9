"""The long-memory lab's experiments: which lengths each cell learns and the gradient reaching each step
(the studies of LSTM's parts, deep RNNs and clipping are in `zoo.long_memory.studies`)."""

import time

import keras
import numpy as np
import tensorflow as tf
from sklearn import metrics as sklearn_metrics

from zoo.cells import make_cell
from zoo.config import optimizer_options
from zoo.data.long_memory import ADDING_BASELINE_MSE, adding_problem, copy_task
from zoo.registry import create_model


def task_data(task, count, length, config, rng):
    if task == "adding":
        return adding_problem(count, length, rng)
    return copy_task(count, length, rng, symbols=config.copy_symbols, alphabet=config.copy_alphabet)


def task_score(task, model, inputs, targets, config):
    """`(metric, learned)`: adding — test MSE (scikit-learn), learned below `adding_threshold` of the
    always-1.0 baseline's 1/6; copy — accuracy on the copied symbols, learned at `copy_threshold`."""
    predictions = model.predict(inputs, batch_size=500, verbose=0)
    if task == "adding":
        mse = float(sklearn_metrics.mean_squared_error(targets, predictions))
        return mse, mse < config.adding_threshold * ADDING_BASELINE_MSE
    copied = slice(-config.copy_symbols, None)
    guesses = np.asarray(predictions)[:, copied].argmax(-1)
    accuracy = float(sklearn_metrics.accuracy_score(targets[:, copied].ravel(), guesses.ravel()))
    return accuracy, accuracy >= config.copy_threshold


def run_one(task, cell, length, config):
    """Trains `cell` on `task` at `length` for `config.seconds_per_run` (whole epochs; at least one) and
    scores it on fresh test data: `(result row, trained model)`."""
    rng = np.random.default_rng([config.seed, length, 0 if task == "adding" else 1])
    inputs, targets = task_data(task, config.train_examples, length, config, rng)
    test_inputs, test_targets = task_data(task, config.test_examples, length, config, rng)
    keras.utils.set_random_seed(config.seed)
    model = create_model("memory_probe", task=task, cell=cell, units=config.units, alphabet=config.copy_alphabet,
                         **optimizer_options(config))  # fmt: skip
    start, epochs = time.monotonic(), 0
    while epochs == 0 or time.monotonic() - start < config.seconds_per_run:
        model.fit(inputs, targets, batch_size=config.batch_size, epochs=1, verbose=0)
        epochs += 1
    metric, learned = task_score(task, model, test_inputs, test_targets, config)
    row = dict(task=task, cell=cell, length=int(length), metric=metric, learned=bool(learned), epochs=epochs,
               seconds=round(time.monotonic() - start, 1))  # fmt: skip
    return row, model


def gradient_norms(cell, readout, config):
    """‖∂L/∂s_t‖ (mean over a batch; s_t every state of the cell: h, and C for an LSTM) for every step t
    of `cell` on the adding problem at `gradient_length`, L the squared error of `readout` (a Dense
    layer) applied to the last output: how much of the error reaches each step."""
    inputs, targets = adding_problem(64, config.gradient_length, np.random.default_rng(config.seed))
    projected = cell.project_inputs(tf.constant(inputs))
    states = cell.get_initial_state(len(inputs))
    history = []
    with tf.GradientTape() as tape:
        for t in range(config.gradient_length):
            output, states = cell.step(projected[:, t], states)
            tape.watch(states)
            history.append(states)
        loss = tf.reduce_mean(tf.square(readout(output)[:, 0] - targets))
    gradients = tape.gradient(loss, history)
    return [float(tf.reduce_mean(tf.norm(tf.concat(step, axis=-1), axis=-1))) for step in gradients]


def untrained_gradient_norms(cell_name, config):
    """`gradient_norms` of a freshly initialized `cell_name` layer and read-out."""
    keras.utils.set_random_seed(config.seed)
    cell = make_cell(cell_name, config.units)
    cell.build((None, 2))
    readout = keras.layers.Dense(1)
    readout.build((None, config.units))
    return gradient_norms(cell, readout, config)


def trained_gradient_norms(model, config):
    """`gradient_norms` of a trained adding-problem `memory_probe`."""
    return gradient_norms(model.get_layer("rnn").cell, model.get_layer("sum"), config)
