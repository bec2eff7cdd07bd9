"""The time loop under `zoo.layers.Recurrent`: one cell step per time step, masks applied.

Inputs arrive already projected (W x_t + b for every t, computed with one matmul), time-major
(time, batch, features), so the loop body holds only the recurrent half of the cell. This is the
loop of inference and of cells trained by autodiff; `zoo.layers.recurrent_gradient` is the
training loop of cells whose gradient it can take by hand.
"""

import contextlib

import tensorflow as tf

from zoo.errors import UsageError
from zoo._internals import gradient_registry


def masked_step(step_result, keep_t, last_output, states, zero_output):
    """Applies a time step's mask to what the cell returned.

    Where `keep_t` (batch, 1) is False the states stay as they were, the sequence output is zero
    and the last output is unchanged.

    Returns:
        `(sequence_output, last_output, new_states)`.
    """
    output, new_states = step_result
    if keep_t is None:
        return output, output, list(new_states)
    new_states = [tf.where(keep_t, new, old) for new, old in zip(new_states, states)]
    return tf.where(keep_t, output, zero_output), tf.where(keep_t, output, last_output), new_states


@contextlib.contextmanager
def released_gradient_functions():
    """Unregisters, on exit, the gradient functions of every `tf.custom_gradient` traced in the block.

    In a `tf.function`, each `tf.custom_gradient` registers its gradient function in a process-wide
    table under a fresh name, and TensorFlow never removes it; the function holds its graph. So a
    process that builds and trains model after model (a sweep) keeps every trained graph: about
    20 MB per small model, measured with `python -m zoo.bench.tuning_memory`. Use this around work
    whose graphs are thrown away after it (a trial): it must not be differentiated again.
    """
    before = gradient_function_names()
    try:
        yield
    finally:
        release_gradient_functions(before)


def gradient_function_names():
    """The names in TensorFlow's gradient table now (see `released_gradient_functions`)."""
    return frozenset(gradient_registry())


def release_gradient_functions(keep):
    """Unregisters the custom gradients registered since `keep = gradient_function_names()`."""
    registry = gradient_registry()
    for name in [name for name in registry if name.startswith("CustomGradient-") and name not in keep]:
        del registry[name]


def reverse_time(tensor, axis, unrolled=False):
    """`tensor` reversed along its time `axis`.

    For an unrolled layer (static length) the reversal is made of static slices and one concat,
    ops the TFLite GPU delegate runs, instead of a REVERSE_V2 op it does not.
    """
    if not unrolled or tensor.shape[axis] is None:
        return tf.reverse(tensor, [axis])
    steps = tf.split(tensor, tensor.shape[axis], axis=axis)
    return tf.concat(steps[::-1], axis=axis)


def run_steps(step, projected, initial_states, output_size, mask=None, return_sequences=True, unroll=False,
              output_dtype=None):
    """Runs a cell's recurrent half over the time axis.

    A masked-out step keeps the previous states, emits zeros in the output sequence and leaves
    the last output unchanged, so `last_output` is the output of each sequence's last valid step.

    Args:
        step: callable `(projected_t, states) -> (output, new_states)`.
        projected: tensor (time, batch, projected_features).
        initial_states: list of tensors (batch, state_size).
        output_size: int. Width of the cell's output.
        mask: optional bool tensor (time, batch); False marks padding.
        return_sequences: bool. Whether to collect the output of every step.
        unroll: bool. Unroll into a Python loop (needs a static number of time steps) instead of
            a `tf.while_loop`.
        output_dtype: the dtype of `step`'s output, when not `projected`'s (a step that projects its input
            itself, in another dtype).

    Returns:
        `(last_output, outputs, final_states)`; `outputs` is (time, batch, output_size), or None
        when `return_sequences` is False.
    """
    batch_size = tf.shape(projected)[1]
    output_dtype = output_dtype or projected.dtype
    zero_output = tf.zeros((batch_size, output_size), dtype=output_dtype)
    keep_masks = None if mask is None else tf.expand_dims(tf.cast(mask, tf.bool), -1)

    def advance(projected_t, keep_t, last_output, states):
        return masked_step(step(projected_t, states), keep_t, last_output, states, zero_output)

    if unroll:
        time_steps = projected.shape[0]
        if time_steps is None:
            raise UsageError("`unroll=True` needs a fixed number of time steps; the input's is None.")
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
    # Only the arrays in use enter the loop, each with a static element shape, so that the
    # TFLite converter can lower them to built-in ops.
    arrays = {}
    if return_sequences:
        arrays["outputs"] = tf.TensorArray(output_dtype, size=time_steps, element_shape=zero_output.shape)

    def body(t, last_output, states, arrays):
        keep_t = None if keep_ta is None else keep_ta.read(t)
        output, last_output, states = advance(projected_ta.read(t), keep_t, last_output, states)
        arrays = dict(arrays)
        if return_sequences:
            arrays["outputs"] = arrays["outputs"].write(t, output)
        return t + 1, last_output, states, arrays

    _, last_output, states, arrays = tf.while_loop(
        lambda t, *_: t < time_steps,
        body,
        (tf.constant(0), zero_output, list(initial_states), arrays),
        maximum_iterations=time_steps,
        parallel_iterations=32,
    )
    return last_output, (arrays["outputs"].stack() if return_sequences else None), states
