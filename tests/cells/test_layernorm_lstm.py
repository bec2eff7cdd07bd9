import numpy as np
import pytest
import tensorflow as tf

from tests.parity import right_padded_mask
from zoo.cells import LayerNormLSTMCell
from zoo.layers import Recurrent

UNITS, FEATURES, TIME, BATCH = 3, 4, 5, 2
EPSILON = 1e-3


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def _layer_norm(v, gamma, beta=0.0):
    mean = v.mean(axis=-1, keepdims=True)
    variance = ((v - mean) ** 2).mean(axis=-1, keepdims=True)
    return gamma * (v - mean) / np.sqrt(variance + EPSILON) + beta


def numpy_layernorm_lstm(x, weights, h, c, mask=None):
    """Ba et al. (2016) LN-LSTM, one time step at a time, written from the paper's equations."""
    kernel, recurrent_kernel, bias, input_gamma, recurrent_gamma, cell_gamma, cell_beta = weights
    outputs = []
    for t in range(x.shape[1]):
        z = _layer_norm(x[:, t] @ kernel, input_gamma) + _layer_norm(h @ recurrent_kernel, recurrent_gamma) + bias
        i, f, g, o = np.split(z, 4, axis=-1)
        new_c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        new_h = _sigmoid(o) * np.tanh(_layer_norm(new_c, cell_gamma, cell_beta))
        keep = np.ones((x.shape[0], 1), bool) if mask is None else mask[:, t : t + 1]
        h, c = np.where(keep, new_h, h), np.where(keep, new_c, c)
        outputs.append(np.where(keep, new_h, 0.0))
    return np.stack(outputs, axis=1), h, c


def _random_layer(seed=0):
    layer = Recurrent(
        LayerNormLSTMCell(UNITS, dtype="float64"), return_sequences=True, return_state=True, dtype="float64"
    )
    layer.build((None, TIME, FEATURES))
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(scale=0.5, size=w.shape) + (1.0 if "gamma" in w.path else 0.0) for w in layer.weights])
    return layer


def _inputs(seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(BATCH, TIME, FEATURES)), rng.normal(size=(BATCH, UNITS)), rng.normal(size=(BATCH, UNITS))


def test_weights_are_named_and_shaped():
    layer = _random_layer()
    shapes = {w.path.split("/")[-1]: tuple(w.shape) for w in layer.weights}
    assert shapes == {
        "kernel": (FEATURES, 4 * UNITS),
        "recurrent_kernel": (UNITS, 4 * UNITS),
        "bias": (4 * UNITS,),
        "input_gamma": (4 * UNITS,),
        "recurrent_gamma": (4 * UNITS,),
        "cell_gamma": (UNITS,),
        "cell_beta": (UNITS,),
    }


@pytest.mark.parametrize("masked", [False, True])
def test_matches_numpy_equations(masked):
    layer = _random_layer()
    x, h0, c0 = _inputs()
    mask = right_padded_mask([TIME, 2], TIME) if masked else None
    outputs, h, c = layer(x, initial_state=[h0, c0], mask=mask)
    expected_outputs, expected_h, expected_c = numpy_layernorm_lstm(x, layer.get_weights(), h0, c0, mask)
    np.testing.assert_allclose(outputs.numpy(), expected_outputs, atol=1e-10, rtol=0)
    np.testing.assert_allclose(h.numpy(), expected_h, atol=1e-10, rtol=0)
    np.testing.assert_allclose(c.numpy(), expected_c, atol=1e-10, rtol=0)


def test_gradients_match_finite_differences():
    layer = _random_layer()
    x, h0, c0 = _inputs()
    readout = np.random.default_rng(2).normal(size=(BATCH, TIME, UNITS))

    def loss(inputs):
        outputs, _, c = layer(inputs, initial_state=[h0, c0])
        return tf.reduce_sum(outputs * readout) + tf.reduce_sum(c)

    x_tensor = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_tensor)
        value = loss(x_tensor)
    input_gradient, *weight_gradients = tape.gradient(value, [x_tensor] + layer.trainable_weights)

    step = 1e-6
    rng = np.random.default_rng(3)
    for index in [tuple(rng.integers(0, s) for s in x.shape) for _ in range(6)]:
        plus, minus = x.copy(), x.copy()
        plus[index] += step
        minus[index] -= step
        numeric = (loss(plus) - loss(minus)).numpy() / (2 * step)
        np.testing.assert_allclose(input_gradient.numpy()[index], numeric, atol=1e-7, rtol=0)
    for variable, gradient in zip(layer.trainable_weights, weight_gradients):
        original = variable.numpy()
        for index in [tuple(rng.integers(0, s) for s in original.shape) for _ in range(3)]:
            values = []
            for delta in (step, -step):
                perturbed = original.copy()
                perturbed[index] += delta
                variable.assign(perturbed)
                values.append(loss(x).numpy())
            variable.assign(original)
            numeric = (values[0] - values[1]) / (2 * step)
            np.testing.assert_allclose(
                np.asarray(gradient)[index], numeric, atol=1e-7, rtol=0, err_msg=f"{variable.path}{index}"
            )


def test_normalization_makes_the_cell_insensitive_to_input_scale():
    """LN(W (a x)) = LN(W x) for a > 0 (up to ε), so scaling the input barely changes the output."""
    layer = _random_layer()
    x, h0, c0 = _inputs()
    small, _, _ = layer(x, initial_state=[h0, c0])
    large, _, _ = layer(x * 100.0, initial_state=[h0, c0])
    np.testing.assert_allclose(small.numpy(), large.numpy(), atol=1e-2, rtol=0)


def test_rejects_bad_epsilon():
    with pytest.raises(ValueError, match="`epsilon`.*received epsilon=0"):
        LayerNormLSTMCell(4, epsilon=0)
