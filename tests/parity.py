"""Shared checks: a zoo layer against an independent reference, outputs and gradients."""

import numpy as np
import tensorflow as tf

ATOL = 1e-5


def random_sequences(batch=3, time=6, features=4, seed=0):
    return np.random.default_rng(seed).normal(size=(batch, time, features)).astype("float32")


def right_padded_mask(lengths, time):
    """Bool (batch, time): True for the first `length` steps of each row."""
    return np.arange(time)[None, :] < np.asarray(lengths)[:, None]


def _as_list(outputs):
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def outputs_and_gradients(layer, inputs, initial_state=None, **call_kwargs):
    """Runs `layer` and returns (outputs, gradients of a fixed random projection of them).

    Gradients are taken with respect to the inputs, the initial states (if any) and every
    trainable weight, in that order.
    """
    inputs = tf.constant(inputs)
    states = None if initial_state is None else [tf.constant(s) for s in initial_state]
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        if states is not None:
            tape.watch(states)
            call_kwargs["initial_state"] = states
        outputs = _as_list(layer(inputs, **call_kwargs))
        rng = np.random.default_rng(1)
        loss = sum(
            tf.reduce_sum(output * rng.normal(size=output.shape).astype(output.dtype.name)) for output in outputs
        )
    sources = [inputs] + (states or []) + list(layer.trainable_weights)
    gradients = tape.gradient(loss, sources)
    return [o.numpy() for o in outputs], [np.asarray(g) for g in gradients]


def assert_same_as_reference(reference, layer, inputs, atol=ATOL, **call_kwargs):
    """Asserts `layer` equals `reference` (same weights) in outputs and gradients; returns the max error.

    `layer` gets `reference`'s weights by `set_weights(reference.get_weights())`.
    """
    reference(inputs, **{k: v for k, v in call_kwargs.items() if k != "initial_state"})
    layer(inputs)
    layer.set_weights(reference.get_weights())
    expected_outputs, expected_gradients = outputs_and_gradients(reference, inputs, **call_kwargs)
    actual_outputs, actual_gradients = outputs_and_gradients(layer, inputs, **call_kwargs)
    assert len(actual_outputs) == len(expected_outputs)
    assert len(actual_gradients) == len(expected_gradients)
    worst = 0.0
    for name, expected, actual in (
        [(f"output {i}", e, a) for i, (e, a) in enumerate(zip(expected_outputs, actual_outputs))]
        + [(f"gradient {i}", e, a) for i, (e, a) in enumerate(zip(expected_gradients, actual_gradients))]
    ):
        np.testing.assert_allclose(actual, expected, atol=atol, rtol=0, err_msg=name)
        worst = max(worst, float(np.max(np.abs(actual - expected))))
    return worst
