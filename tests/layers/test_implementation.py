"""`Recurrent(implementation=...)`: the path training takes through the loop is an argument, saved with
the layer; the paths agree."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.cells import GRUCell, LSTMCell, SimpleRNNCell
from zoo.errors import UsageError
from zoo.layers import recurrent as recurrent_module
from zoo.layers import Recurrent
from zoo.native import build


def _gradients(cell, implementation, seed=0):
    layer = Recurrent(cell, return_sequences=True, implementation=implementation)
    rng = np.random.default_rng(seed)
    inputs = tf.constant(rng.normal(size=(3, 6, 2)).astype("float32"))
    layer.build(inputs.shape)
    for weight in layer.weights:
        weight.assign(rng.normal(scale=0.5, size=weight.shape).astype("float32"))
    mask = tf.constant(np.arange(6)[None, :] < np.array([[6], [3], [1]]))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(layer(inputs, mask=mask, training=True)))
    return [np.asarray(g) for g in tape.gradient(loss, layer.trainable_weights)]


@pytest.mark.parametrize("make", [lambda: SimpleRNNCell(4), lambda: LSTMCell(4), lambda: GRUCell(4)],
                         ids=["simple_rnn", "lstm", "gru"])
def test_loop_gradient_equals_autodiff(make, monkeypatch):
    calls = []
    run = recurrent_module.run_steps_with_gradient
    monkeypatch.setattr(recurrent_module, "run_steps_with_gradient", lambda *a, **k: calls.append(1) or run(*a, **k))
    autodiff = _gradients(make(), "autodiff")
    assert not calls
    loop = _gradients(make(), "loop_gradient")
    assert calls  # the hand-made gradient ran
    for a, b in zip(loop, autodiff):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_auto_takes_the_loop_gradient_only_for_cells_measured_faster_with_it(monkeypatch):
    """The LSTM and the GRU (reset_after) gain by the loop gradient, through zoo's kernels or in TensorFlow ops; a
    simple RNN only where zoo's kernels run both of its halves (tanh), not with another activation."""
    calls = {"ops": 0, "kernels": 0}
    in_ops, in_kernels = recurrent_module.run_steps_with_gradient, recurrent_module.run_native_training

    def counted(key, run):
        return lambda *a, **k: calls.update({key: calls[key] + 1}) or run(*a, **k)

    monkeypatch.setattr(recurrent_module, "run_steps_with_gradient", counted("ops", in_ops))
    monkeypatch.setattr(recurrent_module, "run_native_training", counted("kernels", in_kernels))
    _gradients(SimpleRNNCell(4, activation="relu"), "auto")
    _gradients(GRUCell(4, reset_after=False), "auto")
    assert calls == {"ops": 0, "kernels": 0}
    _gradients(LSTMCell(4), "auto")
    _gradients(GRUCell(4), "auto")
    _gradients(SimpleRNNCell(4), "auto")
    assert calls == {"ops": 0, "kernels": 3}
    monkeypatch.setenv("ZOO_NATIVE", "0")
    build.forget_loaded()
    try:
        _gradients(LSTMCell(4), "auto")  # no kernel: the loop gradient in TensorFlow ops
        _gradients(SimpleRNNCell(4), "auto")  # autodiff, measured faster than the loop gradient in ops
        assert calls == {"ops": 1, "kernels": 3}
    finally:
        monkeypatch.delenv("ZOO_NATIVE")
        build.forget_loaded()


def test_implementation_is_saved_and_checked():
    layer = Recurrent(GRUCell(4), implementation="autodiff")
    assert Recurrent.from_config(layer.get_config()).implementation == "autodiff"
    assert Recurrent(LSTMCell(4)).get_config()["implementation"] == "auto"
    with pytest.raises(UsageError, match="implementation` must be one of auto, autodiff, loop_gradient, low_memory, cudnn"):
        Recurrent(LSTMCell(4), implementation="fused")
    with pytest.raises(UsageError, match="step uses U once"):
        Recurrent(GRUCell(4, reset_after=False), implementation="loop_gradient")
    with pytest.raises(UsageError, match="unroll=False"):
        Recurrent(LSTMCell(4), unroll=True, implementation="loop_gradient")


def test_a_model_saved_without_the_argument_loads_with_auto(tmp_path):
    inputs = keras.Input((5, 2))
    model = keras.Model(inputs, Recurrent(LSTMCell(3), name="rnn")(inputs))
    config = model.get_layer("rnn").get_config()
    del config["implementation"]  # as a model saved before the argument existed
    assert Recurrent.from_config(config).implementation == "auto"
