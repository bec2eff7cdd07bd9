"""One-to-many: an image in, a caption out (CNN encoder + RNN decoder with attention)."""

import keras
import numpy as np

from zoo.encoders import image_encoder
from zoo.layers import AttentionDecoder
from zoo.models.token_models import padded_tokens
from zoo.registry import register_model
from zoo.training import default_optimizer, masked_token_accuracy


def _example_batch(model, batch_size, seed):
    image_size = model.get_layer("image_encoder").inputs[0].shape[1]
    vocab_size = model.get_layer("decoder").vocab_size
    rng = np.random.default_rng(seed)
    images = rng.uniform(0, 255, size=(batch_size, image_size, image_size, 3)).astype(np.float32)
    tokens, _ = padded_tokens(vocab_size, batch_size, seed, max_length=8)
    return {"image": images, "tokens": tokens[:, :-1]}, tokens[:, 1:]


@register_model("captioner", example_batch=_example_batch)
def captioner(
    vocab_size=30,
    image_size=32,
    encoder="small_cnn",
    encoder_weights=None,
    embedding_dim=16,
    cell="lstm",
    units=16,
    depth=1,
    dropout=0.0,
    attention="bahdanau",
    attention_units=16,
    learning_rate=1e-3,
    clipnorm=1.0,
    clipping="global_norm",
    input_layers=0,
    transition_depth=1,
    output_layers=0,
    cell_options=None,
):
    """Show, attend and tell: a CNN's feature grid, read by an RNN decoder through attention.

    Trained with teacher forcing: given the image and the caption shifted right
    ([START] w_1 ... w_n), it predicts the caption (w_1 ... w_n [END]); padding (0) adds no loss.
    Captions of new images come from `zoo.decoding` over the decoder's `step`.

    Args:
        vocab_size: int, default 30. Token ids; 0 is padding.
        image_size: int, default 32. Images are (image_size, image_size, 3) with pixels in [0, 255].
        encoder: "small_cnn" (default, trained from scratch), "factored_cnn" (colour and shape apart, also
            from scratch) or "mobilenet_v3_small".
        encoder_weights: optional path of a local weights file for a keras.applications encoder.
        embedding_dim, cell, units, depth, dropout, attention, attention_units: the decoder
            (see `zoo.layers.AttentionDecoder`).
        learning_rate, clipnorm, clipping: the optimizer and its gradient clipping (see
            `zoo.training.default_optimizer`).
        input_layers, transition_depth, output_layers, cell_options: the deep RNN (Pascanu et al., 2014): MLPs
            before and after the recurrence (`zoo.layers.deep_mlp`), layers inside each transition
            (`zoo.cells.DeepTransitionCell`), and options of every cell (`variant`, `peephole`, `shortcut`, ...).

    Returns:
        A compiled `keras.Model`: {"image": float32 (batch, size, size, 3), "tokens": int32
        (batch, time)} → logits (batch, time, vocab_size).
    """
    image = keras.Input((image_size, image_size, 3), name="image")
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    memory = image_encoder(encoder, image_size, encoder_weights)(image)
    decoder = AttentionDecoder(
        vocab_size, embedding_dim, cell=cell, units=units, depth=depth, dropout=dropout, attention=attention,
        attention_units=attention_units, transition_depth=transition_depth, cell_options=cell_options, input_layers=input_layers,
        output_layers=output_layers, name="decoder",
    )
    model = keras.Model({"image": image, "tokens": tokens}, decoder(tokens, memory), name="captioner")
    model.compile(
        optimizer=default_optimizer(learning_rate, clipnorm, clipping),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
        metrics=[masked_token_accuracy()],
    )
    return model
