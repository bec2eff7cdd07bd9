"""The deep-transition cell (DT-RNN, DT(S)-RNN): one layer equals Keras' SimpleRNNCell, outputs and
gradients; deeper ones follow a NumPy transcription of the equations, outputs and (by central
differences of that transcription) gradients, for the simple cell and the gated ones."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.cells import DeepTransitionCell, make_cell
from zoo.errors import UsageError
from zoo.layers import Recurrent

BATCH, STEPS, FEATURES, UNITS = 2, 5, 3, 4


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def numpy_step(kind, weights, x_part, state):
    """One step of a layer of kind `kind` from its projected input `x_part` (W x + b) and its previous state."""
    h = state[0]
    if kind == "simple_rnn":
        return [np.tanh(x_part + h @ weights["recurrent_kernel"])]
    if kind == "lstm":
        z = x_part + h @ weights["recurrent_kernel"]
        i, f, candidate, o = np.split(z, 4, axis=-1)
        c = _sigmoid(f) * state[1] + _sigmoid(i) * np.tanh(candidate)
        return [_sigmoid(o) * np.tanh(c), c]
    recurrent = h @ weights["recurrent_kernel"] + weights["bias"][1]  # GRU, reset_after
    x_z, x_r, x_h = np.split(x_part, 3, axis=-1)
    u_z, u_r, u_h = np.split(recurrent, 3, axis=-1)
    z, r = _sigmoid(x_z + u_z), _sigmoid(x_r + u_r)
    return [z * h + (1 - z) * np.tanh(x_h + r * u_h)]


def input_bias(kind, weights):
    return weights["bias"][0] if kind == "gru" else weights["bias"]


def numpy_deep_transition(kind, layers, x, shortcut):
    """h of every step: layer 1 reads x_t and the state, layer l ≥ 2 reads layer l−1's new state (and, with
    `shortcut`, the top layer reads h_{t-1} through its kernel S)."""
    state = [np.zeros((x.shape[0], UNITS)) for _ in range(2 if kind == "lstm" else 1)]
    outputs = []
    for t in range(x.shape[1]):
        h_prev = state[0]
        new = numpy_step(kind, layers[0], x[:, t] @ layers[0]["kernel"] + input_bias(kind, layers[0]), state)
        for index, weights in enumerate(layers[1:], start=1):
            x_part = input_bias(kind, weights)
            if shortcut and index == len(layers) - 1:
                x_part = h_prev @ weights["kernel"] + x_part
            new = numpy_step(kind, weights, x_part, new)
        state = new
        outputs.append(state[0])
    return np.stack(outputs, axis=1)


def _random_layer(cell, seed=0):
    layer = Recurrent(cell, return_sequences=True)
    layer.build((None, STEPS, FEATURES))
    rng = np.random.default_rng(seed)
    for weight in layer.weights:
        weight.assign(rng.uniform(-0.7, 0.7, weight.shape).astype(weight.dtype))
    return layer


def _layer_weights(cell):
    return [{name: getattr(layer, name).numpy() for name in ("kernel", "recurrent_kernel", "bias")
             if getattr(layer, name) is not None} for layer in cell.transition_layers]  # fmt: skip


def _inputs(dtype="float32"):
    return np.random.default_rng(1).normal(size=(BATCH, STEPS, FEATURES)).astype(dtype)


def test_one_layer_without_shortcut_is_keras_simple_rnn_outputs_and_gradients():
    ours = _random_layer(DeepTransitionCell(UNITS, "simple_rnn", transition_depth=1))
    theirs = keras.layers.RNN(keras.layers.SimpleRNNCell(UNITS), return_sequences=True)
    theirs.build((None, STEPS, FEATURES))
    theirs.set_weights(ours.get_weights())
    inputs = tf.constant(_inputs())
    targets = tf.constant(np.random.default_rng(2).normal(size=(BATCH, STEPS, UNITS)).astype("float32"))
    results = []
    for layer in (ours, theirs):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            outputs = layer(inputs)
            loss = tf.reduce_sum((outputs - targets) ** 2)
        results.append((outputs.numpy(), tape.gradient(loss, [inputs, *layer.trainable_weights])))
    np.testing.assert_allclose(results[0][0], results[1][0], atol=1e-6)
    for ours_gradient, keras_gradient in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(ours_gradient.numpy(), keras_gradient.numpy(), atol=1e-5)


CASES = [("simple_rnn", 2, False), ("simple_rnn", 3, True), ("lstm", 2, False), ("lstm", 3, True),
         ("gru", 2, True)]


@pytest.mark.parametrize("kind,depth,shortcut", CASES)
def test_deeper_transitions_follow_the_equations(kind, depth, shortcut):
    layer = _random_layer(DeepTransitionCell(UNITS, kind, transition_depth=depth, shortcut=shortcut))
    expected = numpy_deep_transition(kind, _layer_weights(layer.cell), _inputs("float64"), shortcut)
    np.testing.assert_allclose(layer(_inputs()).numpy(), expected, atol=1e-5)


@pytest.mark.parametrize("kind,depth,shortcut", [("simple_rnn", 3, True), ("lstm", 2, True)])
def test_gradients_match_central_differences_of_the_transcription(kind, depth, shortcut):
    layer = _random_layer(DeepTransitionCell(UNITS, kind, transition_depth=depth, shortcut=shortcut))
    inputs = _inputs()
    probe = np.random.default_rng(3).normal(size=(BATCH, STEPS, UNITS))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(inputs) * probe)
    gradients = tape.gradient(loss, layer.trainable_weights)
    weights = _layer_weights(layer.cell)
    rng = np.random.default_rng(4)
    by_path = dict(zip((w.path for w in layer.trainable_weights), gradients))
    checked = 0
    for index, layer_weights in enumerate(weights):
        for name, value in layer_weights.items():
            gradient = by_path[f"{layer.cell.transition_layers[index].path}/{name}"].numpy()
            for _ in range(2):
                position = tuple(rng.integers(0, size) for size in value.shape)
                differences = []
                for sign in (1, -1):
                    moved = [{k: v.astype("float64").copy() for k, v in w.items()} for w in weights]
                    moved[index][name][position] += sign * 1e-6
                    differences.append(np.sum(numpy_deep_transition(kind, moved, inputs.astype("float64"),
                                                                     shortcut) * probe))  # fmt: skip
                numeric = (differences[0] - differences[1]) / 2e-6
                np.testing.assert_allclose(gradient[position], numeric, rtol=2e-3, atol=2e-4)
                checked += 1
    assert checked == 2 * sum(len(w) for w in weights)


def test_masked_steps_carry_the_state_and_a_saved_layer_reloads():
    layer = _random_layer(make_cell("lstm", UNITS, transition_depth=2, shortcut=True, peephole=True))
    inputs = _inputs()
    mask = np.array([[True] * STEPS, [True, True, True, False, False]])
    masked = layer(inputs, mask=mask).numpy()
    alone = layer(inputs[1:, :3]).numpy()
    np.testing.assert_allclose(masked[1, :3], alone[0], atol=1e-6)
    np.testing.assert_array_equal(masked[1, 3:], 0.0)
    reloaded = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    reloaded.build((None, STEPS, FEATURES))
    reloaded.set_weights(layer.get_weights())
    assert reloaded.cell.transition_layers[1].peephole and reloaded.cell.shortcut
    np.testing.assert_allclose(reloaded(inputs).numpy(), layer(inputs).numpy(), atol=1e-6)


def test_dropout_applies_once_per_sequence_in_training_only():
    layer = _random_layer(DeepTransitionCell(UNITS, "gru", transition_depth=2, dropout=0.5, recurrent_dropout=0.5,
                                             seed=1))  # fmt: skip
    inputs = _inputs()
    np.testing.assert_allclose(layer(inputs).numpy(), layer(inputs, training=False).numpy())
    assert not np.allclose(layer(inputs, training=True).numpy(), layer(inputs).numpy())


def test_bad_settings_are_refused_by_name():
    with pytest.raises(UsageError, match="transition_depth >= 2"):
        make_cell("simple_rnn", UNITS, shortcut=True)
    with pytest.raises(UsageError, match="transition_depth"):
        make_cell("lstm", UNITS, transition_depth=0)
    with pytest.raises(UsageError, match="cell"):
        DeepTransitionCell(UNITS, "elman")
    with pytest.raises(UsageError, match="loop_gradient"):
        Recurrent(make_cell("lstm", UNITS, transition_depth=2), implementation="loop_gradient")
