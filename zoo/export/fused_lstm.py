"""LSTM layers as one composite function the TFLite converter fuses into UNIDIRECTIONAL_SEQUENCE_LSTM.

The converter replaces a function carrying `api_implements = "lstm_<id>"` (the contract of
Keras 2's LSTM layer) by its native op. What TF 2.21 needs, found by converting probes:

- exactly six arguments, in order: inputs (batch, time, features), h0, c0 (batch, units),
  kernel (features, 4 units), recurrent kernel (units, 4 units), bias (4 units), all with
  static shapes; a seventh (a mask) makes it fall back to a WHILE loop without a word;
- five results: last output, output sequence, h, c and a scalar; the caller may use only the
  first two (using h or c makes it fall back), so a layer that returns its states is not fused;
- the attributes `time_major` (required: without it the converter fails with a misleading
  error) and `go_backwards`; `_noinline` breaks the conversion;
- the fused op has sigmoid gates, tanh, and clips the cell state at ±10, which zoo's cell does
  not: the export's parity check refuses a file where that changes the outputs.

The body is thrown away by the converter; it is zoo's own loop over the cell's `step`, so the
function computes the same thing wherever it is not converted.
"""

import uuid

import keras
import tensorflow as tf

from zoo.cells.lstm import LSTMCell
from zoo.layers.recurrent import calls_replaced
from zoo.layers.time_loop import reverse_time, run_steps


def fused_lstm_tracing():
    """A context: within it, `Recurrent` layers that `can_fuse` trace as the composite function."""
    return calls_replaced(_fused_or_none)


def _fused_or_none(layer, inputs, states, mask, training):
    return fused_call(layer, inputs, states) if can_fuse(layer, mask, training) else None


def can_fuse(layer, mask, training):
    """Whether `layer` (a `Recurrent`) is a plain LSTM the converter can fuse."""
    cell = layer.cell
    return (
        type(cell) is LSTMCell
        and cell.variant == "vanilla"
        and not cell.peephole  # the native op's peepholes are not wired here
        and cell.use_bias
        and cell.activation is keras.activations.tanh
        and cell.recurrent_activation is keras.activations.sigmoid
        and mask is None
        and not training
        and not layer.return_state
        and not layer.stateful
        and not layer.unroll
    )


def fused_call(layer, inputs, states):
    """The layer's output through the composite function (last output, or the sequence)."""
    cell = layer.cell

    def lstm(inputs, h0, c0, kernel, recurrent_kernel, bias):
        time_major = tf.transpose(inputs, [1, 0, 2])
        if layer.go_backwards:
            time_major = reverse_time(time_major, 0)
        projected = tf.matmul(time_major, kernel) + bias

        def step(projected_t, states):
            return cell.step(projected_t, states, recurrent=tf.matmul(states[0], recurrent_kernel))

        last, outputs, (h, c) = run_steps(step, projected, [h0, c0], cell.units)
        return last, tf.transpose(outputs, [1, 0, 2]), h, c, tf.constant(0.0)

    composite = tf.function(
        lstm,
        autograph=False,
        experimental_attributes={
            "api_implements": f"lstm_{uuid.uuid4()}",
            "api_preferred_device": "CPU",
            "time_major": False,
            "go_backwards": layer.go_backwards,
        },
    )
    weights = [tf.convert_to_tensor(w) for w in (cell.kernel, cell.recurrent_kernel, cell.bias)]
    last, outputs, _, _, _ = composite(inputs, *states, *weights)
    return outputs if layer.return_sequences else last
