"""Keras built-in twins of the recipes' models: the same model with Keras' own recurrent and attention
layers in place of zoo's, for the own-data comparison.

Each twin takes the arguments of the zoo model it copies and keeps everything that is not a
recurrence or an attention: the embeddings, the image encoder, the audio front end, the decoder's
bridge, read-out and `step` (so decoding is the recipe's own), the loss, metrics and optimizer. Only
these differ:

    zoo.layers.Recurrent / Bidirectional / Stacked  →  keras.layers.LSTM | GRU | SimpleRNN, Bidirectional
    zoo.layers.BahdanauAttention                     →  keras.layers.AdditiveAttention on Dense projections

They are registered as "keras_seq2seq", "keras_captioner" and "keras_frame_tagger", so a recipe's
`build_model(..., architecture=...)` builds them with its own settings.
"""

import keras

from zoo.errors import UsageError
from zoo.encoders import FrameMask, LogMelFrontEnd, image_encoder
from zoo.layers import AttentionDecoder
from zoo.models.frame_tagger import PAD_LABEL
from zoo.registry import example_batch, register_model
from zoo.training import MaskedTokenAccuracy, TokenCrossEntropy, default_optimizer, masked_token_accuracy

KERAS_RNNS = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "simple_rnn": keras.layers.SimpleRNN}
# zoo's BahdanauAttention weight → the twin's (Dense projections and AdditiveAttention's scale)
ATTENTION_WEIGHTS = {"query_kernel": "query_projection/kernel", "bias": "query_projection/bias",
                     "memory_kernel": "memory_projection/kernel", "score_vector": "additive/scale"}


def keras_rnn(cell, units, **kwargs):
    """Keras' built-in layer for a zoo cell name ("lstm", "gru", "simple_rnn")."""
    if cell not in KERAS_RNNS:
        raise UsageError(f"No Keras built-in layer for cell={cell!r}; the twins cover {', '.join(KERAS_RNNS)}.")
    return KERAS_RNNS[cell](units, zero_output_for_mask=True, **kwargs)  # zeros at padded steps, as zoo's


@keras.saving.register_keras_serializable(package="zoo_bench")
class KerasRecurrentStack(keras.layers.Layer):
    """`depth` Keras recurrent layers, each (optionally bidirectional) reading the one below, with dropout
    between them: `zoo.layers.stacked_rnn` built from Keras' layers.

    Args:
        cell: "lstm", "gru" or "simple_rnn".
        units: int. Hidden size per direction.
        depth: int. Layers.
        bidirectional: bool. Wrap each layer in `keras.layers.Bidirectional` (outputs concatenated).
        dropout: float. Between layers.
        return_sequences: bool. Whether the top layer returns its whole sequence.
    """

    def __init__(self, cell="lstm", units=16, depth=1, bidirectional=False, dropout=0.0, return_sequences=True,
                 **kwargs):
        super().__init__(**kwargs)
        self.cell, self.units, self.depth = cell, units, depth
        self.bidirectional, self.dropout, self.return_sequences = bidirectional, dropout, return_sequences
        self.rnn_layers = []
        for index in range(depth):
            layer = keras_rnn(cell, units, return_sequences=return_sequences or index < depth - 1)
            self.rnn_layers.append(keras.layers.Bidirectional(layer) if bidirectional else layer)
        self.dropout_layer = keras.layers.Dropout(dropout)

    def call(self, inputs, mask=None, training=False):
        sequence = inputs
        for index, layer in enumerate(self.rnn_layers):
            if index > 0:
                sequence = self.dropout_layer(sequence, training=training)
            sequence = layer(sequence, mask=mask, training=training)
        return sequence

    def compute_mask(self, inputs, mask=None):
        return mask if self.return_sequences else None

    def get_config(self):
        return {**super().get_config(), "cell": self.cell, "units": self.units, "depth": self.depth,
                "bidirectional": self.bidirectional, "dropout": self.dropout,
                "return_sequences": self.return_sequences}


@keras.saving.register_keras_serializable(package="zoo_bench")
class KerasAdditiveAttention(keras.layers.Layer):
    """Bahdanau attention from `keras.layers.AdditiveAttention`: e_{t,j} = vᵀ tanh(W_q q_t + b + W_m m_j),
    W_q and W_m as Dense layers, v as the Keras layer's scale. Called like zoo's attention layers.

    Args:
        units: int. Width of the score's hidden layer.
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.query_projection = keras.layers.Dense(units, name="query_projection")
        self.memory_projection = keras.layers.Dense(units, use_bias=False, name="memory_projection")
        self.additive = keras.layers.AdditiveAttention(use_scale=True, name="additive")
        self.supports_masking = True  # the memory's mask arrives as `memory_mask`

    def compute_mask(self, query, memory=None, memory_mask=None):
        return None

    def build(self, query_shape, memory_shape, memory_mask_shape=None):
        self.query_projection.build(query_shape)
        self.memory_projection.build(memory_shape)
        self.additive.build([(None, None, self.units), memory_shape, (None, None, self.units)])

    def call(self, query, memory, memory_mask=None):
        single = len(query.shape) == 2
        queries = keras.ops.expand_dims(query, 1) if single else query
        masks = None if memory_mask is None else [None, memory_mask]
        context, weights = self.additive(
            [self.query_projection(queries), memory, self.memory_projection(memory)], mask=masks,
            return_attention_scores=True)
        if single:
            return keras.ops.squeeze(context, 1), keras.ops.squeeze(weights, 1)
        return context, weights

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="zoo_bench")
class KerasAttentionDecoder(AttentionDecoder):
    """`zoo.layers.AttentionDecoder` with Keras' recurrent layers and additive attention."""

    def make_recurrent_layer(self, cell, units, index):
        return keras_rnn(cell, units, return_sequences=True, name=f"rnn_{index}")

    def make_attention_layer(self, attention, attention_units):
        if attention != "bahdanau":
            raise UsageError(f"The Keras twin has additive (bahdanau) attention only; received attention={attention!r}.")
        return KerasAdditiveAttention(attention_units, name="attention")


PLAIN = {"input_layers": 0, "transition_depth": 1, "output_layers": 0, "cell_options": {}}


def plain_only(deep_options):
    """Refuses deep-RNN options other than off: Keras' layers have no deep transition, LSTM variant or peephole,
    and a twin must stay the zoo model's equal, weight for weight."""
    unknown = sorted(set(deep_options) - set(PLAIN))
    if unknown:
        raise UsageError(f"unexpected argument(s) {unknown} for a Keras twin.")
    changed = {key: value for key, value in deep_options.items() if (value or PLAIN[key]) != PLAIN[key]}
    if changed:
        raise UsageError(f"The Keras twins are the plain models; the deep-RNN options {changed} have no Keras "
                         "counterpart: compare with input_layers = output_layers = 0, transition_depth = 1, "
                         "shortcut = false, lstm_variant = \"vanilla\", peephole = false.")


def _examples_of(name):
    return lambda model, batch_size, seed: example_batch(name, model, batch_size, seed)


@register_model("keras_seq2seq", example_batch=_examples_of("seq2seq"))
def keras_seq2seq(source_vocab_size=30, target_vocab_size=30, embedding_dim=16, cell="lstm", units=16,
                  encoder_depth=1, decoder_depth=1, dropout=0.0, attention="bahdanau", attention_units=16,
                  label_smoothing=0.0, learning_rate=1e-3, clipnorm=1.0, clipping="global_norm", **deep_options):
    """`zoo.models.seq2seq` with Keras' layers (same arguments, inputs and outputs)."""
    plain_only(deep_options)
    source = keras.Input((None,), dtype="int32", name="source")
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    embedded = keras.layers.Embedding(source_vocab_size, embedding_dim, mask_zero=True, name="source_embedding")(source)
    memory = KerasRecurrentStack(cell, units, encoder_depth, bidirectional=True, dropout=dropout, name="encoder")(embedded)
    memory_mask = keras.ops.not_equal(source, 0)
    decoder = KerasAttentionDecoder(
        target_vocab_size, embedding_dim, cell=cell, units=units, depth=decoder_depth, dropout=dropout,
        attention=attention, attention_units=attention_units, bridge="final", name="decoder",
    )
    model = keras.Model({"source": source, "tokens": tokens}, decoder(tokens, memory, memory_mask=memory_mask),
                        name="keras_seq2seq")
    model.compile(optimizer=default_optimizer(learning_rate, clipnorm, clipping), loss=TokenCrossEntropy(label_smoothing),
                  metrics=[masked_token_accuracy()])
    return model


@register_model("keras_captioner", example_batch=_examples_of("captioner"))
def keras_captioner(vocab_size=30, image_size=32, encoder="small_cnn", encoder_weights=None, embedding_dim=16,
                    cell="lstm", units=16, depth=1, dropout=0.0, attention="bahdanau", attention_units=16,
                    learning_rate=1e-3, clipnorm=1.0, clipping="global_norm", **deep_options):
    """`zoo.models.captioner` with Keras' layers (same arguments, inputs and outputs)."""
    plain_only(deep_options)
    image = keras.Input((image_size, image_size, 3), name="image")
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    memory = image_encoder(encoder, image_size, encoder_weights)(image)
    decoder = KerasAttentionDecoder(
        vocab_size, embedding_dim, cell=cell, units=units, depth=depth, dropout=dropout, attention=attention,
        attention_units=attention_units, name="decoder",
    )
    model = keras.Model({"image": image, "tokens": tokens}, decoder(tokens, memory), name="keras_captioner")
    model.compile(optimizer=default_optimizer(learning_rate, clipnorm, clipping),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
                  metrics=[masked_token_accuracy()])
    return model


@register_model("keras_frame_tagger", example_batch=_examples_of("frame_tagger"))
def keras_frame_tagger(num_labels=5, network="rnn", cell="lstm", units=16, depth=2, bidirectional=True, dropout=0.0,
                       num_mels=16, learning_rate=1e-3, clipnorm=1.0, clipping="global_norm", **deep_options):
    """`zoo.models.frame_tagger` (not streaming, `network="rnn"`) with Keras' layers."""
    plain_only(deep_options)
    if network != "rnn":
        raise UsageError(f"The Keras twin is the recurrent frame tagger; received network={network!r}.")
    waveform = keras.Input((None,), name="waveform")
    num_samples = keras.Input((), dtype="int32", name="num_samples")
    features = LogMelFrontEnd(num_mels, name="front_end")(waveform, num_samples)
    mask = FrameMask(name="frame_mask")(features, num_samples)
    hidden = KerasRecurrentStack(cell, units, depth, bidirectional=bidirectional, dropout=dropout, name="rnn")(
        features, mask=mask)
    logits = keras.layers.Dense(num_labels, dtype="float32", name="logits")(hidden)
    model = keras.Model({"waveform": waveform, "num_samples": num_samples}, logits, name="keras_frame_tagger")
    model.compile(optimizer=default_optimizer(learning_rate, clipnorm, clipping),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=PAD_LABEL),
                  metrics=[MaskedTokenAccuracy(pad_id=PAD_LABEL, name="frame_accuracy")])
    return model


def weight_pairs(zoo_model, twin):
    """`(zoo weight, the twin's weight)` for every weight: those outside the attention in the same order
    and shape, the attention's by name (see `ATTENTION_WEIGHTS`)."""
    attention = {w.path.rsplit("attention/", 1)[1]: w for w in twin.weights if "attention/" in w.path}
    others = [w for w in twin.weights if "attention/" not in w.path]
    zoo_others = [w for w in zoo_model.weights if "bahdanau_attention" not in w.path]
    if [w.shape for w in others] != [w.shape for w in zoo_others]:
        raise UsageError(f"{twin.name} does not hold {zoo_model.name}'s weights in the same shapes and order.")
    pairs = list(zip(zoo_others, others))
    for source in (w for w in zoo_model.weights if "bahdanau_attention" in w.path):
        pairs.append((source, attention[ATTENTION_WEIGHTS[source.path.rsplit("/", 1)[1]]]))
    return pairs


def copy_weights(zoo_model, twin):
    """Gives `twin` the weights of `zoo_model` (the model it copies): with them it computes zoo's outputs."""
    for source, target in weight_pairs(zoo_model, twin):
        target.assign(source)
