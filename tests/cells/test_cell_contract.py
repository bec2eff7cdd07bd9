"""The contract every zoo cell keeps (docs/cells_and_layers.md, "Cells": the Keras RNN-cell protocol, `project_inputs`
and `step`, dropout masks, serialization), checked for each of them."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.parity import assert_same_as_reference, outputs_and_gradients, random_sequences, right_padded_mask
from zoo.cells import CELLS, SimpleRNNCell, make_cell
from zoo.layers import Recurrent

CELL_NAMES = sorted(CELLS)


@pytest.mark.parametrize("name", CELL_NAMES)
def test_config_round_trip(name):
    cell = make_cell(name, 6, dropout=0.25, recurrent_dropout=0.5, seed=3, use_bias=False)
    config = cell.get_config()
    restored = type(cell).from_config(config)
    assert restored.get_config() == config


@pytest.mark.parametrize("name", CELL_NAMES)
def test_call_is_step_of_projected_inputs(name):
    cell = make_cell(name, 4)
    x = random_sequences(time=1)[:, 0, :]
    states = [tf.random.normal((3, size)) for size in cell.state_sizes]
    output, new_states = cell(x, states)
    step_output, step_states = cell.step(cell.project_inputs(x), states)
    np.testing.assert_array_equal(output.numpy(), step_output.numpy())
    for a, b in zip(new_states, step_states):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("name", CELL_NAMES)
def test_project_inputs_takes_a_whole_sequence(name):
    cell = make_cell(name, 4)
    x = random_sequences()
    cell.build((None, x.shape[-1]))
    whole = cell.project_inputs(x).numpy()
    per_step = np.stack([cell.project_inputs(x[:, t]).numpy() for t in range(x.shape[1])], axis=1)
    np.testing.assert_allclose(whole, per_step, atol=1e-6, rtol=0)


@pytest.mark.parametrize("name", CELL_NAMES)
def test_runs_inside_keras_rnn(name):
    """`keras.layers.RNN(zoo_cell)` and `Recurrent(zoo_cell)` compute the same thing."""
    x = random_sequences()
    mask = right_padded_mask([6, 4, 2], x.shape[1])
    reference = keras.layers.RNN(make_cell(name, 5), return_sequences=True, zero_output_for_mask=True)
    layer = Recurrent(make_cell(name, 5), return_sequences=True)
    assert_same_as_reference(reference, layer, x, mask=mask)


@pytest.mark.parametrize("name", CELL_NAMES)
@pytest.mark.parametrize("return_sequences", [True, False])
def test_training_path_computes_what_the_inference_path_computes(name, return_sequences):
    """With no dropout, training=True (the loop computes U h_{t-1} and dU) changes nothing."""
    x = random_sequences()
    mask = right_padded_mask([6, 2, 4], x.shape[1])
    layer = Recurrent(make_cell(name, 5), return_sequences=return_sequences, return_state=True)
    initial_state = [np.full((3, size), 0.3, "float32") for size in layer.cell.state_sizes]
    expected = outputs_and_gradients(layer, x, initial_state=initial_state, mask=mask, training=False)
    actual = outputs_and_gradients(layer, x, initial_state=initial_state, mask=mask, training=True)
    for a, b in zip(expected[0] + expected[1], actual[0] + actual[1]):
        np.testing.assert_allclose(b, a, atol=1e-4 * max(1.0, float(np.abs(a).max())), rtol=0)


@pytest.mark.parametrize("name", CELL_NAMES)
def test_dropout_only_when_training(name):
    x = random_sequences()
    plain = Recurrent(make_cell(name, 5), return_sequences=True)
    dropped = Recurrent(make_cell(name, 5, dropout=0.5, recurrent_dropout=0.5), return_sequences=True)
    plain(x)
    dropped(x)
    dropped.set_weights(plain.get_weights())
    np.testing.assert_array_equal(dropped(x, training=False).numpy(), plain(x).numpy())
    assert not np.allclose(dropped(x, training=True).numpy(), plain(x).numpy())


def _linear_cell(**kwargs):
    """A SimpleRNN cell with identity activation, so its dropout masks can be read off its outputs."""
    return SimpleRNNCell(6, activation="linear", use_bias=False, **kwargs)


def _input_dropout_outputs(run):
    cell = _linear_cell(dropout=0.5, seed=1)
    x = np.ones((4, 5, 6), "float32")
    cell.build((None, 6))
    cell.set_weights([np.eye(6, dtype="float32"), np.zeros((6, 6), "float32")])
    return run(cell, x)


def _recurrent_dropout_outputs(run):
    cell = _linear_cell(recurrent_dropout=0.5, seed=1)
    cell.build((None, 6))
    cell.set_weights([np.zeros((6, 6), "float32"), np.eye(6, dtype="float32")])
    h0 = np.ones((4, 6), "float32")
    return run(cell, np.zeros((4, 5, 6), "float32"), h0)


RUNNERS = {
    "Recurrent": lambda cell, x, *state: Recurrent(cell, return_sequences=True)(
        x, initial_state=list(state) or None, training=True
    ),
    "keras.layers.RNN": lambda cell, x, *state: keras.layers.RNN(cell, return_sequences=True)(
        x, initial_state=list(state) or None, training=True
    ),
}


@pytest.mark.parametrize("runner", sorted(RUNNERS))
def test_input_dropout_mask_is_the_same_at_every_step(runner):
    outputs = _input_dropout_outputs(RUNNERS[runner]).numpy()  # output_t = x_t ⊙ mask
    for t in range(1, outputs.shape[1]):
        np.testing.assert_array_equal(outputs[:, t], outputs[:, 0])
    assert set(np.unique(outputs[:, 0])) == {0.0, 2.0}


@pytest.mark.parametrize("runner", sorted(RUNNERS))
def test_recurrent_dropout_mask_is_the_same_at_every_step(runner):
    outputs = _recurrent_dropout_outputs(RUNNERS[runner]).numpy()  # h_t = h_{t-1} ⊙ mask = mask^t
    mask = outputs[:, 0]
    assert set(np.unique(mask)) == {0.0, 2.0}
    for t in range(outputs.shape[1]):
        np.testing.assert_allclose(outputs[:, t], mask ** (t + 1), rtol=1e-6)


def test_masks_differ_between_sequences_of_a_batch_and_between_calls():
    layer = Recurrent(_linear_cell(dropout=0.5, seed=1), return_sequences=True)
    x = np.ones((4, 5, 6), "float32")
    layer.build(x.shape)
    layer.set_weights([np.eye(6, dtype="float32"), np.zeros((6, 6), "float32")])
    first = layer(x, training=True).numpy()[:, 0]
    second = layer(x, training=True).numpy()[:, 0]
    assert any(not np.array_equal(first[0], row) for row in first[1:])
    assert not np.array_equal(first, second)


def test_make_cell_rejects_unknown_names():
    with pytest.raises(ValueError, match="`cell`.*'lstm'.*received cell='transformer'"):
        make_cell("transformer", 8)


@pytest.mark.parametrize("name", CELL_NAMES)
def test_gradients_under_dropout_match_plain_autodiff(name):
    """The training loop (fused dU) and an unrolled loop (autodiff per step) agree under dropout."""
    x = random_sequences()
    layers = [
        Recurrent(make_cell(name, 5, dropout=0.3, recurrent_dropout=0.4, seed=7), return_sequences=True, unroll=unroll)
        for unroll in (False, True)
    ]
    layers[0](x)
    layers[1](x)
    layers[1].set_weights(layers[0].get_weights())
    fused, unrolled = (outputs_and_gradients(layer, x, training=True) for layer in layers)
    for a, b in zip(unrolled[0] + unrolled[1], fused[0] + fused[1]):
        np.testing.assert_allclose(b, a, atol=1e-4 * max(1.0, float(np.abs(a).max())), rtol=0)
