"""LSTM's parts taken out one at a time, and peepholes: each variant against a NumPy transcription of
its equations, the loop gradient against autodiff, and peepholes against TensorFlow's fused
`BlockLSTMV2` op: its outputs, and the gradient of its outputs by central differences (the op's own
registered gradient, taken through `tf.raw_ops` under a tape, disagrees with those differences and
with autodiff alike, so it is not the reference)."""

import numpy as np
import pytest
import tensorflow as tf

from zoo.cells import LSTMCell
from zoo.cells.lstm import VARIANTS
from zoo.errors import UsageError
from zoo.layers import Recurrent

BATCH, STEPS, FEATURES, UNITS = 3, 6, 4, 5


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def numpy_lstm(x, kernel, recurrent, bias, variant, peepholes=None):
    """h of every step, the equations of `LSTMCell`'s docstring transcribed."""
    h = np.zeros((x.shape[0], UNITS))
    c = np.zeros((x.shape[0], UNITS))
    outputs = []
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent + bias
        z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)
        if peepholes is not None:
            z_i, z_f = z_i + peepholes[0] * c, z_f + peepholes[1] * c
        i = np.ones_like(c) if variant == "no_input_gate" else _sigmoid(z_i)
        f = 1 - i if variant == "cifg" else np.ones_like(c) if variant == "no_forget_gate" else _sigmoid(z_f)
        candidate = {"no_input_activation": z_c, "sigmoid_candidate": _sigmoid(z_c)}.get(variant, np.tanh(z_c))
        c = f * c + i * candidate
        if peepholes is not None:
            z_o = z_o + peepholes[2] * c
        o = np.ones_like(c) if variant == "no_output_gate" else _sigmoid(z_o)
        h = o * (c if variant == "no_output_activation" else np.tanh(c))
        outputs.append(h)
    return np.stack(outputs, axis=1)


def _layer(variant, peephole, unroll=False, seed=0):
    rng = np.random.default_rng(seed)
    layer = Recurrent(LSTMCell(UNITS, variant=variant, peephole=peephole), return_sequences=True, unroll=unroll)
    layer.build((None, STEPS, FEATURES))
    for weight in layer.weights:
        weight.assign(rng.uniform(-0.6, 0.6, weight.shape).astype("float32"))
    return layer


def _inputs():
    return np.random.default_rng(1).normal(size=(BATCH, STEPS, FEATURES)).astype("float32")


@pytest.mark.parametrize("peephole", [False, True])
@pytest.mark.parametrize("variant", VARIANTS)
def test_each_variant_follows_its_equations(variant, peephole):
    layer = _layer(variant, peephole)
    cell = layer.cell
    peepholes = [cell.peephole_input.numpy(), cell.peephole_forget.numpy(), cell.peephole_output.numpy()] \
        if peephole else None
    expected = numpy_lstm(_inputs().astype("float64"), cell.kernel.numpy(), cell.recurrent_kernel.numpy(),
                          cell.bias.numpy(), variant, peepholes)
    np.testing.assert_allclose(np.asarray(layer(_inputs())), expected, atol=2e-5)


def _gradients(layer, x, target):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) * target)
    return tape.gradient(loss, layer.trainable_weights)


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_loop_gradient_of_each_variant_equals_autodiff(variant):
    x, target = _inputs(), np.random.default_rng(2).normal(size=(BATCH, STEPS, UNITS)).astype("float32")
    looped, unrolled = _layer(variant, True), _layer(variant, True, unroll=True)
    assert looped._uses_loop_gradient() and not unrolled._uses_loop_gradient()
    for ours, reference, weight in zip(_gradients(looped, x, target), _gradients(unrolled, x, target),
                                       looped.trainable_weights):
        if reference is None:  # a removed gate's peephole: unconnected in both
            assert ours is None or not np.asarray(ours).any(), weight.name
            continue
        np.testing.assert_allclose(np.asarray(ours), np.asarray(reference), atol=1e-5, err_msg=weight.name)


def test_removed_gates_get_no_gradient():
    x, target = _inputs(), np.ones((BATCH, STEPS, UNITS), "float32")
    layer = _layer("no_forget_gate", False)
    kernel_gradient = np.asarray(_gradients(layer, x, target)[0])
    assert not kernel_gradient[:, UNITS:2 * UNITS].any() and kernel_gradient[:, :UNITS].any()


def _block_lstm(layer, x):
    """TensorFlow's fused op on the layer's weights: x and h stacked in one kernel, gates i, c, f, o."""
    cell = layer.cell
    kernel = tf.concat([cell.kernel, cell.recurrent_kernel], axis=0)
    outputs = tf.raw_ops.BlockLSTMV2(
        seq_len_max=tf.constant(STEPS, tf.int64), x=tf.transpose(x, [1, 0, 2]),
        cs_prev=tf.zeros([BATCH, UNITS]), h_prev=tf.zeros([BATCH, UNITS]), w=kernel,
        wci=cell.peephole_input, wcf=cell.peephole_forget, wco=cell.peephole_output, b=cell.bias,
        cell_clip=-1.0, use_peephole=True)  # cell_clip < 0: no clipping
    return tf.transpose(outputs[-1], [1, 0, 2])


def test_peepholes_match_tensorflows_fused_block_lstm():
    x = tf.constant(_inputs())
    layer = _layer("vanilla", True)
    np.testing.assert_allclose(np.asarray(layer(x)), _block_lstm(layer, x).numpy(), atol=2e-5)
    without = _layer("vanilla", False)  # the same kernels, no peepholes: the op with zero peepholes agrees too
    assert np.abs(np.asarray(without(x)) - np.asarray(layer(x))).max() > 1e-3, "the peepholes change the output"


def test_the_peephole_gradient_equals_central_differences_of_block_lstm():
    x, target = tf.constant(_inputs()), np.random.default_rng(3).normal(size=(BATCH, STEPS, UNITS)).astype("float32")
    layer = _layer("vanilla", True)
    ours = dict(zip([w.name for w in layer.trainable_weights], _gradients(layer, x, target)))
    rng = np.random.default_rng(4)
    for weight in layer.trainable_weights:
        base = weight.numpy()
        for flat in rng.choice(base.size, 3, replace=False):
            nudge = np.zeros(base.size, "float32")
            nudge[flat] = 1e-2
            losses = []
            for sign in (1, -1):
                weight.assign(base + sign * nudge.reshape(base.shape))
                losses.append(float(tf.reduce_sum(_block_lstm(layer, x) * target)))
            weight.assign(base)
            expected = (losses[0] - losses[1]) / 2e-2
            assert abs(float(np.asarray(ours[weight.name]).ravel()[flat]) - expected) < 2e-3, (weight.name, flat)


def test_the_default_is_todays_lstm_and_the_options_survive_a_config_round_trip():
    cell = LSTMCell(4, variant="cifg", peephole=True)
    again = LSTMCell.from_config(cell.get_config())
    assert (again.variant, again.peephole) == ("cifg", True)
    assert (LSTMCell(4).variant, LSTMCell(4).peephole) == ("vanilla", False)
    with pytest.raises(UsageError, match="`variant` must be one of"):
        LSTMCell(4, variant="no_cell")
