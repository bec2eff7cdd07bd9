"""cuDNN's fused LSTM and GRU kernels under `zoo.layers.Recurrent(implementation="cudnn")`, with a CPU fallback.

cuDNN runs a whole plain LSTM or GRU (reset_after) sequence in one kernel on a GPU. The runner calls it through
a `tf.function` marked `api_implements=<name>, api_preferred_device=GPU` and registers, under the same name, a
function preferring the CPU that computes the same thing with zoo's own cell and loop. TensorFlow's grappler
(its implementation selector) keeps the cuDNN function where the call is placed on a GPU and swaps in the
CPU one elsewhere: a graph traced, or a SavedModel exported, with the cuDNN path still runs on a CPU-only
machine. Training through cuDNN needs the GPU itself (its backward pass has no CPU kernel). Called eagerly,
the runner picks the function for the device it sees.

Both functions take the weights as arguments, not as captured variables, so that their signatures match:
(inputs time-major, h0[, c0], W, U, b_input[, b_recurrent], sequence lengths).
"""

import uuid

import tensorflow as tf

from zoo.layers.fused_compatibility import plain_lstm_or_gru
from zoo.layers.time_loop import run_steps


def cudnn_compatible(cell):
    """Whether cuDNN computes exactly `cell`: a plain LSTM or GRU (`plain_lstm_or_gru`) with no recurrent dropout."""
    return (plain_lstm_or_gru(cell) and cell.recurrent_dropout == 0
            and cell.compute_dtype in ("float32", "float16", "bfloat16"))


def gpu_available():
    return bool(tf.config.list_logical_devices("GPU"))


def _cudnn_params(kernel, recurrent_kernel, input_bias, recurrent_bias, gates):
    """cuDNN's flat parameter buffer: each gate's W and U transposed, then the input and recurrent biases.
    cuDNN orders GRU gates r, z, h where Keras (and zoo) store z, r, h."""
    order = [1, 0, 2] if gates == 3 else [0, 1, 2, 3]

    def blocks(tensor, axis):
        parts = tf.split(tensor, gates, axis=axis)
        return [parts[i] for i in order]

    weights = blocks(kernel, 1) + blocks(recurrent_kernel, 1)
    biases = blocks(input_bias, 0) + blocks(recurrent_bias, 0)
    return tf.concat([tf.reshape(tf.transpose(weight), [-1]) for weight in weights] + biases, axis=0)


def _run_cudnn(gates, training):
    def cudnn(inputs, lengths, kernel, recurrent_kernel, input_bias, recurrent_bias, h0, c0=None):
        params = _cudnn_params(kernel, recurrent_kernel, input_bias, recurrent_bias, gates)
        outputs, h, c, _, _ = tf.raw_ops.CudnnRNNV3(
            input=inputs, input_h=h0[None], input_c=(c0 if c0 is not None else tf.zeros_like(h0))[None],
            params=params, is_training=training, rnn_mode="lstm" if gates == 4 else "gru",
            sequence_lengths=lengths, time_major=True)  # fmt: skip
        return (outputs, h[0], c[0]) if c0 is not None else (outputs, h[0])

    return cudnn


def _run_zoo(cell):
    def zoo_loop(inputs, lengths, kernel, recurrent_kernel, input_bias, recurrent_bias, h0, c0=None):
        mask = tf.transpose(tf.sequence_mask(lengths, tf.shape(inputs)[0]))
        state_dtype = cell.state_dtype
        input_bias, recurrent_bias = tf.cast(input_bias, state_dtype), tf.cast(recurrent_bias, state_dtype)

        def step(x_t, states):
            recurrent = cell.matmul(states[0], recurrent_kernel) + recurrent_bias
            return cell.step(cell.matmul(x_t, kernel) + input_bias, states, recurrent=recurrent)

        states = [tf.cast(state, state_dtype) for state in ([h0] if c0 is None else [h0, c0])]
        _, outputs, final_states = run_steps(step, inputs, states, cell.units, mask=mask, output_dtype=state_dtype)
        return (tf.cast(outputs, h0.dtype), *[tf.cast(state, h0.dtype) for state in final_states])

    return zoo_loop


def run_cudnn(cell, inputs, states, mask, training):
    """Runs `cell` over time-major `inputs` (time, batch, features) with cuDNN where placed on a GPU, zoo's own
    loop elsewhere (see the module docstring).

    Args:
        cell: a `cudnn_compatible` cell.
        inputs: (time, batch, features) tensor, in the compute dtype.
        states: the initial states ([h] or [h, C]), in the states' dtype.
        mask: optional bool (time, batch), right-padded (each sequence's valid steps first).
        training: bool.

    Returns:
        `(last_output, outputs (time, batch, units), final_states)`, as `zoo.layers.time_loop.run_steps`.
    """
    time_steps, batch = tf.shape(inputs)[0], tf.shape(inputs)[1]
    if mask is None:
        lengths = tf.fill([batch], time_steps)
    else:
        lengths = tf.reduce_sum(tf.cast(mask, tf.int32), axis=0)
        right_padded = tf.reduce_all(tf.equal(tf.transpose(tf.sequence_mask(lengths, time_steps)), mask))
        tf.debugging.Assert(right_padded, ["implementation='cudnn' needs right-padded masks (valid steps first)"])
    gates = cell.gate_count
    dtype = cell.compute_dtype
    bias = tf.cast(tf.convert_to_tensor(cell.bias), dtype)
    input_bias, recurrent_bias = (bias[0], bias[1]) if gates == 3 else (bias, tf.zeros_like(bias))
    arguments = [tf.cast(inputs, dtype), lengths, tf.cast(tf.convert_to_tensor(cell.kernel), dtype),
                 tf.cast(tf.convert_to_tensor(cell.recurrent_kernel), dtype), input_bias, recurrent_bias,
                 *[tf.cast(state, dtype) for state in states]]  # fmt: skip
    name = f"zoo_{type(cell).__name__}_{uuid.uuid4().hex}"
    cpu = tf.function(_run_zoo(cell), autograph=False,
                      experimental_attributes={"api_implements": name, "api_preferred_device": "CPU"})
    gpu = tf.function(_run_cudnn(gates, bool(training)), autograph=False,
                      experimental_attributes={"api_implements": name, "api_preferred_device": "GPU"})
    if tf.executing_eagerly():  # no graph for grappler to rewrite: the device is known now
        outputs, *final_states = (gpu if gpu_available() else cpu)(*arguments)
    else:
        cpu.get_concrete_function(*arguments).add_to_graph()
        outputs, *final_states = gpu(*arguments)
    final_states = [tf.cast(state, cell.state_dtype) for state in final_states]
    return tf.cast(final_states[0], outputs.dtype), outputs, final_states
