import numpy as np
import pytest
import tensorflow as tf

from tests.parity import right_padded_mask
from zoo.cells import make_cell
from zoo.layers.recurrent_gradient import run_steps_with_gradient
from zoo.layers.time_loop import run_steps

TIME, BATCH, UNITS = 5, 3, 4
CELLS = {
    "simple_rnn": dict(name="simple_rnn"),
    "lstm": dict(name="lstm"),
    "gru": dict(name="gru"),  # reset_after: a recurrent bias inside the product
    "layernorm_lstm": dict(name="layernorm_lstm"),  # gains read inside the loop
}
OPTIONS = {
    "sequences": dict(),
    "last_output_only": dict(return_sequences=False),
    "padded": dict(masked=True),
    "padded_last_output": dict(masked=True, return_sequences=False),
    "recurrent_dropout": dict(dropped=True, masked=True),
}


def built_cell(name):
    cell = make_cell(name, UNITS)
    cell.build((BATCH, 2))
    rng = np.random.default_rng(0)
    for weight in cell.weights:  # nonzero biases and gains, so their gradients mean something
        weight.assign(rng.normal(scale=0.5, size=weight.shape).astype("float32"))
    return cell


def loss_and_gradients(cell, options, hand_made):
    rng = np.random.default_rng(1)
    projected = tf.constant(rng.normal(size=(TIME, BATCH, cell.kernel.shape[-1])).astype("float32"))
    states = [tf.constant(rng.normal(size=(BATCH, size)).astype("float32")) for size in cell.state_sizes]
    mask = right_padded_mask([5, 2, 0], TIME).T if options.get("masked") else None
    recurrent_mask = tf.constant((rng.random((BATCH, UNITS)) > 0.3) / 0.7, tf.float32) if options.get("dropped") else None
    return_sequences = options.get("return_sequences", True)
    with tf.GradientTape() as tape:
        tape.watch([projected, *states])
        if hand_made:
            kernel, bias = tf.convert_to_tensor(cell.recurrent_kernel), cell.recurrent_bias
            last, outputs, final = run_steps_with_gradient(
                lambda projected_t, product, states: cell.step(projected_t, states, recurrent=product), projected, states, cell.output_size, kernel,
                recurrent_bias=None if bias is None else tf.convert_to_tensor(bias), recurrent_mask=recurrent_mask, mask=mask, return_sequences=return_sequences,
            )  # fmt: skip
        else:
            last, outputs, final = run_steps(
                lambda p, s: cell.step(p, s, recurrent_mask), projected, states, cell.output_size,
                mask=mask, return_sequences=return_sequences,
            )  # fmt: skip
        results = [last, *final] + ([outputs] if return_sequences else [])
        weights = np.random.default_rng(2)
        shapes = [[TIME if size is None else size for size in r.shape] for r in results]
        loss = sum(tf.reduce_sum(r * weights.normal(size=shape).astype("float32")) for r, shape in zip(results, shapes))
    return loss, tape.gradient(loss, [projected, *states, *cell.trainable_weights])


@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("name", CELLS)
@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "tf_function"])
def test_hand_made_loop_gradient_equals_autodiff_of_the_loop(name, option, compiled):
    cell = built_cell(name)  # every cell whose step fits, whether or not Recurrent uses it

    def run(hand_made):
        function = lambda: loss_and_gradients(cell, OPTIONS[option], hand_made)  # noqa: E731
        return tf.function(function)() if compiled else function()

    expected_loss, expected = run(hand_made=False)
    actual_loss, actual = run(hand_made=True)
    np.testing.assert_allclose(actual_loss.numpy(), expected_loss.numpy(), atol=1e-5, rtol=0)
    sources = ["projected", *[f"state {i}" for i in range(len(cell.state_sizes))], *[w.path for w in cell.trainable_weights]]
    for source, want, got in zip(sources, expected, actual):
        if want is None:  # the input kernel: the loop starts from the projected inputs
            assert got is None, source
            continue
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=1e-5, rtol=0, err_msg=source)
        assert np.abs(np.asarray(want)).max() > 0, source


def test_recurrent_trains_the_lstms_and_the_gru_with_the_hand_made_gradient():
    assert make_cell("lstm", UNITS).recomputed_gradient and make_cell("layernorm_lstm", UNITS).recomputed_gradient
    assert make_cell("gru", UNITS).recomputed_gradient
    assert not make_cell("gru", UNITS, reset_after=False).recomputed_gradient
