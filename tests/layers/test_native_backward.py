"""zoo's fused CPU kernel for the backward pass of LSTM / GRU training (`ZooRnnBackward`) against TensorFlow's
derivatives of the cells' own `step` (implementation="loop_gradient", whose backward loop differentiates `step`
under a tape): the gradients of the inputs, weights and initial states, with every upstream gradient at once."""

import numpy as np
import pytest
import tensorflow as tf

from zoo.cells import GRUCell, LSTMCell, SimpleRNNCell
from zoo.layers import Recurrent
from zoo.native import rnn_backward_op
from zoo.precision import dtype_policy

CELLS = {"lstm": LSTMCell, "gru": GRUCell, "simple_rnn": SimpleRNNCell}


def _graph_ops(function, *arguments):
    definition = tf.function(function).get_concrete_function(*arguments).graph.as_graph_def()
    ops = {node.op for node in definition.node}
    for library_function in definition.library.function:
        ops |= {node.op for node in library_function.node_def}
    return ops


def _random(shape, seed):
    return tf.constant(np.random.default_rng(seed).normal(size=shape).astype("float32"))


def _gradients(layer, x, mask, initial_states, weights):
    """Gradients of a loss reading every output (the sequence, the last output, the final states) with different
    weights, so each upstream gradient is non-zero and distinct."""
    with tf.GradientTape() as tape:
        tape.watch([x, *initial_states])
        results = layer(x, mask=mask, initial_state=initial_states, training=True)
        sequence, last, *final_states = (tf.cast(result, tf.float32) for result in results)  # bfloat16 under a policy
        loss = tf.reduce_sum(weights[0] * sequence) + tf.reduce_sum(weights[1] * tf.square(last))
        loss += sum(tf.reduce_sum(weights[2] * tf.sin(state)) for state in final_states)
    return tape.gradient(loss, [x, *initial_states, *layer.trainable_weights])


def _pair(kind, units, x, **options):
    kernel, loop = (Recurrent(CELLS[kind](units), return_sequences=True, return_state=True,
                              implementation=implementation, **options)
                    for implementation in ("auto", "loop_gradient"))
    kernel(x), loop(x)
    loop.set_weights(kernel.get_weights())
    return kernel, loop


@pytest.mark.parametrize("kind", sorted(CELLS))
@pytest.mark.parametrize("units, batch, go_backwards", [(6, 5, False), (6, 5, True), (150, 32, False)])
def test_the_backward_kernel_gives_the_gradients_of_the_cells_own_step(kind, units, batch, go_backwards):
    """(150 units, batch 32: a step large enough to split the units between threads.)"""
    steps = 7
    x = _random((batch, steps, 4), 0)
    mask = np.arange(steps)[None, :] < np.random.default_rng(1).integers(0, steps + 1, size=(batch, 1))
    mask[0, :2] = False  # left padding too, and (likely) rows with no valid step
    mask = tf.constant(mask)
    kernel, loop = _pair(kind, units, x, go_backwards=go_backwards)
    states = [_random((batch, units), 2 + index) for index in range(len(kernel.cell.state_sizes))]
    weights = [_random((batch, steps, units), 5), _random((batch, units), 6), _random((batch, units), 7)]
    ops = _graph_ops(lambda x: _gradients(kernel, x, mask, states, weights), x)
    assert {"ZooRnnForward", "ZooRnnBackward"} <= ops
    assert "ZooRnnBackward" not in _graph_ops(lambda x: _gradients(loop, x, mask, states, weights), x)
    ours, theirs = (_gradients(layer, x, mask, states, weights) for layer in (kernel, loop))
    for mine, reference in zip(ours, theirs, strict=True):
        assert np.abs(reference.numpy()).max() > 1e-3, "every gradient compared carries something"
        np.testing.assert_allclose(mine.numpy(), reference.numpy(), atol=3e-5, rtol=1e-5)


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_under_mixed_bfloat16_the_backward_kernel_equals_the_loop_within_bfloat16_rounding(kind):
    """The reference rounds g_t and Uᵀ to bfloat16 and also g_t Uᵀ; the kernel sums in float32: within about
    a few bfloat16 roundings (2⁻⁸ relative each) of the gradients' scale."""
    x = _random((8, 6, 4), 0)
    with dtype_policy("mixed_bfloat16"):
        kernel, loop = _pair(kind, 12, x)
        states = [_random((8, 12), 2 + index) for index in range(len(kernel.cell.state_sizes))]
        weights = [_random((8, 6, 12), 5), _random((8, 12), 6), _random((8, 12), 7)]
        ours, theirs = (_gradients(layer, x, None, states, weights) for layer in (kernel, loop))
    for mine, reference in zip(ours, theirs, strict=True):
        scale = np.abs(reference.numpy()).max()
        np.testing.assert_allclose(mine.numpy(), reference.numpy(), atol=2 ** -6 * scale)


def test_inconsistent_shapes_are_refused_naming_the_input():
    zeros = tf.zeros
    # What the forward pass kept is time-major (time 3, batch 2); the outputs' gradients batch-major.
    arguments = dict(projected=zeros([3, 2, 20]), products=zeros([3, 2, 20]), h_before=zeros([3, 2, 5]),
                     c_before=zeros([3, 2, 5]), recurrent_kernel=zeros([5, 20]), bias=zeros([20]), mask=zeros([0], tf.bool),
                     d_outputs=zeros([0]), d_last=zeros([2, 5]), d_h=zeros([2, 5]), d_c=zeros([2, 5]))
    rnn_backward_op()(**arguments, cell="lstm")  # consistent: runs
    for name, wrong, message in [("products", zeros([3, 2, 18]), "products must be"),
                                 ("c_before", zeros([2, 3, 5]), "c_before must be"),
                                 ("mask", zeros([3, 2], tf.bool), "mask must be"),
                                 ("d_outputs", zeros([3, 2, 5]), "d_outputs must be"),
                                 ("recurrent_kernel", zeros([20, 5]), "recurrent_kernel must be"),
                                 ("bias", zeros([5]), "bias must be")]:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            rnn_backward_op()(**{**arguments, name: wrong}, cell="lstm")
    # The GRU reads x_t W and h_{t-1} (its candidate's product apart); the LSTM and the simple RNN need neither.
    gru = dict(arguments, projected=zeros([3, 2, 15]), products=zeros([3, 2, 15]), recurrent_kernel=zeros([5, 15]),
               bias=zeros([15]))
    rnn_backward_op()(**gru, cell="gru")
    for name, message in [("projected", "projected must be"), ("h_before", "h_before must be")]:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            rnn_backward_op()(**{**gru, name: zeros([0])}, cell="gru")
    rnn_backward_op()(**{**arguments, "projected": zeros([0]), "h_before": zeros([0])}, cell="lstm")
