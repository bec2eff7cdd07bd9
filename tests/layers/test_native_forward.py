"""zoo's fused CPU kernels for the LSTM, GRU and simple RNN (`zoo.native`, `zoo.layers.native_rnn`) against the
`tf.while_loop` over the cells' own `step` (implementation="autodiff" or "loop_gradient", which never take the
kernels): outputs, states and gradients; where the kernels may appear in a graph and where they must not; their
errors. The backward kernel's own checks: test_native_backward.py."""

import glob
from unittest import mock

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.cells import GRUCell, LayerNormLSTMCell, LSTMCell, SimpleRNNCell
from zoo.layers import Recurrent
from zoo.layers.native_rnn import portable_graphs
from zoo.native import build, rnn_forward_op
from zoo.native.__main__ import main as native_command
from zoo.precision import dtype_policy

CELLS = {"lstm": LSTMCell, "gru": GRUCell, "simple_rnn": SimpleRNNCell}
OP = "ZooRnnForward"


def _pair(kind, units=6, **options):
    """The same layer twice, equal weights: one under "auto" (the kernel), one under "autodiff" (the loop)."""
    kernel, loop = (Recurrent(CELLS[kind](units), implementation=implementation, **options)
                    for implementation in ("auto", "autodiff"))
    x = _inputs()
    kernel(x), loop(x)
    loop.set_weights(kernel.get_weights())
    return kernel, loop


def _inputs(batch=5, steps=7, features=3, seed=0):
    return tf.constant(np.random.default_rng(seed).normal(size=(batch, steps, features)).astype("float32"))


def _mask():
    mask = np.ones((5, 7), bool)
    mask[1, 4:] = False  # right padding
    mask[3, :2] = False  # left padding
    mask[2, :] = False  # nothing valid: the last output is zeros
    return tf.constant(mask)


def _holds_kernel(function, *arguments):
    return any(node.op == OP for node in _nodes(tf.function(function).get_concrete_function(*arguments).graph))


def _nodes(graph):
    definition = graph.as_graph_def()
    yield from definition.node
    for function in definition.library.function:
        yield from function.node_def


def _as_list(result):
    return list(result) if isinstance(result, (list, tuple)) else [result]


@pytest.mark.parametrize("kind", sorted(CELLS))
@pytest.mark.parametrize("options", [
    dict(return_sequences=True),
    dict(return_state=True),
    dict(go_backwards=True, return_sequences=True, return_state=True),
])
@pytest.mark.parametrize("masked", [False, True])
def test_the_kernel_equals_the_loop(kind, options, masked):
    kernel, loop = _pair(kind, **options)
    x, mask = _inputs(), _mask() if masked else None
    assert _holds_kernel(lambda x: kernel(x, mask=mask), x) and not _holds_kernel(lambda x: loop(x, mask=mask), x)
    for ours, reference in zip(_as_list(kernel(x, mask=mask)), _as_list(loop(x, mask=mask)), strict=True):
        np.testing.assert_allclose(ours.numpy(), reference.numpy(), atol=2e-6)


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_a_step_large_enough_for_threads_equals_the_loop_in_inference_and_training(kind):
    """32 × (32 + 150) × gates · 150 multiply-adds a step: over the kernel's threshold for splitting the units
    between threads (75 each), which the small shapes above stay under."""
    x = _inputs(batch=32, steps=5, features=32, seed=3)
    mask = tf.constant(np.arange(5)[None, :] < np.random.default_rng(4).integers(0, 6, size=(32, 1)))
    kernel, loop = (Recurrent(CELLS[kind](150), return_sequences=True, implementation=implementation)
                    for implementation in ("auto", "loop_gradient"))
    kernel(x), loop(x)
    loop.set_weights(kernel.get_weights())
    for training in (False, True):
        with tf.GradientTape(persistent=True) as tape:
            ours, theirs = kernel(x, mask=mask, training=training), loop(x, mask=mask, training=training)
            losses = [tf.reduce_sum(tf.square(output)) for output in (ours, theirs)]
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=2e-6)
        for mine, reference in zip(tape.gradient(losses[0], kernel.trainable_weights),
                                   tape.gradient(losses[1], loop.trainable_weights), strict=True):
            np.testing.assert_allclose(mine.numpy(), reference.numpy(), atol=2e-5)


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_initial_states_and_a_stateful_layer(kind):
    kernel, loop = _pair(kind, return_state=True)
    x = _inputs()
    states = [tf.constant(np.random.default_rng(index).normal(size=(5, 6)).astype("float32"))
              for index in range(len(kernel.cell.state_sizes))]
    for ours, reference in zip(kernel(x, initial_state=states), loop(x, initial_state=states)):
        np.testing.assert_allclose(ours.numpy(), reference.numpy(), atol=2e-6)
    carried = Recurrent(CELLS[kind](6), stateful=True)
    carried.build(x.shape)
    first, second = carried(x).numpy(), carried(x).numpy()
    assert np.abs(first - second).max() > 1e-3, "the second batch starts from the first one's states"
    reference = Recurrent(CELLS[kind](6), return_state=True, implementation="autodiff")
    reference(x)
    reference.cell.set_weights(carried.cell.get_weights())
    reference_first, *states = reference(x)
    np.testing.assert_allclose(first, reference_first.numpy(), atol=2e-6)
    np.testing.assert_allclose(second, reference(x, initial_state=states)[0].numpy(), atol=2e-6)


@pytest.mark.parametrize("kind", sorted(CELLS))
@pytest.mark.parametrize("options", [dict(return_sequences=True), dict(return_state=True, go_backwards=True)])
def test_training_runs_through_the_kernels_with_the_loop_gradients_results(kind, options):
    """Training: the forward kernel saves what the backward kernel reads; outputs and gradients equal those of
    the TensorFlow loops (implementation="loop_gradient")."""
    kernel, loop = (Recurrent(CELLS[kind](6), implementation=implementation, **options)
                    for implementation in ("auto", "loop_gradient"))
    x, mask = _inputs(), _mask()
    kernel(x), loop(x)
    loop.set_weights(kernel.get_weights())
    assert _holds_kernel(lambda x: kernel(x, mask=mask, training=True), x)
    results = []
    for layer in (kernel, loop):
        with tf.GradientTape() as tape:
            tape.watch(x)
            outputs = _as_list(layer(x, mask=mask, training=True))
            loss = sum(tf.reduce_sum(tf.square(output)) for output in outputs)
        results.append((outputs, tape.gradient(loss, [x, *layer.trainable_weights])))
    (ours, our_gradients), (theirs, their_gradients) = results
    for mine, reference in zip(ours + our_gradients, theirs + their_gradients, strict=True):
        np.testing.assert_allclose(np.asarray(mine), np.asarray(reference), atol=1e-5)


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_gradients_through_inference_are_the_loops(kind):
    kernel, loop = _pair(kind, return_sequences=True)
    x, mask = _inputs(), _mask()
    gradients = []
    for layer in (kernel, loop):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(tf.square(layer(x, mask=mask)))  # training=False: the kernel runs forward
        gradients.append(tape.gradient(loss, [x, *layer.trainable_weights]))
    for ours, reference in zip(*gradients, strict=True):
        np.testing.assert_allclose(np.asarray(ours), np.asarray(reference), atol=1e-5)


def test_the_kernel_stays_out_where_it_would_be_wrong_or_would_leave_the_process(tmp_path):
    x = _inputs()
    lstm = Recurrent(LSTMCell(6))
    lstm(x)
    assert _holds_kernel(lambda x: lstm(x), x)
    dropped = Recurrent(LSTMCell(6, recurrent_dropout=0.3))
    assert _holds_kernel(lambda x: dropped(x), x) and not _holds_kernel(lambda x: dropped(x, training=True), x)
    with portable_graphs():
        assert not _holds_kernel(lambda x: lstm(x), x)
    with mock.patch("zoo.layers.native_rnn.gpu_available", return_value=True):
        assert not _holds_kernel(lambda x: lstm(x), x), "where a GPU is visible, cuDNN or the loop runs there"
    for cell in (LSTMCell(6, peephole=True), LayerNormLSTMCell(6), GRUCell(6, reset_after=False),
                 LSTMCell(6, activation="relu")):
        other = Recurrent(cell)
        assert not _holds_kernel(lambda x: other(x), x), cell
    with dtype_policy("mixed_float16"):
        mixed = Recurrent(LSTMCell(6))
        assert not _holds_kernel(lambda x: mixed(x), x), "float16 products: the loop"
    inputs = keras.Input((7, 3))
    model = keras.Model(inputs, lstm(inputs))
    model(x)
    model.export(str(tmp_path / "export"), verbose=False)
    tf.saved_model.save(model, str(tmp_path / "saved"))
    for path in glob.glob(str(tmp_path / "**" / "saved_model.pb"), recursive=True):
        with open(path, "rb") as saved:
            assert OP.encode() not in saved.read(), path
    reloaded = tf.saved_model.load(str(tmp_path / "export"))
    np.testing.assert_allclose(reloaded.serve(x).numpy(), lstm(x).numpy(), atol=2e-6)


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_under_mixed_bfloat16_the_kernel_multiplies_in_bfloat16_and_equals_the_loop_within_its_rounding(kind):
    x = _inputs()
    with dtype_policy("mixed_bfloat16"):
        kernel, loop = _pair(kind, return_sequences=True)
    assert _holds_kernel(lambda x: kernel(x), x)
    float32 = Recurrent(CELLS[kind](6), return_sequences=True, implementation="autodiff")
    float32(x)
    float32.set_weights(kernel.get_weights())
    ours, theirs, exact = (np.asarray(layer(x), "float32") for layer in (kernel, loop, float32))
    assert kernel(x).dtype == "bfloat16"
    # The loop rounds each product to bfloat16 and the kernel sums them in float32: both within bfloat16's
    # rounding of the float32 result, and not equal to it (the products did run in bfloat16).
    np.testing.assert_allclose(ours, theirs, atol=2e-2)
    np.testing.assert_allclose(ours, exact, atol=2e-2)
    assert np.abs(ours - exact).max() > 1e-4


@pytest.mark.parametrize("batch, features, units", [(5, 3, 6), (9, 40, 70)])
def test_the_bfloat16_product_is_exact_on_bfloat16_values(batch, features, units):
    """Weights, inputs and states already bfloat16: products are exact and sums float32, so bfloat16_products
    equals the float32 kernel to float32 rounding, at shapes that leave remainder rows, an odd inner size and
    padded column blocks."""
    rng = np.random.default_rng(5)

    def bf16(*shape):
        return tf.cast(tf.cast(rng.normal(size=shape).astype("float32") * 0.3, tf.bfloat16), tf.float32)

    arguments = dict(x=bf16(batch, 1, features), h0=bf16(batch, units), c0=bf16(batch, units),
                     kernel=bf16(features, 4 * units), bias=bf16(4 * units), recurrent_kernel=bf16(units, 4 * units),
                     recurrent_bias=tf.zeros([4 * units]), mask=tf.zeros([0], tf.bool), kept_inputs=tf.zeros([0]),
                     cell="lstm")
    op = rnn_forward_op()
    for rounded, reference in zip(op(**arguments, bfloat16_products=True)[:4], op(**arguments)[:4], strict=True):
        np.testing.assert_allclose(rounded.numpy(), reference.numpy(), atol=1e-5)


@pytest.mark.parametrize("kind, gates", [("lstm", 4), ("gru", 3), ("simple", 1)])
def test_bfloat16_products_round_x_h_and_the_weights_to_bfloat16(kind, gates):
    """On float32 values, bfloat16_products equals the float32 kernel given x, h0, W and U rounded to bfloat16
    (biases and c0 are not multiplied: they stay float32) — with AVX512-BF16 dot products or, on a CPU without
    them, float32 products of the rounded values — and not the float32 kernel given the values themselves."""
    rng = np.random.default_rng(11)
    batch, features, units = 9, 40, 70

    def values(*shape):
        return tf.constant(rng.normal(size=shape).astype("float32") * 0.3)

    def rounded(value):
        return tf.cast(tf.cast(value, tf.bfloat16), tf.float32)

    arguments = dict(x=values(batch, 1, features), h0=values(batch, units), c0=values(batch, units),
                     kernel=values(features, gates * units), bias=values(gates * units),
                     recurrent_kernel=values(units, gates * units), recurrent_bias=values(gates * units),
                     mask=tf.zeros([0], tf.bool), kept_inputs=tf.zeros([0]), cell=kind)
    multiplied = ("x", "h0", "kernel", "recurrent_kernel")
    if kind == "gru":  # it also reads h_{t-1} outside the products (z h_{t-1}), in float32: start from bfloat16 values
        arguments["h0"] = rounded(arguments["h0"])
    op = rnn_forward_op()
    ours = op(**arguments, bfloat16_products=True)[:4]
    on_rounded = op(**{**arguments, **{name: rounded(arguments[name]) for name in multiplied}})[:4]
    on_values = op(**arguments)[:4]
    for result, reference in zip(ours, on_rounded, strict=True):
        np.testing.assert_allclose(result.numpy(), reference.numpy(), atol=1e-5)
    assert np.abs(ours[0].numpy() - on_values[0].numpy()).max() > 1e-3


def test_inconsistent_shapes_are_refused_naming_the_input():
    op = rnn_forward_op()
    zeros = tf.zeros
    arguments = dict(x=zeros([2, 3, 4]), h0=zeros([2, 5]), c0=zeros([2, 5]), kernel=zeros([4, 20]), bias=zeros([20]),
                     recurrent_kernel=zeros([5, 20]), recurrent_bias=zeros([20]), mask=zeros([0], tf.bool),
                     kept_inputs=zeros([0]), cell="lstm")
    op(**arguments)  # consistent: runs
    for name, wrong, message in [("recurrent_kernel", zeros([4, 20]), "recurrent_kernel must be"),
                                 ("mask", zeros([3, 2], tf.bool), "mask must be"),
                                 ("kept_inputs", zeros([2, 3, 4]), "kept_inputs must be")]:  # inference keeps none
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            op(**{**arguments, name: wrong})
    # Training reads the projected sequence and keeps the inputs time-major (time 3, batch 2).
    training = dict(arguments, x=zeros([3, 2, 20]), kept_inputs=zeros([3, 2, 4]), training=True)
    op(**training)
    for name, wrong, message in [("x", zeros([3, 2, 19]), "x must be \\[time, batch, gates"),
                                 ("kept_inputs", zeros([2, 3, 4]), "kept_inputs must be")]:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            op(**{**training, name: wrong})


def test_a_failed_build_reports_the_compilers_words(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_NATIVE_CACHE", str(tmp_path))
    broken = tmp_path / "broken.cc"
    broken.write_text("this is not C++\n")
    with pytest.raises(RuntimeError, match="broken.cc") as raised:
        build.build(broken, quiet=True)
    assert "error" in str(raised.value)
    monkeypatch.delenv("CXX", raising=False)
    monkeypatch.setattr(build.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="no C\\+\\+ compiler"):
        build.build(broken, quiet=True)


def test_zoo_native_0_turns_the_kernel_off_and_the_build_command_says_so(monkeypatch, capsys):
    assert native_command([]) == 0 and "zoo_rnn-" in capsys.readouterr().out
    monkeypatch.setenv("ZOO_NATIVE", "0")
    build.forget_loaded()
    try:
        assert rnn_forward_op() is None and "ZOO_NATIVE=0" in build.native_status()
        assert native_command([]) == 1 and "disabled by ZOO_NATIVE=0" in capsys.readouterr().err
        layer = Recurrent(LSTMCell(4))
        assert not _holds_kernel(lambda x: layer(x), _inputs())
    finally:
        monkeypatch.delenv("ZOO_NATIVE")
        build.forget_loaded()
    assert rnn_forward_op() is not None


def test_two_threaded_calls_at_once_each_get_their_own_results():
    """TensorFlow may run two independent layers' kernels at the same time (a Bidirectional's two directions): one
    takes zoo's kept threads, the other threads of its own; both results equal each layer's alone."""
    x = _inputs(batch=32, steps=6, features=32, seed=5)
    layers = [Recurrent(CELLS[kind](150), return_sequences=True) for kind in ("lstm", "gru")]
    alone = [layer(x).numpy() for layer in layers]

    @tf.function
    def both(x):
        return [layer(x) for layer in layers]

    for _ in range(3):
        for together, reference in zip(both(x), alone, strict=True):
            np.testing.assert_array_equal(together.numpy(), reference)


def test_the_kernels_sources_ship_with_the_package():
    """A wheel (not only an editable install) must carry the C++ sources: the kernels are compiled where zoo runs."""
    import configparser
    import fnmatch
    from pathlib import Path

    setup = configparser.ConfigParser()
    setup.read(Path(__file__).parents[2] / "setup.cfg")
    patterns = [pattern.strip() for pattern in setup["options.package_data"]["zoo.native"].split(",")]
    for path in (*build.SOURCES, *build.HEADERS):
        assert path.exists() and any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns), path.name
