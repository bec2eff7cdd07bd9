"""A plain LSTM, GRU or (tanh) simple RNN through zoo's fused CPU kernels (`zoo.native`).

`Recurrent` takes it under implementation="auto" when the cell computes in float32 or bfloat16 (a
mixed_bfloat16 policy: bfloat16 products summed in float32, gates and states float32, as zoo's cells
under that policy), the call is not traced for XLA or for export, and the kernel could be built:

- inference: the whole call (`run_native`); a tape around it still gets exact gradients (its backward
  runs the TensorFlow loop again);
- training: both halves of the hand-made loop gradient of `zoo.layers.recurrent_gradient`
  (`run_native_training`; no recurrent dropout): the forward pass keeps each step's pre-activations and states,
  the backward pass goes back through the steps from them; the weight matrices' gradients are one TensorFlow
  matmul after it.

Everything else runs the `tf.while_loop` over the cell's `step`, which stays the definition the kernels are
tested against (`tests/layers/test_native_forward.py`, `test_native_backward.py`).

Exports never contain the kernel: a SavedModel or TFLite file must load where zoo is not installed.
Tracing by `tf.saved_model.save` (every zoo export, and Keras' `model.export`, goes through it) is detected;
a graph you trace yourself to run elsewhere should be traced inside `portable_graphs()`.
"""

import contextlib
import contextvars

import tensorflow as tf

from zoo._internals import in_save_context, in_xla_context
from zoo.layers.cudnn import gpu_available
from zoo.layers.fused_compatibility import native_cell_kind
from zoo.native import rnn_backward_op, rnn_forward_op

_portable = contextvars.ContextVar("zoo_portable_graphs", default=False)


@contextlib.contextmanager
def portable_graphs():
    """Within this block `Recurrent` traces TensorFlow's own ops only (no zoo kernel), for graphs that
    leave the process: SavedModels, TFLite conversions, graphs for other machines."""
    token = _portable.set(True)
    try:
        yield
    finally:
        _portable.reset(token)


def native_compatible(cell):
    """Whether the kernels compute exactly `cell` (`native_cell_kind`: a plain LSTM or GRU, a tanh simple RNN), in
    float32 or bfloat16. Dropout needs no check here: it is inactive in inference (`native_trainable` checks it)."""
    return native_cell_kind(cell) is not None and cell.compute_dtype in ("float32", "bfloat16")


def native_usable(cell, unroll):
    """Whether this call may run the kernel: a compatible cell, a loop, no GPU (where TensorFlow sees one, cuDNN or
    the loop on the GPU is the better place), a graph that stays in this process, and the kernel built."""
    return (native_compatible(cell) and not unroll and not gpu_available() and not _portable.get()
            and not in_save_context() and not in_xla_context() and rnn_forward_op() is not None)


def native_trainable(cell, unroll):
    """Whether a training call may run both halves of zoo's loop gradient through the kernels: a compatible cell
    without recurrent dropout, under the same conditions as inference."""
    return native_usable(cell, unroll) and cell.recurrent_dropout == 0


def run_native_training(cell, inputs, states, mask, go_backwards, return_sequences):
    """`(last_output, outputs, final_states)` of a training call through both kernels, differentiable: the forward
    kernel keeps each step's pre-activations and states, the backward kernel goes back through the steps from them
    (the backward half of zoo's loop gradient, `zoo.layers.recurrent_gradient`) and sums the biases' gradients on
    the way; the weight matrices' gradients are one matmul after it: [dW; dU] = Σ_t [x_t, h_{t-1}]ᵀ g_t for the
    LSTM and the simple RNN (the forward kernel keeps x_t beside h_{t-1}), dW and dU apart for the GRU (its
    candidate's product has a gradient of its own).

    The outputs and their gradients stay batch-major, as the layer takes and returns them; what the kernels keep
    between the passes is time-major (a step's rows side by side), so the inputs go in transposed and their
    gradient comes out transposed back: (batch, time, features) both, narrower than anything else in the step.

    Args:
        cell: a cell `native_trainable` accepts.
        inputs: (batch, time, features), after the cell's input dropout.
        states: the initial states, [h0] or [h0, c0].
        mask: bool (batch, time), or None.
        go_backwards: bool. Process the steps last to first; outputs come in processing order (as Keras).
        return_sequences: bool.
    """
    kind = native_cell_kind(cell)
    lstm, merged = kind == "lstm", kind != "gru"
    batch, time_steps, features = inputs.shape
    units = cell.units
    bfloat16 = cell.compute_dtype == "bfloat16"
    mask = tf.zeros([0], tf.bool) if mask is None else tf.cast(mask, tf.bool)
    input_kernel, kernel = (tf.cast(tf.convert_to_tensor(weight), cell.compute_dtype)
                            for weight in (cell.kernel, cell.recurrent_kernel))
    width = kernel.shape[-1]
    biases = [cell.input_bias(), cell.recurrent_bias]
    present = [bias is not None for bias in biases]
    given = [tf.convert_to_tensor(bias) for bias in biases if bias is not None]

    def times(values, matrix, **options):
        """values · matrix of two (..., n) tensors flattened to rows, in the weights' compute dtype."""
        rows = [tf.cast(tf.reshape(value, [-1, tf.shape(value)[-1]]), kernel.dtype) for value in (values, matrix)]
        return tf.matmul(*rows, **options)

    @tf.custom_gradient
    def run(inputs, input_kernel, kernel, *biases_and_states):
        given, initial_states = biases_and_states[: sum(present)], biases_and_states[sum(present):]
        values = iter(given)
        bias, recurrent_bias = (_float32(next(values)) if there else tf.zeros([width]) for there in present)
        steps = tf.transpose(inputs, [1, 0, 2])  # time-major
        steps_shape = tf.shape(steps)  # what the gradient needs of them (the LSTM's and simple RNN's: nothing else)
        projected = tf.reshape(tf.cast(times(steps, input_kernel), tf.float32), [steps_shape[0], -1, width])
        h0 = tf.cast(initial_states[0], tf.float32)
        recurrent_kernel = tf.cast(kernel, tf.float32)
        with tf.device("/CPU:0"):
            outputs, last_output, h, c, products, h_before, c_before = rnn_forward_op()(
                x=projected, h0=h0, c0=tf.cast(initial_states[1], tf.float32) if lstm else h0,
                kernel=tf.zeros([0, 0]), bias=bias, recurrent_kernel=recurrent_kernel, recurrent_bias=recurrent_bias,
                mask=mask, kept_inputs=tf.cast(steps, tf.float32) if merged else tf.zeros([0]),
                cell=kind, return_sequences=return_sequences, go_backwards=go_backwards,
                bfloat16_products=bfloat16, training=True)
        final_states = [h, c] if lstm else [h]

        def gradient(*upstream):
            upstream = list(upstream)
            d_outputs = upstream.pop(0) if return_sequences else None
            d_last, d_final = upstream[0], upstream[1:]
            d_last = tf.zeros_like(last_output) if d_last is None else d_last
            d_final = [tf.zeros_like(state) if d is None else d for d, state in zip(d_final, final_states)]
            with tf.device("/CPU:0"):
                d_projected, d_products, d_h0, d_c0, d_bias, d_recurrent_bias = rnn_backward_op()(
                    projected=tf.zeros([0]) if merged else projected, products=products,
                    h_before=tf.zeros([0]) if merged else h_before,
                    c_before=c_before, recurrent_kernel=recurrent_kernel, bias=bias, mask=mask,
                    d_outputs=tf.zeros([0]) if d_outputs is None else tf.cast(d_outputs, tf.float32),
                    d_last=tf.cast(d_last, tf.float32), d_h=tf.cast(d_final[0], tf.float32),
                    d_c=tf.cast(d_final[1], tf.float32) if lstm else tf.zeros_like(d_last, tf.float32),
                    cell=kind, bfloat16_products=bfloat16, go_backwards=go_backwards)
            if merged:  # z = x W + b + U h_{t-1}: one gradient g for both products, [dW; dU] = [x, h]ᵀ g
                d_weights = times(h_before, d_projected, transpose_a=True)
                d_input_kernel, d_kernel = d_weights[:features], d_weights[features:]
            else:
                d_input_kernel = times(steps, d_projected, transpose_a=True)
                d_kernel = times(h_before, d_products, transpose_a=True)
            d_steps = tf.reshape(times(d_projected, input_kernel, transpose_b=True), steps_shape)
            d_inputs = tf.transpose(d_steps, [1, 0, 2])
            sums = [d for d, there in zip([d_bias, d_recurrent_bias], present) if there]
            d_biases = [tf.cast(d, value.dtype) for d, value in zip(sums, given)]
            d_states = [tf.cast(d, state.dtype) for d, state in zip([d_h0, d_c0], initial_states)]
            return [tf.cast(d_inputs, inputs.dtype), d_input_kernel, d_kernel, *d_biases, *d_states]

        results = ([outputs] if return_sequences else []) + [last_output, *final_states]
        return results, gradient

    results = list(run(inputs, input_kernel, kernel, *given, *states))
    outputs = tf.ensure_shape(results.pop(0), [batch, time_steps, units]) if return_sequences else None
    last_output, final_states = results[0], results[1:]
    return (tf.ensure_shape(last_output, [batch, units]), outputs,
            [tf.ensure_shape(state, [batch, units]) for state in final_states])


def run_native(cell, inputs, states, mask, go_backwards, return_sequences, loop):
    """`(last_output, outputs, final_states)` of `cell` over `inputs` (batch, time, features) through the kernel;
    `outputs` batch-major (None without `return_sequences`), `mask` (batch, time) or None.

    The kernel has no derivative of its own: differentiated (a tape around a call with training=False), the
    result's gradient is that of `loop(inputs, states)`, the same computation in TensorFlow ops, run again.
    """
    lstm = native_cell_kind(cell) == "lstm"
    state_count = len(states)

    @tf.custom_gradient
    def forward(inputs, *states):
        result = _kernel(cell, inputs, states, mask, go_backwards, return_sequences)

        def backward(*upstream, variables=None):
            with tf.GradientTape() as tape:
                tape.watch([inputs, *states])
                again = _flat(*loop(inputs, list(states)))
            gradients = tape.gradient(again, [inputs, *states, *(variables or [])], output_gradients=list(upstream))
            return gradients[: 1 + state_count], gradients[1 + state_count:]

        return _flat(*result), backward

    flat = forward(inputs, *states)
    last_output, rest = flat[0], flat[1:]
    outputs, final_states = (rest[0], rest[1:]) if return_sequences else (None, rest)
    batch, units = inputs.shape[0], cell.units
    final_states = [tf.ensure_shape(state, [batch, units]) for state in final_states[: 2 if lstm else 1]]
    if return_sequences:
        outputs = tf.ensure_shape(outputs, [batch, inputs.shape[1], units])
    return tf.ensure_shape(last_output, [batch, units]), outputs, final_states


def _flat(last_output, outputs, final_states):
    return [last_output, *([] if outputs is None else [outputs]), *final_states]


def _kernel(cell, inputs, states, mask, go_backwards, return_sequences):
    kind = native_cell_kind(cell)
    lstm = kind == "lstm"
    h0 = states[0]
    recurrent_bias = cell.recurrent_bias
    width = cell.recurrent_kernel.shape[-1]
    with tf.device("/CPU:0"):
        outputs, last_output, h, c, *_ = rnn_forward_op()(
            x=tf.cast(inputs, tf.float32), h0=tf.cast(h0, tf.float32), c0=tf.cast(states[1] if lstm else h0, tf.float32),
            kernel=_float32(cell.kernel), bias=_float32(_or_zeros(cell.input_bias(), width)),
            recurrent_kernel=_float32(cell.recurrent_kernel),
            recurrent_bias=_float32(_or_zeros(recurrent_bias, width)),
            mask=tf.zeros([0], tf.bool) if mask is None else tf.cast(mask, tf.bool), kept_inputs=tf.zeros([0]),
            cell=kind, return_sequences=return_sequences, go_backwards=go_backwards,
            bfloat16_products=cell.compute_dtype == "bfloat16")
    return last_output, outputs if return_sequences else None, [h, c] if lstm else [h]


def _or_zeros(bias, width):
    return tf.zeros([width]) if bias is None else bias


def _float32(weight):
    """A weight's value in float32 (under a mixed policy Keras may hand a variable's value over in bfloat16)."""
    return tf.cast(tf.convert_to_tensor(weight), tf.float32)
