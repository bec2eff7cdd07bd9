"""`Recurrent(implementation="low_memory")`: the loop gradient that keeps only the states, against autodiff of the
same layer (outputs, and gradients for the inputs, the initial states and every weight), for every cell."""

import numpy as np
import pytest

from tests.parity import outputs_and_gradients, random_sequences, right_padded_mask
from zoo.cells import make_cell
from zoo.errors import UsageError
from zoo.layers import Recurrent

CELLS = {
    "simple_rnn": dict(name="simple_rnn"),
    "lstm": dict(name="lstm"),
    "gru": dict(name="gru"),
    "gru_reset_before": dict(name="gru", reset_after=False),  # U split in two: the product loop refuses it
    "layernorm_lstm": dict(name="layernorm_lstm"),
    "lstm_peephole_variant": dict(name="lstm", peephole=True, variant="no_output_activation"),
    "lstm_deep_transition": dict(name="lstm", transition_depth=2, shortcut=True),
}
OPTIONS = {
    "sequences": dict(return_sequences=True),
    "last_output": dict(return_sequences=False),
    "padded": dict(return_sequences=True, masked=True),
    "padded_last_output_backwards": dict(return_sequences=False, masked=True, go_backwards=True),
    "initial_state_and_returned_states": dict(return_sequences=True, return_state=True, initial_state=True),
    "dropout": dict(return_sequences=True, dropped=True),
}


def _layer(spec, implementation, options):
    spec = dict(spec)
    dropout = dict(dropout=0.2, recurrent_dropout=0.3, seed=3) if options.get("dropped") else {}
    cell = make_cell(spec.pop("name"), 5, **spec, **dropout)
    return Recurrent(cell, implementation=implementation, return_sequences=options["return_sequences"],
                     return_state=options.get("return_state", False), go_backwards=options.get("go_backwards", False))


@pytest.mark.parametrize("option", sorted(OPTIONS))
@pytest.mark.parametrize("cell", sorted(CELLS))
def test_the_memory_saving_loop_equals_autodiff(cell, option):
    options = OPTIONS[option]
    inputs = random_sequences(time=6)
    kwargs = {"training": True}
    if options.get("masked"):
        kwargs["mask"] = right_padded_mask([6, 3, 1], 6)
    if options.get("initial_state"):
        rng = np.random.default_rng(2)
        kwargs["initial_state"] = [rng.normal(size=(3, 5)).astype("float32")
                                   for _ in _layer(CELLS[cell], "autodiff", options).cell.state_sizes]
    reference, layer = _layer(CELLS[cell], "autodiff", options), _layer(CELLS[cell], "low_memory", options)
    reference(inputs), layer(inputs)  # built without dropout: each layer's first masks are drawn below, alike
    layer.set_weights(reference.get_weights())
    expected_outputs, expected_gradients = outputs_and_gradients(reference, inputs, **kwargs)
    outputs, gradients = outputs_and_gradients(layer, inputs, **kwargs)
    for actual, expected in zip(outputs + gradients, expected_outputs + expected_gradients, strict=True):
        np.testing.assert_allclose(actual, expected, atol=1e-5, rtol=0)


def test_an_unrolled_layer_refuses_it():
    with pytest.raises(UsageError, match="low_memory' needs a loop"):
        Recurrent(make_cell("lstm", 4), implementation="low_memory", unroll=True)
