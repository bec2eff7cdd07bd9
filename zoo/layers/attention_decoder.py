"""`AttentionDecoder`: a stacked-RNN language model that reads a memory through attention."""

import keras
from keras import ops

from zoo import checks
from zoo.cells import make_cell
from zoo.layers.deep_mlp import deep_mlp
from zoo.layers.attention import make_attention
from zoo.layers.recurrent import Recurrent

BRIDGES = ("mean", "final")


def state_sizes(cell):
    """The sizes of a Keras-protocol cell's states, as a list (`state_size` may be one int)."""
    sizes = cell.state_size
    return list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]


@keras.saving.register_keras_serializable(package="zoo")
class AttentionDecoder(keras.layers.Layer):
    """Predicts each next token from the previous ones and a memory it attends to.

        s^l_0 = tanh(W^l summary(M) + b^l)              initial states from the memory (the bridge)
        x_t = MLP_in(E y_{t-1})                         embedding of the previous token (MLP_in: `input_layers`)
        h^l_t = cell_l(h^{l-1}_t, s^l_{t-1})            `depth` stacked cells, h^0_t = x_t
        c_t, α_t = attention(h^L_t, M)                  context: attention over the memory M
        h̃_t = tanh(W_c [c_t; h^L_t])                    attentional hidden state
        p(y_t | y_<t, M) = softmax(W_o MLP_out(h̃_t) + b_o)   (MLP_out: `output_layers`, the identity for 0)

    The memory is an image's grid of feature vectors (captioning, as in Show, Attend and Tell,
    Xu et al., 2015, whose initial state is also the image summary) or an encoded sentence
    (translation). Attention reads the top layer's h_t, as in Luong et al. (2015), rather than
    feeding c_t into the cell: so in training (teacher forcing) the cells run over the whole
    target sequence at once with `zoo.layers.Recurrent`, and only decoding goes step by step
    (`step`, with `zoo.decoding`). With `attention=None` the decoder reads the memory only through
    its initial states, h̃_t = tanh(W_c h^L_t): the plain encoder-decoder of Sutskever et al. (2014).

    The bridge summarizes the memory for the initial states: "mean" averages its valid slots;
    "final" reads a bidirectional encoder's concatenated outputs as [h→ at the last valid step;
    h← at the first step], the final states of both directions.

    Args:
        vocab_size: int. Output vocabulary size; token 0 is padding.
        embedding_dim: int. Width of the token embedding E.
        cell: str, default "lstm". A `zoo.cells.make_cell` name.
        units: int, default 256. Hidden size of every cell and of h̃.
        depth: int, default 1. Number of stacked cells.
        dropout: float, default 0. Dropout between cells and on h̃.
        attention: "bahdanau" (additive, default), "luong" (multiplicative) or None.
        attention_units: int, default 128. Width of the additive score's hidden layer.
        bridge: "mean" (default) or "final", see above.
        transition_depth: int, default 1. Layers inside each cell's transition (`zoo.cells.DeepTransitionCell`).
        cell_options: optional dict passed to every cell (`variant`, `peephole`, `shortcut`, ...).
        input_layers, output_layers: int, default 0. The deep input and output MLPs (`zoo.layers.deep_mlp`).

    Call arguments:
        tokens: int32 (batch, time): the target sequence shifted right ([START] y_1 ... y_{n-1}),
            padded with 0.
        memory: (batch, memory_length, memory_dim).
        memory_mask: optional bool (batch, memory_length).
        training: bool.

    Returns:
        Logits (batch, time, vocab_size).

    Example:
        >>> decoder = zoo.layers.AttentionDecoder(vocab_size=20, embedding_dim=8, units=16)
        >>> decoder(np.ones((2, 5), "int32"), np.zeros((2, 64, 12), "float32")).shape
        (2, 5, 20)
    """

    def __init__(self, vocab_size, embedding_dim, cell="lstm", units=256, depth=1, dropout=0.0,
                 attention="bahdanau", attention_units=128, bridge="mean", transition_depth=1, cell_options=None,
                 input_layers=0, output_layers=0, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = checks.positive_int("vocab_size", vocab_size)
        self.embedding_dim = checks.positive_int("embedding_dim", embedding_dim)
        self.cell_name = cell
        self.units = checks.positive_int("units", units)
        self.depth = checks.positive_int("depth", depth)
        self.dropout = checks.rate("dropout", dropout)
        self.attention_name = attention
        self.attention_units = checks.positive_int("attention_units", attention_units)
        self.bridge = checks.one_of("bridge", bridge, BRIDGES)
        self.transition_depth = checks.positive_int("transition_depth", transition_depth)
        self.cell_options = dict(cell_options or {})
        self.input_layers, self.output_layers = input_layers, output_layers
        self.deep_input = deep_mlp(input_layers, units, "deep_input")
        self.deep_output = deep_mlp(output_layers, units, "deep_output")

        self.embedding = keras.layers.Embedding(vocab_size, embedding_dim, name="embedding")
        self.rnn_layers = [self.make_recurrent_layer(cell, units, index) for index in range(depth)]
        self.state_initializers = [
            [keras.layers.Dense(size, activation="tanh", name=f"initial_state_{index}_{state}")
             for state, size in enumerate(state_sizes(layer.cell))]
            for index, layer in enumerate(self.rnn_layers)
        ]
        self.attention = None if attention is None else self.make_attention_layer(attention, attention_units)
        self.attentional = keras.layers.Dense(units, activation="tanh", use_bias=False, name="attentional")
        self.output_projection = keras.layers.Dense(vocab_size, dtype="float32", name="output_projection")
        self.dropout_layer = keras.layers.Dropout(self.dropout)

    def make_recurrent_layer(self, cell, units, index):
        """Recurrent layer `index` (bottom first): a `zoo.layers.Recurrent` of `make_cell(cell, units)`.

        A subclass may return another layer that takes `initial_state` and `mask`, returns
        sequences, and whose `cell` follows Keras' RNN-cell protocol (`state_size`, `call(inputs,
        states, training)`): `step` runs that cell one token at a time.
        """
        cell = make_cell(cell, units, transition_depth=self.transition_depth, **self.cell_options)
        return Recurrent(cell, return_sequences=True, name=f"rnn_{index}")

    def make_attention_layer(self, attention, attention_units):
        """The attention: `zoo.layers.attention.make_attention(attention, attention_units)`. A subclass may
        return another layer called as `(query, memory, memory_mask=None)` → `(context, weights)`."""
        return make_attention(attention, attention_units)

    def build(self, tokens_shape, memory_shape, memory_mask_shape=None):
        batch, memory_dim = tokens_shape[0], memory_shape[-1]
        self.embedding.build(tokens_shape)
        shape = (batch, None, self.embedding_dim)
        if self.input_layers:
            self.deep_input.build(shape)
            shape = (batch, None, self.units)
        for layer, initializers in zip(self.rnn_layers, self.state_initializers):
            layer.build(shape)
            shape = (batch, None, self.units)
            for initializer in initializers:
                initializer.build((batch, memory_dim))
        if self.attention is not None:
            self.attention.build((batch, None, self.units), tuple(memory_shape))
        self.attentional.build((batch, None, self.units + (memory_dim if self.attention is not None else 0)))
        if self.output_layers:
            self.deep_output.build((batch, None, self.units))
        self.output_projection.build((batch, None, self.units))

    def summary(self, memory, memory_mask=None):
        """What the bridge reads: (batch, memory_dim), see the class docstring."""
        if memory_mask is None:
            memory_mask = ops.ones(ops.shape(memory)[:2], dtype="bool")
        weights = ops.expand_dims(ops.cast(memory_mask, memory.dtype), -1)
        if self.bridge == "mean":
            return ops.sum(memory * weights, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)
        half = memory.shape[-1] // 2
        last = ops.maximum(ops.sum(ops.cast(memory_mask, "int32"), axis=1) - 1, 0)  # last valid step
        forward = ops.take_along_axis(memory[:, :, :half], ops.reshape(last, (-1, 1, 1)), axis=1)[:, 0]
        return ops.concatenate([forward, memory[:, 0, half:]], axis=-1)

    def initial_states(self, memory, memory_mask=None):
        """s_0 of every layer from the memory through the bridge: a list per layer of its states."""
        summary = self.summary(memory, memory_mask)
        # In the cells' state dtype (float32 under a mixed policy), the dtype `step` returns them in: a decoding
        # loop carries them unchanged.
        return [[ops.cast(initializer(summary), getattr(layer.cell, "state_dtype", layer.compute_dtype))
                 for initializer in initializers]
                for layer, initializers in zip(self.rnn_layers, self.state_initializers)]  # fmt: skip

    def _read_out(self, top, memory, memory_mask, training):
        if self.attention is None:
            weights = ops.zeros(ops.shape(top)[:-1] + (ops.shape(memory)[1],), dtype=top.dtype)
            attentional = self.attentional(top)
        else:
            context, weights = self.attention(top, memory, memory_mask=memory_mask)
            attentional = self.attentional(ops.concatenate([context, top], axis=-1))
        attentional = self.deep_output(attentional)
        return self.output_projection(self.dropout_layer(attentional, training=training)), weights

    def call(self, tokens, memory, memory_mask=None, training=False):
        mask = ops.not_equal(tokens, 0)
        sequence = self.deep_input(self.embedding(tokens))
        states = self.initial_states(memory, memory_mask)
        for index, layer in enumerate(self.rnn_layers):
            if index > 0:
                sequence = self.dropout_layer(sequence, training=training)
            sequence = layer(sequence, initial_state=states[index], mask=mask, training=training)
        logits, _ = self._read_out(sequence, memory, memory_mask, training)
        return logits

    def step(self, tokens, states, memory, memory_mask=None):
        """One decoding step (inference): `(logits (batch, vocab), new_states, attention (batch, memory_length))`.

        Args:
            tokens: int32 (batch,): the previous tokens ([START] first).
            states: the states of every layer, as `initial_states` returns them.
            memory, memory_mask: as in `call`.
        """
        hidden = self.deep_input(self.embedding(tokens))
        new_states = []
        for layer, layer_states in zip(self.rnn_layers, states):
            hidden, layer_states = layer.cell.call(hidden, list(layer_states), training=False)
            new_states.append(list(layer_states))
        hidden = ops.cast(hidden, self.compute_dtype)  # the cell's output is float32 under a mixed policy
        logits, weights = self._read_out(hidden, memory, memory_mask, training=False)
        return logits, new_states, weights

    def compute_output_shape(self, tokens_shape, memory_shape, memory_mask_shape=None):
        return tuple(tokens_shape) + (self.vocab_size,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocab_size": self.vocab_size,
                "embedding_dim": self.embedding_dim,
                "cell": self.cell_name,
                "units": self.units,
                "depth": self.depth,
                "dropout": self.dropout,
                "attention": self.attention_name,
                "attention_units": self.attention_units,
                "bridge": self.bridge,
                "transition_depth": self.transition_depth,
                "cell_options": self.cell_options,
                "input_layers": self.input_layers,
                "output_layers": self.output_layers,
            }
        )
        return config
