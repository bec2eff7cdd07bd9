"""The time loop of training, with the gradient of the whole loop given by hand.

Autodiff of a `tf.while_loop` pushes every intermediate of every step onto stacks in the
forward loop, pops them in the backward loop, and computes the gradient of the recurrent
kernel U with one small matmul per step. This loop does what cuDNN and PyTorch do instead:

- the forward loop computes the product U ⋅ drop(h_{t-1}) itself and keeps, per step, only
  that product, the previous states and (with padding) the previous last output;
- the backward loop recomputes each step's element-wise part from them under a
  `tf.GradientTape` over the cell's own `step` (so the cell file stays the only home of the
  equations: no derivative is written by hand) and propagates the gradient g_t of the product
  to h_{t-1} with one matmul, g_t Uᵀ;
- dU = Σ_t drop(h_{t-1})ᵀ g_t is then one large matmul after the backward loop.

It needs a cell whose `step` uses U only through one call of `recurrent_product`. At the
reference shape (64×100×64×256) the LSTM training step took 126 ms against 162 ms by autodiff of
the same loop. Saved steps are read back as slices of the stacked tensors, not unstacked copies;
with that the GRU (reset_after) gained too (99 against 114 ms), while SimpleRNN's step stays too
small to (`python -m zoo.bench`), so `Recurrent` uses it for cells with `recomputed_gradient`. zoo's
compiled kernels run the same two halves for the cells they compute (`zoo.layers.native_rnn`).
A recurrent bias inside the product (GRU's) gets its gradient as one sum after the loop;
variables `step` reads itself (LayerNorm-LSTM's gains) get theirs summed step by step.
"""

import tensorflow as tf

from zoo.layers.time_loop import masked_step


def _array(dtype, size, element_shape):
    return tf.TensorArray(dtype, size=size, element_shape=element_shape)


class _Steps:
    """Step t of a (time, ...) tensor, read as a slice: TensorFlow hands out an aligned slice of the first axis without
    copying, where a TensorArray's `unstack` first copies the whole tensor (at 64×1600×64×256, 420 MB per array).
    Only where nothing differentiates the loop: autodiff of a slice in a loop builds a full-size gradient per step."""

    def __init__(self, tensor):
        self.tensor = tensor

    def read(self, t):
        return self.tensor[t]



def step_records(initial_states, time_steps, output_dtype, output_shape, masked, return_sequences):
    """The arrays a training loop fills at each step t for its backward loop: the states before the step, the last
    output before it (with padding, where a step may keep it), and the step's output (when sequences are returned)."""
    records = {"states": [_array(state.dtype, time_steps, state.shape) for state in initial_states]}
    if masked:
        records["last_outputs"] = _array(output_dtype, time_steps, output_shape)
    if return_sequences:
        records["outputs"] = _array(output_dtype, time_steps, output_shape)
    return records


def record_step(records, t, states, last_output, output):
    """`records` with step t written (see `step_records`)."""
    records = dict(records)
    records["states"] = [array.write(t, state) for array, state in zip(records["states"], states)]
    if "last_outputs" in records:
        records["last_outputs"] = records["last_outputs"].write(t, last_output)
    if "outputs" in records:
        records["outputs"] = records["outputs"].write(t, output)
    return records


def stacked_records(records):
    """`(states before each step, last outputs before each step or None, outputs or None)`, each (time, ...)."""
    last_outputs, outputs = records.get("last_outputs"), records.get("outputs")
    return ([array.stack() for array in records["states"]], None if last_outputs is None else last_outputs.stack(),
            None if outputs is None else outputs.stack())


def run_steps_with_gradient(
    step,
    projected,
    initial_states,
    output_size,
    kernel,
    recurrent_bias=None,
    recurrent_mask=None,
    mask=None,
    return_sequences=True,
):
    """Runs a cell's recurrent half over the time axis, differentiable by the hand-made loop above.

    Args:
        step: callable `(projected_t, product_t, states) -> (output, new_states)` where
            `product_t` = drop(h_{t-1}) ⋅ U (+ `recurrent_bias`) is supplied (`cell.step(projected_t, states, recurrent=product_t)`).
        projected: tensor (time, batch, projected_features), in the states' dtype.
        initial_states: list of tensors (batch, state_size); states[0] is h, what U multiplies.
        output_size: int. Width of the cell's output.
        kernel: tensor, the recurrent kernel U (units, gates * units), in the dtype its matmuls run in (the
            compute dtype: bfloat16 under mixed_bfloat16); products come back in the states' dtype.
        recurrent_bias: optional tensor (gates * units,) added to the product (`cell.recurrent_bias`).
        recurrent_mask: optional recurrent dropout mask (batch, units) on h_{t-1}.
        mask: optional bool tensor (time, batch); False marks padding.
        return_sequences: bool. Whether to collect the output of every step.

    Returns:
        `(last_output, outputs, final_states)` as `zoo.layers.time_loop.run_steps`.
    """
    state_count = len(initial_states)
    keep_masks = None if mask is None else tf.expand_dims(tf.cast(mask, tf.bool), -1)

    def drop(h):
        return h if recurrent_mask is None else h * recurrent_mask

    state_dtype = projected.dtype

    def times(values, matrix, **kwargs):
        """values · matrix in the kernel's dtype (the compute dtype), returned in the states' dtype."""
        return tf.cast(tf.matmul(tf.cast(values, matrix.dtype), matrix, **kwargs), state_dtype)

    def advance(projected_t, product_t, keep_t, last_output, states, zero_output):
        return masked_step(step(projected_t, product_t, states), keep_t, last_output, states, zero_output)

    biases = [] if recurrent_bias is None else [recurrent_bias]

    @tf.custom_gradient
    def loop(projected, kernel, *biases_and_states):
        biases, initial_states = biases_and_states[: len(biases_and_states) - state_count], biases_and_states[-state_count:]
        time_steps = tf.shape(projected)[0]
        zero_output = tf.zeros((tf.shape(projected)[1], output_size), dtype=projected.dtype)
        projected_ta = _Steps(projected)
        keep_ta = None if keep_masks is None else _Steps(keep_masks)
        saved = step_records(initial_states, time_steps, projected.dtype, zero_output.shape, keep_masks is not None,
                             return_sequences)  # fmt: skip
        saved["products"] = _array(projected.dtype, time_steps, projected.shape[1:])

        def body(t, last_output, states, saved):
            product = times(drop(states[0]), kernel)
            for bias in biases:
                product = product + bias
            keep_t = None if keep_ta is None else keep_ta.read(t)
            output, new_last_output, new_states = advance(
                projected_ta.read(t), product, keep_t, last_output, states, zero_output
            )
            saved = record_step(saved, t, states, last_output, output)
            saved["products"] = saved["products"].write(t, product)
            return t + 1, new_last_output, new_states, saved

        _, last_output, final_states, saved = tf.while_loop(
            lambda t, *_: t < time_steps,
            body,
            (tf.constant(0), zero_output, list(initial_states), saved),
            maximum_iterations=time_steps,
        )
        products = saved["products"].stack()
        previous_states, previous_last, outputs = stacked_records(saved)

        def gradient(*upstream, variables=None):
            upstream = list(upstream)
            d_outputs = upstream.pop(0) if return_sequences else None
            d_last, d_final_states = upstream[0], upstream[1:]
            d_last = tf.zeros_like(last_output) if d_last is None else d_last
            d_final_states = [
                tf.zeros_like(state) if grad is None else grad for grad, state in zip(d_final_states, final_states)
            ]
            watched = list(variables or [])
            kernel_transposed = tf.transpose(kernel)
            projected_back = _Steps(projected)
            keep_back = None if keep_masks is None else _Steps(keep_masks)
            products_back = _Steps(products)
            states_back = [_Steps(states) for states in previous_states]
            last_back = None if previous_last is None else _Steps(previous_last)
            d_outputs_back = None if d_outputs is None else _Steps(d_outputs)
            d_projected = _array(projected.dtype, time_steps, projected.shape[1:])
            d_products = _array(projected.dtype, time_steps, projected.shape[1:])
            same_gradient = [False]

            def back(t, d_last, d_states, d_variables, d_projected, d_products):
                projected_t, product_t = projected_back.read(t), products_back.read(t)
                states = [array.read(t) for array in states_back]
                last_before = zero_output if last_back is None else last_back.read(t)
                keep_t = None if keep_back is None else keep_back.read(t)
                with tf.GradientTape() as tape:
                    tape.watch([projected_t, product_t, last_before, *states])
                    output, new_last, new_states = advance(projected_t, product_t, keep_t, last_before, states, zero_output)
                targets, target_gradients = [new_last, *new_states], [d_last, *d_states]
                if d_outputs_back is not None:
                    targets.append(output)
                    target_gradients.append(d_outputs_back.read(t))
                grads = tape.gradient(
                    targets,
                    [projected_t, product_t, last_before, *states, *watched],
                    output_gradients=target_gradients,
                    unconnected_gradients=tf.UnconnectedGradients.ZERO,
                )
                d_projected_t, d_product_t, d_last_before = grads[:3]
                d_states_before = list(grads[3 : 3 + state_count])
                d_states_before[0] += drop(times(d_product_t, kernel_transposed))
                d_variables = [total + grad for total, grad in zip(d_variables, grads[3 + state_count :])]
                # z = projected + product (LSTM, SimpleRNN): one gradient, written once.
                same_gradient[0] = d_projected_t is d_product_t
                if not same_gradient[0]:
                    d_projected = d_projected.write(t, d_projected_t)
                return t - 1, d_last_before, d_states_before, d_variables, d_projected, d_products.write(t, d_product_t)

            _, _, d_initial_states, d_variables, d_projected, d_products = tf.while_loop(
                lambda t, *_: t >= 0,
                back,
                (time_steps - 1, d_last, d_final_states, [tf.zeros_like(v) for v in watched], d_projected, d_products),
                maximum_iterations=time_steps,
            )
            units, width = kernel.shape
            d_products = d_products.stack()
            kernel_inputs = tf.reshape(drop(previous_states[0]), [-1, units])
            d_kernel = tf.matmul(tf.cast(kernel_inputs, kernel.dtype), tf.cast(tf.reshape(d_products, [-1, width]), kernel.dtype),
                                 transpose_a=True)
            d_projected = d_products if same_gradient[0] else d_projected.stack()
            d_biases = [tf.reduce_sum(d_products, [0, 1]) for _ in biases]
            input_gradients = [d_projected, d_kernel, *d_biases, *d_initial_states]
            if variables is None:
                return input_gradients
            return input_gradients, d_variables

        results = ([outputs] if return_sequences else []) + [last_output, *final_states]
        return results, gradient

    results = list(loop(projected, kernel, *biases, *initial_states))
    outputs = results.pop(0) if return_sequences else None
    return results[0], outputs, results[1:]
