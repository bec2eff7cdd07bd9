"""Every cell under Keras' mixed dtype policies: a training step of each, and parity with the Keras built-ins.

References and tolerances. The reference of a mixed run is the same layer in float32 (proved equal to the Keras
built-in and NumPy by the cells' own tests). bfloat16 keeps 8 significant bits (relative spacing 2^-8 ≈ 0.4 %),
float16 11 (≈ 0.05 %): outputs must lie within 3e-2 (bfloat16) / 4e-3 (float16) of float32's, gradients
within the same fraction of their largest float32 value, and zoo within as much of the Keras built-in under
the same policy. Measured on 8×30×16×32 (max over outputs and all gradients): zoo 2.9e-3 / 2.7e-4 from
float32 (LSTM, bfloat16 / float16), Keras 7.3e-3 / 7.0e-4 — zoo's gates and states stay float32, Keras'
do not — so zoo must also stay within 1.5× Keras' own distance from float32.
"""

import numpy as np
import pytest
import keras
import tensorflow as tf

from zoo.cells import make_cell
from zoo.layers import Recurrent

POLICIES = ("mixed_bfloat16", "mixed_float16")
TOLERANCE = {"mixed_bfloat16": 3e-2, "mixed_float16": 4e-3}
KERAS_LAYERS = {"simple_rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}
# Every cell, and the options that change what `step` reads (peepholes, gains, a deep transition, U split in two).
CELLS = {
    "simple_rnn": dict(name="simple_rnn"),
    "lstm": dict(name="lstm"),
    "gru": dict(name="gru"),
    "gru_reset_before": dict(name="gru", reset_after=False),
    "layernorm_lstm": dict(name="layernorm_lstm"),
    "lstm_peephole_cifg": dict(name="lstm", peephole=True, variant="cifg"),
    "lstm_deep_transition": dict(name="lstm", transition_depth=2, shortcut=True),
    "gru_deep_transition": dict(name="gru", transition_depth=2),
}


@pytest.fixture
def policy(request):
    keras.mixed_precision.set_dtype_policy(request.param)
    yield request.param
    keras.mixed_precision.set_dtype_policy("float32")


def _cell(spec, units=8):
    options = dict(spec)
    return make_cell(options.pop("name"), units, **options)


def _outputs_and_gradients(layer, inputs, training):
    inputs = tf.constant(inputs)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        outputs = tf.cast(layer(inputs, training=training), tf.float32)
        weights = np.random.default_rng(1).normal(size=outputs.shape).astype("float32")
        loss = tf.reduce_sum(outputs * weights)
    gradients = tape.gradient(loss, [inputs, *layer.trainable_weights])
    return outputs.numpy(), [gradient.numpy() for gradient in gradients]


def _distance(result, reference):
    """The largest gap of the outputs, and of every gradient as a fraction of its largest reference value."""
    (outputs, gradients), (reference_outputs, reference_gradients) = result, reference
    gaps = [np.abs(outputs - reference_outputs).max()]
    gaps += [np.abs(g - r).max() / np.abs(r).max() for g, r in zip(gradients, reference_gradients)]
    return max(gaps)


# The loop gradient needs a step that uses U once: not a deep transition's, nor the paper's GRU (both refused,
# test_implementation.py).
TRAINING_PATHS = [(cell, implementation) for cell in sorted(CELLS)
                  for implementation in ("autodiff", "low_memory", "loop_gradient")
                  if implementation != "loop_gradient" or cell in ("simple_rnn", "lstm", "gru", "layernorm_lstm",
                                                                    "lstm_peephole_cifg")]


@pytest.mark.parametrize("policy", POLICIES, indirect=True)
@pytest.mark.parametrize("cell, implementation", TRAINING_PATHS)
def test_a_training_step_of_every_cell_runs_under_the_policy(policy, cell, implementation):
    made = _cell(CELLS[cell])
    rng = np.random.default_rng(0)
    inputs, targets = rng.normal(size=(4, 7, 3)).astype("float32"), rng.normal(size=(4, 1)).astype("float32")
    layer = Recurrent(made, implementation=implementation)
    model = keras.Sequential([keras.Input((7, 3)), layer, keras.layers.Dense(1, dtype="float32")])
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    before = [weight.numpy() for weight in layer.trainable_weights]
    # float16 steps start with a loss scale of 2^15: the first ones may overflow and be skipped, as designed.
    losses = model.fit(inputs, targets, epochs=10, batch_size=4, verbose=0).history["loss"]

    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    assert layer.compute_dtype == policy.split("_")[1]
    assert all(weight.dtype == "float32" for weight in layer.weights)
    assert all(np.abs(w.numpy() - b).max() > 0 for w, b in zip(layer.trainable_weights, before)
               if not w.name.startswith("peephole"))  # peepholes start at zero; one step may leave some there
    if policy == "mixed_float16":
        assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)


@pytest.mark.parametrize("policy", POLICIES, indirect=True)
@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("cell", sorted(KERAS_LAYERS))
def test_outputs_and_gradients_match_float32_and_the_keras_builtin_under_the_policy(policy, training, cell):
    inputs = np.random.default_rng(0).normal(size=(4, 12, 8)).astype("float32")
    keras.mixed_precision.set_dtype_policy("float32")
    reference_layer = Recurrent(make_cell(cell, 16), return_sequences=True)
    reference_layer(inputs[:1])
    weights = reference_layer.get_weights()
    reference = _outputs_and_gradients(reference_layer, inputs, training)
    keras.mixed_precision.set_dtype_policy(policy)
    layer = Recurrent(make_cell(cell, 16), return_sequences=True)
    builtin = KERAS_LAYERS[cell](16, return_sequences=True)
    for each in (layer, builtin):
        each(inputs[:1])
        each.set_weights(weights)
    zoo, keras_result = _outputs_and_gradients(layer, inputs, training), _outputs_and_gradients(builtin, inputs, training)

    assert _distance(zoo, reference) < TOLERANCE[policy]
    assert _distance(zoo, keras_result) < TOLERANCE[policy]
    assert _distance(zoo, reference) <= 1.5 * _distance(keras_result, reference)


@pytest.mark.parametrize("policy", POLICIES, indirect=True)
def test_outputs_leave_in_the_compute_dtype_and_states_in_float32(policy):
    layer = Recurrent(make_cell("lstm", 8), return_sequences=True, return_state=True)
    outputs, h, c = layer(np.zeros((2, 5, 3), "float32"), initial_state=[np.ones((2, 8), "float32")] * 2)
    assert outputs.dtype == policy.split("_")[1]
    assert h.dtype == c.dtype == "float32"
    stepped, _ = layer.cell.step(tf.zeros((2, 32)), [h, c])
    assert stepped.dtype == "float32"


@pytest.mark.parametrize("policy", POLICIES, indirect=True)
def test_a_stateful_layer_carries_float32_states_under_the_policy(policy):
    layer = Recurrent(make_cell("gru", 8), stateful=True)
    model = keras.Sequential([keras.Input((5, 3), batch_size=2), layer, keras.layers.Dense(1, dtype="float32")])
    model.compile("adam", "mse")
    inputs = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    model.fit(inputs, np.zeros((2, 1), "float32"), epochs=2, verbose=0)
    assert [state.dtype for state in layer.states] == ["float32"]
    carried = layer.states[0].numpy()
    assert np.abs(carried).max() > 0
    layer.reset_states()
    assert np.abs(layer.states[0].numpy()).max() == 0
