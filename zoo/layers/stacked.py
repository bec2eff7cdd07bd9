"""`Stacked`: a deep RNN, each layer's output sequence the next layer's input."""

import keras

from zoo.errors import UsageError
from zoo import checks
from zoo.cells import make_cell
from zoo.layers.bidirectional import Bidirectional
from zoo.layers.recurrent import Recurrent


@keras.saving.register_keras_serializable(package="zoo")
class Stacked(keras.layers.Layer):
    """A deep (stacked) RNN (Graves et al., 2013): layer l reads layer l-1's output sequence.

        h^1_t = RNN_1(x_t)        h^l_t = RNN_l(dropout(h^{l-1}_t)) [+ h^{l-1}_t if residual]

    With `residual`, a layer whose input and output widths are equal adds its input to its
    output (Wu et al., 2016, GNMT). `dropout` drops units between layers (not after the last).
    Masks reach every layer. What the stack returns is what its last layer returns (a sequence or
    the last output); every other layer must return sequences, and no layer returns states.

    Args:
        layers: list of `zoo.layers.Recurrent` / `zoo.layers.Bidirectional`, bottom first.
        residual: bool, default False. Residual connections between layers of equal width.
        dropout: float in [0, 1), default 0. Dropout between layers.
        **kwargs: `keras.layers.Layer` arguments.

    Example:
        >>> stack = zoo.layers.stacked_rnn("lstm", units=32, depth=3, bidirectional=True,
        ...                                return_sequences=True, dropout=0.1)
        >>> stack(np.zeros((2, 9, 3), "float32")).shape
        (2, 9, 64)
    """

    def __init__(self, layers, residual=False, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        layers = list(layers) if isinstance(layers, (list, tuple)) else layers
        if not isinstance(layers, list) or not layers:
            raise UsageError(f"`layers` must be a non-empty list of recurrent layers; received layers={layers!r}.")
        for index, layer in enumerate(layers):
            if not isinstance(layer, (Recurrent, Bidirectional)):
                raise UsageError(
                    f"`layers[{index}]` must be a zoo.layers.Recurrent or Bidirectional; received {layer!r}."
                )
            if layer.return_state:
                raise UsageError(f"`layers[{index}]` returns states; layers of a Stacked must not.")
            if index < len(layers) - 1 and not layer.return_sequences:
                raise UsageError(
                    f"`layers[{index}]` must have return_sequences=True: it feeds layers[{index + 1}]."
                )
        self.rnn_layers = layers
        self.residual = bool(residual)
        self.dropout = checks.rate("dropout", dropout)
        self.dropout_layers = [keras.layers.Dropout(self.dropout) for _ in layers[1:]]
        self.return_sequences = layers[-1].return_sequences
        self.supports_masking = True

    def build(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.rnn_layers:
            layer.build(shape)
            shape = tuple(layer.compute_output_shape(shape))

    def call(self, inputs, mask=None, training=False):
        sequence = inputs
        for index, layer in enumerate(self.rnn_layers):
            layer_input = sequence
            if index > 0 and self.dropout > 0:
                layer_input = self.dropout_layers[index - 1](layer_input, training=training)
            output = layer(layer_input, mask=mask, training=training)
            if self.residual and layer.return_sequences and output.shape[-1] == sequence.shape[-1]:
                output = output + sequence
            sequence = output
        return sequence

    def compute_output_shape(self, inputs_shape):
        shape = tuple(inputs_shape)
        for layer in self.rnn_layers:
            shape = tuple(layer.compute_output_shape(shape))
        return shape

    def compute_mask(self, inputs, mask=None):
        return mask if self.return_sequences else None

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "layers": [keras.saving.serialize_keras_object(layer) for layer in self.rnn_layers],
                "residual": self.residual,
                "dropout": self.dropout,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layers"] = [keras.saving.deserialize_keras_object(layer) for layer in config["layers"]]
        return cls(**config)


def stacked_rnn(
    cell="lstm",
    units=64,
    depth=1,
    bidirectional=False,
    return_sequences=False,
    residual=False,
    dropout=0.0,
    merge_mode="concat",
    stateful=False,
    name=None,
    **cell_kwargs,
):
    """Builds a `Stacked` RNN of `depth` layers of one cell type and width.

    Args:
        cell: str, default "lstm". A cell name of `zoo.cells.make_cell`.
        units: int, default 64. Hidden size of every layer (per direction).
        depth: int, default 1. Number of layers.
        bidirectional: bool, default False. Wrap every layer in `Bidirectional`.
        return_sequences: bool, default False. Whether the top layer returns its whole sequence.
        residual: bool, default False. Residual connections where widths match.
        dropout: float, default 0. Dropout between layers.
        merge_mode: str, default "concat". `Bidirectional` merge mode.
        stateful: bool, default False. Each layer carries its final states into the next batch (a
            fixed batch size and no `bidirectional`).
        name: optional layer name.
        **cell_kwargs: passed to every cell (`dropout`, `recurrent_dropout`, ...).

    Returns:
        A `Stacked` layer.
    """
    checks.positive_int("depth", depth)
    if stateful and bidirectional:
        raise UsageError("A bidirectional RNN can't be stateful: its backward direction reads the whole sequence; "
                         "received stateful=True and bidirectional=True.")
    layers = []
    for index in range(depth):
        layer = Recurrent(
            make_cell(cell, units, **cell_kwargs),
            return_sequences=return_sequences or index < depth - 1,
            stateful=stateful,
        )
        layers.append(Bidirectional(layer, merge_mode=merge_mode) if bidirectional else layer)
    return Stacked(layers, residual=residual, dropout=dropout, name=name)
