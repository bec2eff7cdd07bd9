"""The time loop under `zoo.layers.Recurrent`: one cell step per time step, masks applied.

Inputs arrive already projected (W x_t + b for every t, computed with one matmul), time-major
(time, batch, features), so the loop body holds only the recurrent half of the cell.
"""

import tensorflow as tf


def _masked(keep, new, old):
    """`new` where `keep` (batch, 1) is true, else `old`."""
    return tf.where(keep, new, old)


def run_steps(step, projected, initial_states, output_size, mask=None, return_sequences=True, unroll=False):
    """Runs `step(projected_t, states) -> (output, new_states)` over the time axis.

    A masked-out step keeps the previous states, emits zeros in the output sequence and leaves
    the last output unchanged, so `last_output` is the output of each sequence's last valid step.

    Args:
        step: callable, the recurrent half of a cell.
        projected: tensor (time, batch, projected_features).
        initial_states: list of tensors (batch, state_size).
        output_size: int. Width of the cell's output.
        mask: optional bool tensor (time, batch); False marks padding.
        return_sequences: bool. Whether to collect the output of every step.
        unroll: bool. Unroll into a Python loop (needs a static number of time steps) instead of
            a `tf.while_loop`.

    Returns:
        `(last_output, outputs, final_states)`; `outputs` is (time, batch, output_size), or None
        when `return_sequences` is False.
    """
    batch_size = tf.shape(projected)[1]
    zero_output = tf.zeros((batch_size, output_size), dtype=projected.dtype)
    keep_masks = None if mask is None else tf.expand_dims(tf.cast(mask, tf.bool), -1)

    def advance(projected_t, keep_t, last_output, states):
        output, new_states = step(projected_t, states)
        if keep_t is None:
            return output, output, list(new_states)
        new_states = [_masked(keep_t, new, old) for new, old in zip(new_states, states)]
        return _masked(keep_t, output, zero_output), _masked(keep_t, output, last_output), new_states

    if unroll:
        time_steps = projected.shape[0]
        if time_steps is None:
            raise ValueError("`unroll=True` needs a fixed number of time steps; the input's is None.")
        states, last_output, outputs = list(initial_states), zero_output, []
        for t in range(time_steps):
            keep_t = None if keep_masks is None else keep_masks[t]
            output, last_output, states = advance(projected[t], keep_t, last_output, states)
            outputs.append(output)
        return last_output, (tf.stack(outputs) if return_sequences else None), states

    time_steps = tf.shape(projected)[0]
    projected_ta = tf.TensorArray(
        projected.dtype, size=time_steps, element_shape=projected.shape[1:]
    ).unstack(projected)
    keep_ta = None
    if keep_masks is not None:
        keep_ta = tf.TensorArray(tf.bool, size=time_steps, element_shape=keep_masks.shape[1:]).unstack(keep_masks)
    outputs_ta = tf.TensorArray(projected.dtype, size=time_steps if return_sequences else 0)

    def body(t, last_output, states, outputs_ta):
        keep_t = None if keep_ta is None else keep_ta.read(t)
        output, last_output, states = advance(projected_ta.read(t), keep_t, last_output, states)
        if return_sequences:
            outputs_ta = outputs_ta.write(t, output)
        return t + 1, last_output, states, outputs_ta

    _, last_output, states, outputs_ta = tf.while_loop(
        lambda t, *_: t < time_steps,
        body,
        (tf.constant(0), zero_output, list(initial_states), outputs_ta),
        maximum_iterations=time_steps,
    )
    return last_output, (outputs_ta.stack() if return_sequences else None), states
