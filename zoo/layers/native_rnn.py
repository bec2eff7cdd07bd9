"""A plain LSTM, GRU or (tanh) simple RNN through zoo's fused CPU kernels (`zoo.native`).

`Recurrent` takes it under implementation="auto" when the cell computes in float32 or bfloat16 (a
mixed_bfloat16 policy: bfloat16 products summed in float32, gates and states float32, as zoo's cells
under that policy), the call is not traced for XLA or for export, and the kernel could be built:

- inference: the whole call (`run_native`); a tape around it still gets exact gradients (its backward
  runs the TensorFlow loop again);
- training: both halves of the hand-made loop gradient of `zoo.layers.recurrent_gradient`
  (`native_training_forward`, `native_training_backward`; no recurrent dropout): the forward pass keeps each
  step's U h_{t-1} + b' and states, the backward pass goes back through the steps from them; the weights'
  gradients stay one TensorFlow matmul each.

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


def native_training_forward(cell, mask, return_sequences):
    """The `forward` of `zoo.layers.recurrent_gradient.run_steps_with_gradient` through the kernel: from the
    projected sequence (time-major) it returns the loop's results and what the backward loop reads (each step's
    U h_{t-1} + b', the states before each step, and with a mask the last output before each step).

    Args:
        cell: a cell `native_compatible` accepts.
        mask: bool (time, batch) in processing order, or None.
        return_sequences: bool.
    """
    kind = native_cell_kind(cell)
    lstm = kind == "lstm"

    def forward(projected, kernel, biases, initial_states):
        time_steps, batch, width = projected.shape
        units = cell.units
        h0 = tf.cast(initial_states[0], tf.float32)
        with tf.device("/CPU:0"):
            outputs, last_output, h, c, products, h_before, c_before = rnn_forward_op()(
                x=tf.cast(projected, tf.float32), h0=h0, c0=tf.cast(initial_states[1], tf.float32) if lstm else h0,
                kernel=tf.zeros([0, 0]), bias=tf.zeros([0]), recurrent_kernel=tf.cast(kernel, tf.float32),
                recurrent_bias=tf.cast(biases[0], tf.float32) if biases else tf.zeros([width]),
                mask=tf.zeros([0], tf.bool) if mask is None else tf.transpose(tf.cast(mask, tf.bool)),
                cell=kind, return_sequences=return_sequences,
                bfloat16_products=kernel.dtype == tf.bfloat16, training=True)
        sequence = [time_steps, batch, units]
        previous_states = [tf.ensure_shape(h_before, sequence)] + ([tf.ensure_shape(c_before, sequence)] if lstm else [])
        previous_last = None
        if mask is not None:  # the last output before step t: h_{t-1} once a step was valid, zeros before
            seen_before = tf.cumsum(tf.cast(mask, tf.int32), axis=0, exclusive=True) > 0
            previous_last = tf.where(seen_before[..., None], previous_states[0], tf.zeros_like(previous_states[0]))
        final_states = [tf.ensure_shape(h, [batch, units])] + ([tf.ensure_shape(c, [batch, units])] if lstm else [])
        return (tf.ensure_shape(last_output, [batch, units]), final_states,
                tf.ensure_shape(products, [time_steps, batch, width]), previous_states, previous_last,
                tf.ensure_shape(outputs, sequence) if return_sequences else None)

    return forward


def native_training_backward(cell, mask):
    """The `backward` of `zoo.layers.recurrent_gradient.run_steps_with_gradient` through the kernel
    (`ZooRnnBackward`): from what `native_training_forward` kept and the upstream gradients, the gradients of the
    projected sequence, of each step's product and of the initial states (all time-major).

    Args:
        cell: a cell `native_compatible` accepts.
        mask: bool (time, batch) in processing order, or None.
    """
    kind = native_cell_kind(cell)
    lstm = kind == "lstm"

    def backward(projected, kernel, products, previous_states, d_outputs, d_last, d_final_states):
        time_steps, batch, width = projected.shape
        with tf.device("/CPU:0"):
            d_projected, d_products, d_h0, d_c0 = rnn_backward_op()(
                projected=tf.cast(projected, tf.float32), products=products, h_before=previous_states[0],
                c_before=previous_states[1] if lstm else tf.zeros([0]),
                recurrent_kernel=tf.cast(kernel, tf.float32),
                mask=tf.zeros([0], tf.bool) if mask is None else tf.transpose(tf.cast(mask, tf.bool)),
                d_outputs=tf.zeros([0]) if d_outputs is None else tf.cast(d_outputs, tf.float32),
                d_last=tf.cast(d_last, tf.float32), d_h=tf.cast(d_final_states[0], tf.float32),
                d_c=tf.cast(d_final_states[1], tf.float32) if lstm else tf.zeros_like(d_last, tf.float32),
                cell=kind, bfloat16_products=cell.compute_dtype == "bfloat16")
        sequence = [time_steps, batch, width]
        d_projected = tf.cast(tf.ensure_shape(d_projected, sequence), projected.dtype)
        if kind == "gru":  # its candidate's product has a gradient of its own
            d_products = tf.cast(tf.ensure_shape(d_products, sequence), projected.dtype)
        else:
            d_products = d_projected
        d_states = [d_h0] + ([d_c0] if lstm else [])
        d_states = [tf.cast(tf.ensure_shape(d, [batch, cell.units]), state.dtype)
                    for d, state in zip(d_states, previous_states)]
        return d_projected, d_products, d_states

    return backward


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
            mask=tf.zeros([0], tf.bool) if mask is None else tf.cast(mask, tf.bool),
            cell=kind, return_sequences=return_sequences, go_backwards=go_backwards,
            bfloat16_products=cell.compute_dtype == "bfloat16")
    return last_output, outputs if return_sequences else None, [h, c] if lstm else [h]


def _or_zeros(bias, width):
    return tf.zeros([width]) if bias is None else bias


def _float32(weight):
    """A weight's value in float32 (under a mixed policy Keras may hand a variable's value over in bfloat16)."""
    return tf.cast(tf.convert_to_tensor(weight), tf.float32)
