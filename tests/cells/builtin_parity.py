"""Parity cases shared by the SimpleRNN, LSTM and GRU tests: zoo vs keras.layers built-ins."""

import numpy as np

from tests.parity import assert_same_as_reference, random_sequences, right_padded_mask
from zoo.layers import Recurrent

UNITS = 5
TIME = 6
LENGTHS = [6, 3, 1]

CASES = {
    "last_output": dict(return_sequences=False),
    "sequences": dict(return_sequences=True),
    "go_backwards": dict(return_sequences=True, go_backwards=True),
    "go_backwards_last": dict(return_sequences=False, go_backwards=True),
    "masked_sequences": dict(return_sequences=True, masked=True),
    "masked_last_output": dict(return_sequences=False, masked=True),
    "masked_backwards": dict(return_sequences=True, go_backwards=True, masked=True),
    "initial_state": dict(return_sequences=True, initial_state=True),
    # training=True takes the fused path (U h_{t-1} and dU computed by the loop); no dropout here.
    "training_masked_sequences": dict(return_sequences=True, masked=True, training=True),
    "training_masked_backwards_last": dict(return_sequences=False, go_backwards=True, masked=True, training=True),
    "training_initial_state": dict(return_sequences=True, initial_state=True, training=True),
}


def check_case(make_zoo_cell, keras_layer_class, case, **keras_kwargs):
    """Builds the zoo layer and the Keras built-in for `case` and asserts they agree."""
    options = CASES[case]
    return_sequences = options["return_sequences"]
    go_backwards = options.get("go_backwards", False)
    cell = make_zoo_cell()
    reference = keras_layer_class(
        UNITS,
        return_sequences=return_sequences,
        return_state=True,
        go_backwards=go_backwards,
        zero_output_for_mask=return_sequences,
        **keras_kwargs,
    )
    layer = Recurrent(cell, return_sequences=return_sequences, return_state=True, go_backwards=go_backwards)
    inputs = random_sequences(time=TIME)
    call_kwargs = {"training": options.get("training", False)}
    if options.get("masked"):
        call_kwargs["mask"] = right_padded_mask(LENGTHS, TIME)
    if options.get("initial_state"):
        rng = np.random.default_rng(2)
        call_kwargs["initial_state"] = [
            rng.normal(size=(inputs.shape[0], UNITS)).astype("float32") for _ in cell.state_sizes
        ]
    return assert_same_as_reference(reference, layer, inputs, **call_kwargs)
