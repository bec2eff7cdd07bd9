"""Many-to-many: a sentence in, a sentence out (a bidirectional RNN encoder and an attention decoder)."""

import keras

from zoo.layers import AttentionDecoder, deep_mlp, stacked_rnn
from zoo.models.token_models import padded_tokens
from zoo.registry import register_model
from zoo.training import TokenCrossEntropy, default_optimizer, masked_token_accuracy


def _example_batch(model, batch_size, seed):
    source, _ = padded_tokens(model.get_layer("source_embedding").input_dim, batch_size, seed, max_length=7)
    target, _ = padded_tokens(model.get_layer("decoder").vocab_size, batch_size, seed + 1, max_length=6)
    return {"source": source, "tokens": target[:, :-1]}, target[:, 1:]


def source_encoder(model):
    """A function: source ids (batch, time) → `(memory, memory_mask)` through the model's embedding, its
    deep input MLP where it has one (`input_layers`) and its encoder. It holds those layers, not the model."""
    embedding, encoder = model.get_layer("source_embedding"), model.get_layer("encoder")
    names = {layer.name for layer in model.layers}
    deep_input = model.get_layer("source_deep_input") if "source_deep_input" in names else (lambda inputs: inputs)

    def encode(source, training=False):
        mask = keras.ops.not_equal(source, 0)
        return encoder(deep_input(embedding(source)), mask=mask, training=training), mask

    return encode


@register_model("seq2seq", example_batch=_example_batch)
def seq2seq(
    source_vocab_size=30,
    target_vocab_size=30,
    embedding_dim=16,
    cell="lstm",
    units=16,
    encoder_depth=1,
    decoder_depth=1,
    dropout=0.0,
    attention="bahdanau",
    attention_units=16,
    label_smoothing=0.0,
    learning_rate=1e-3,
    clipnorm=1.0,
    clipping="global_norm",
    input_layers=0,
    transition_depth=1,
    output_layers=0,
    cell_options=None,
):
    """An encoder-decoder for translation (Bahdanau et al., 2015; Luong et al., 2015).

    The source tokens go through an embedding and a stacked bidirectional RNN (the memory, one
    vector per source token); the decoder starts from the final states of both directions
    ("final" bridge) and attends to the memory at every target token. With `attention=None` it is
    the plain encoder-decoder of Sutskever et al. (2014), the source reaching the decoder only
    through its initial states. Trained with teacher forcing; padding (0) adds no loss.

    Args:
        source_vocab_size, target_vocab_size: int. Token ids; 0 is padding.
        embedding_dim: int. Width of both embeddings.
        cell: str, default "lstm". A `zoo.cells.make_cell` name, for the encoder and the decoder.
        units: int. Hidden size of each encoder direction and of the decoder.
        encoder_depth, decoder_depth: int. Stacked layers.
        dropout: float. Between layers.
        attention: "bahdanau" (default), "luong" or None.
        attention_units: int. Width of the additive score.
        label_smoothing: float, default 0. See `zoo.training.TokenCrossEntropy`.
        learning_rate, clipnorm, clipping: the optimizer and its gradient clipping (see
            `zoo.training.default_optimizer`).
        input_layers, transition_depth, output_layers, cell_options: the deep RNN (Pascanu et al., 2014): MLPs
            before and after the recurrence (`zoo.layers.deep_mlp`), layers inside each transition
            (`zoo.cells.DeepTransitionCell`), and options of every cell (`variant`, `peephole`, `shortcut`, ...).

    Returns:
        A compiled `keras.Model`: {"source": int32 (batch, source_time), "tokens": int32 (batch,
        target_time)} → logits (batch, target_time, target_vocab_size).
    """
    source = keras.Input((None,), dtype="int32", name="source")
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    embedded = keras.layers.Embedding(source_vocab_size, embedding_dim, mask_zero=True, name="source_embedding")(source)
    embedded = deep_mlp(input_layers, units, "source_deep_input")(embedded)
    memory = stacked_rnn(cell, units, encoder_depth, bidirectional=True, return_sequences=True, dropout=dropout,
                         name="encoder", transition_depth=transition_depth, **(cell_options or {}))(embedded)
    memory_mask = keras.ops.not_equal(source, 0)
    decoder = AttentionDecoder(
        target_vocab_size, embedding_dim, cell=cell, units=units, depth=decoder_depth, dropout=dropout,
        attention=attention, attention_units=attention_units, bridge="final", transition_depth=transition_depth, cell_options=cell_options, input_layers=input_layers,
        output_layers=output_layers, name="decoder",
    )
    model = keras.Model({"source": source, "tokens": tokens}, decoder(tokens, memory, memory_mask=memory_mask),
                        name="seq2seq")
    model.compile(
        optimizer=default_optimizer(learning_rate, clipnorm, clipping),
        loss=TokenCrossEntropy(label_smoothing),
        metrics=[masked_token_accuracy()],
    )
    return model
