"""What `Bidirectional` and `Stacked` cost over calling their layers by hand."""

import tensorflow as tf

from zoo.bench import timing
from zoo.cells import make_cell
from zoo.layers import Bidirectional, Recurrent, Stacked


def wrapper_functions(case, inputs):
    """Inference functions: each wrapper, and the same layers (same weights) called by hand."""
    bidirectional = Bidirectional(Recurrent(make_cell(case.cell, case.hidden), return_sequences=True))
    stacked = Stacked([Recurrent(make_cell(case.cell, case.hidden), return_sequences=True) for _ in range(2)])
    bidirectional(inputs[:1])
    stacked(inputs[:1])

    def bidirectional_by_hand():
        forward = bidirectional.forward_layer(inputs)
        backward = tf.reverse(bidirectional.backward_layer(inputs), [1])
        return tf.concat([forward, backward], -1)

    def stacked_by_hand():
        first, second = stacked.rnn_layers
        return second(first(inputs))

    return {
        "Bidirectional": (tf.function(lambda: bidirectional(inputs)), tf.function(bidirectional_by_hand)),
        "Stacked (depth 2)": (tf.function(lambda: stacked(inputs)), tf.function(stacked_by_hand)),
    }


def measure(case, repeats):
    """Rows `{wrapper, shape, wrapped_ms, by_hand_ms, ratio}` for `case`."""
    inputs = timing.inputs_for(case)
    rows = []
    for name, (wrapped, by_hand) in wrapper_functions(case, inputs).items():
        durations = timing.time_interleaved({"wrapped": wrapped, "by_hand": by_hand}, repeats)
        wrapped_ms, by_hand_ms = (timing.median_ms(durations[k]) for k in ("wrapped", "by_hand"))
        rows.append(
            dict(wrapper=name, cell=case.cell, shape=case.shape, wrapped_ms=wrapped_ms, by_hand_ms=by_hand_ms,
                 ratio=wrapped_ms / by_hand_ms)
        )
    return rows
