"""Builds the functions the benchmark times, and times them interleaved."""

import time

import keras
import numpy as np
import tensorflow as tf

from zoo.bench.cases import GATES
from zoo.cells import make_cell
from zoo.layers import Recurrent

KERAS_LAYERS = {"simple_rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


def inputs_for(case, seed=0):
    rng = np.random.default_rng(seed)
    return tf.constant(rng.normal(size=(case.batch, case.time, case.features)).astype("float32"))


def layer_pair(case, inputs, return_sequences=True, implementation="auto"):
    """A zoo `Recurrent` and the Keras built-in for `case`, with the same weights (built under the global dtype
    policy)."""
    zoo_layer = Recurrent(make_cell(case.cell, case.hidden), return_sequences=return_sequences,
                          implementation=implementation)
    keras_layer = KERAS_LAYERS[case.cell](case.hidden, return_sequences=return_sequences)
    keras_layer(inputs[:1])
    zoo_layer(inputs[:1])
    zoo_layer.set_weights(keras_layer.get_weights())
    return zoo_layer, keras_layer


def train_and_infer(layer, inputs, jit_compile=False):
    """`(train_step, inference)`: tf.functions over `layer` (forward + backward + SGD update / forward)."""
    optimizer = keras.optimizers.SGD(1e-3)
    optimizer.build(layer.trainable_variables)

    @tf.function(jit_compile=jit_compile)
    def train_step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.cast(layer(inputs, training=True), tf.float32)))
        gradients = tape.gradient(loss, layer.trainable_variables)
        optimizer.apply_gradients(zip(gradients, layer.trainable_variables))
        return loss

    @tf.function(jit_compile=jit_compile)
    def inference():
        return layer(inputs, training=False)

    return train_step, inference


def many_to_one_step(layer, inputs):
    """What a sequence classifier trains: `layer` (last output only) under a Dense head in a `keras.Model`, Adam,
    one `train_on_batch` (the step `Model.fit` runs)."""
    model = keras.Sequential([keras.Input(inputs.shape[1:]), layer, keras.layers.Dense(1, dtype="float32")])
    model.compile(keras.optimizers.Adam(1e-3), "mse")
    targets = np.zeros((inputs.shape[0], 1), "float32")
    return lambda: model.train_on_batch(inputs, targets)


def step_flops(case):
    """Floating-point operations of one step's two matmuls, x_t W and h_{t-1} U (a multiply-add counts 2)."""
    return 2 * case.batch * (case.features + case.hidden) * GATES[case.cell] * case.hidden


def gemm_throughput(case, count=16):
    """`count` independent (batch × hidden)·(hidden × gates·hidden) matmuls in one graph: the most this CPU and
    TensorFlow's matmul reach on the step's shape when nothing waits on anything. Time it and divide by `count`
    to get one matmul at full throughput."""
    rng = np.random.default_rng(2)
    width = GATES[case.cell] * case.hidden
    states = [tf.constant(rng.normal(size=(case.batch, case.hidden)).astype("float32")) for _ in range(count)]
    kernel = tf.constant(rng.normal(size=(case.hidden, width)).astype("float32"))

    @tf.function
    def independent_matmuls():
        return tf.add_n([tf.matmul(state, kernel) for state in states])

    return independent_matmuls


def matmul_floor(case):
    """T dependent bare matmuls (batch × hidden) · (hidden × gates·hidden) in a tf.while_loop.

    This is the sequential work of one forward pass that no implementation can avoid; a
    training step does about three times as much (the forward and two backward products).
    """
    rng = np.random.default_rng(1)
    width = GATES[case.cell] * case.hidden
    h0 = tf.constant(rng.normal(size=(case.batch, case.hidden)).astype("float32"))
    kernel = tf.constant(rng.normal(scale=case.hidden**-0.5, size=(case.hidden, width)).astype("float32"))

    @tf.function
    def floor():
        def body(t, h):
            return t + 1, tf.matmul(h, kernel)[:, : case.hidden]

        return tf.while_loop(lambda t, _: t < case.time, body, (tf.constant(0), h0))[1]

    return floor


def _finish(result):
    """Waits for a result (TF returns computed tensors; torch may be asynchronous) by reading one element of it.

    Not the whole result: `.numpy()` of an inference call's output sequence copies it (105 MB at 64×1600×256),
    and on this project's machines that copy into freshly mapped memory took up to 590 ms against 12 ms
    (measured around the simple RNN's 1,600-step inference right after a training step), which the bench then
    counted as the layer's time.
    """
    if isinstance(result, tf.Tensor):
        tf.reshape(result, [-1])[:1].numpy()
    elif hasattr(result, "numpy"):  # a torch tensor: a view, no copy
        result.numpy()
    elif hasattr(result, "item"):
        result.item()


def time_interleaved(functions, repeats, warmup=2):
    """Seconds per call of every function: warm-up calls, then `repeats` rounds calling each once.

    Interleaving means a slow spell of a shared machine hits every function alike.

    Returns:
        dict name → list of `repeats` durations in seconds.
    """
    for function in functions.values():
        for _ in range(warmup):
            _finish(function())
    durations = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            _finish(function())
            durations[name].append(time.perf_counter() - start)
    return durations


def median_ms(durations):
    return float(np.median(durations)) * 1000.0
