"""The memory-saving training loop: per step it keeps only the states, and recomputes the rest going back.

`zoo.layers.recurrent_gradient` (the default for the LSTM) keeps, per step, the U h_{t-1} product beside the
states and takes the input projection W x_t + b for the whole sequence before the loop: fast, but at
64×1600×64×256 that is two (time, batch, 4·units) tensors, 420 MB each, and their gradients. Autodiff of the
`tf.while_loop` keeps every intermediate of every step. This loop keeps h_{t-1} (and C_{t-1}) alone: the
backward loop recomputes the whole cell call, x_t W + b included, from x_t and the saved states under a
`tf.GradientTape` over the cell's own `project_inputs` and `step` (no derivative written by hand), and sums
the weights' gradients step by step. One extra recomputation of each step's two matmuls, and small per-step
weight-gradient matmuls instead of one large one, buy it: `Recurrent(implementation="low_memory")`; the
benchmark's memory table (`python -m zoo.bench`) measures what it saves.
"""

import tensorflow as tf

from zoo.layers.recurrent_gradient import record_step, step_records
from zoo.layers.time_loop import masked_step

# Steps of the backward loop TensorFlow may run at once. Each step's weight gradient (units × 4·units for the LSTM's
# U) is summed into the running total only in step order, so steps run ahead pile theirs up: with TensorFlow's
# default of 10, 64×100×64×1024 LSTM units peaked at 250 MB (as high as Keras' loop), with 2 at 115-123 MB
# (`python -m zoo.bench.memory`), at no measurable cost in time at 256 units (1 is 1.4× slower there).
_BACKWARD_STEPS_IN_FLIGHT = 2


def _array(dtype, size, element_shape):
    return tf.TensorArray(dtype, size=size, element_shape=element_shape)


def run_steps_saving_memory(step, inputs, initial_states, output_size, mask=None, return_sequences=True,
                            output_dtype=None):
    """Runs a whole cell call per time step, differentiable by the memory-saving loop above.

    Args:
        step: callable `(x_t, states) -> (output, new_states)`: the cell's projection and step of one input step
            (it may read the cell's variables: their gradients are summed over the steps).
        inputs: tensor (time, batch, features).
        initial_states: list of tensors (batch, state_size).
        output_size: int. Width of the cell's output.
        mask: optional bool tensor (time, batch); False marks padding.
        return_sequences: bool. Whether to collect the output of every step.
        output_dtype: the dtype of `step`'s output (default: the states').

    Returns:
        `(last_output, outputs, final_states)` as `zoo.layers.time_loop.run_steps`.
    """
    state_count = len(initial_states)
    output_dtype = output_dtype or initial_states[0].dtype
    keep_masks = None if mask is None else tf.expand_dims(tf.cast(mask, tf.bool), -1)

    def advance(x_t, keep_t, last_output, states, zero_output):
        return masked_step(step(x_t, states), keep_t, last_output, states, zero_output)

    @tf.custom_gradient
    def loop(inputs, *initial_states):
        time_steps = tf.shape(inputs)[0]
        zero_output = tf.zeros((tf.shape(inputs)[1], output_size), dtype=output_dtype)
        saved = step_records(initial_states, time_steps, output_dtype, zero_output.shape, keep_masks is not None,
                             return_sequences)  # fmt: skip

        def body(t, last_output, states, saved):
            keep_t = None if keep_masks is None else keep_masks[t]
            output, new_last_output, new_states = advance(inputs[t], keep_t, last_output, states, zero_output)
            return t + 1, new_last_output, new_states, record_step(saved, t, states, last_output, output)

        _, last_output, final_states, saved = tf.while_loop(
            lambda t, *_: t < time_steps, body, (tf.constant(0), zero_output, list(initial_states), saved),
            maximum_iterations=time_steps)  # fmt: skip
        # The backward loop reads the records step by step where the loop wrote them (stacked, they would be copied).
        previous_states, previous_last = saved["states"], saved.get("last_outputs")
        outputs = saved["outputs"].stack() if return_sequences else None

        def gradient(*upstream, variables=None):
            upstream = list(upstream)
            d_outputs = upstream.pop(0) if return_sequences else None
            d_last = tf.zeros_like(last_output) if upstream[0] is None else upstream[0]
            d_final_states = [tf.zeros_like(state) if grad is None else grad
                              for grad, state in zip(upstream[1:], final_states)]  # fmt: skip
            watched = list(variables or [])
            d_inputs = _array(inputs.dtype, time_steps, inputs.shape[1:])

            def back(t, d_last, d_states, d_variables, d_inputs):
                x_t, states = inputs[t], [saved_states.read(t) for saved_states in previous_states]
                last_before = zero_output if previous_last is None else previous_last.read(t)
                keep_t = None if keep_masks is None else keep_masks[t]
                with tf.GradientTape() as tape:
                    tape.watch([x_t, last_before, *states])
                    output, new_last, new_states = advance(x_t, keep_t, last_before, states, zero_output)
                targets, target_gradients = [new_last, *new_states], [d_last, *d_states]
                if d_outputs is not None:
                    targets.append(output)
                    target_gradients.append(d_outputs[t])
                grads = tape.gradient(targets, [x_t, last_before, *states, *watched], output_gradients=target_gradients,
                                      unconnected_gradients=tf.UnconnectedGradients.ZERO)  # fmt: skip
                d_variables = [total + grad for total, grad in zip(d_variables, grads[2 + state_count:])]
                return t - 1, grads[1], list(grads[2:2 + state_count]), d_variables, d_inputs.write(t, grads[0])

            _, _, d_initial_states, d_variables, d_inputs = tf.while_loop(
                lambda t, *_: t >= 0, back,
                (time_steps - 1, d_last, d_final_states, [tf.zeros_like(v) for v in watched], d_inputs),
                maximum_iterations=time_steps, parallel_iterations=_BACKWARD_STEPS_IN_FLIGHT)  # fmt: skip
            input_gradients = [d_inputs.stack(), *d_initial_states]
            return input_gradients if variables is None else (input_gradients, d_variables)

        results = ([outputs] if return_sequences else []) + [last_output, *final_states]
        return results, gradient

    results = list(loop(inputs, *initial_states))
    outputs = results.pop(0) if return_sequences else None
    return results[0], outputs, results[1:]
