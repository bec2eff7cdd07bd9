"""The long-memory lab's experiments: which lengths each cell learns, the gradient reaching each step,
and a simple RNN trained with and without gradient clipping."""

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


def clipping_curves(config):
    """Per-step training loss of a simple RNN (recurrent kernel × `clipping_gain`, plain SGD) on the
    adding problem, without and with clipping to `clipnorm`: `{"no clipping": [...], "clipnorm=...": [...]}`
    (a non-finite loss ends a curve), and each curve's largest gradient norm."""
    rng = np.random.default_rng(config.seed)
    inputs, targets = adding_problem(config.batch_size * config.clipping_steps, config.clipping_length, rng)
    curves = {}
    for clipnorm in (None, config.clip_threshold):
        keras.utils.set_random_seed(config.seed)
        model = create_model("memory_probe", task="adding", cell="simple_rnn", units=config.units)
        kernel = model.get_layer("rnn").cell.recurrent_kernel
        kernel.assign(kernel * config.clipping_gain)
        optimizer = keras.optimizers.SGD(config.clipping_learning_rate, global_clipnorm=clipnorm)

        @tf.function
        def step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
            gradients = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(gradients, model.trainable_variables))
            return loss, tf.linalg.global_norm(gradients)

        losses, largest = [], 0.0
        for index in range(config.clipping_steps):
            batch = slice(index * config.batch_size, (index + 1) * config.batch_size)
            loss, norm = (float(v) for v in step(inputs[batch], targets[batch]))
            if not np.isfinite(loss):
                break
            losses.append(loss)
            largest = max(largest, norm)
        name = "no clipping" if clipnorm is None else f"clipnorm={clipnorm:g}"
        curves[name] = {"losses": losses, "largest_gradient_norm": largest}
    return curves
