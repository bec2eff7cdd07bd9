"""The Keras twins differ from zoo's models only in their recurrent and attention layers: given zoo's
weights they compute zoo's outputs, and the recipes' decoding runs on them unchanged."""

import numpy as np
import pytest

from zoo.bench.own_data.keras_models import copy_weights, weight_pairs
from zoo.generation import decode_memory
from zoo.models.seq2seq import source_encoder
from zoo.registry import create_model, example_batch
from zoo.text import Vocabulary

TWINS = {"seq2seq": {}, "captioner": {}, "frame_tagger": {"cell": "gru"}}
PADDING = {"seq2seq": 0, "captioner": 0, "frame_tagger": -1}  # the target of a step that adds no loss


def _twins(name, **settings):
    """A zoo model and its Keras twin holding the same weights."""
    zoo_model = create_model(name, **settings)
    keras_model = create_model(f"keras_{name}", **settings)
    copy_weights(zoo_model, keras_model)
    return zoo_model, keras_model


@pytest.mark.parametrize("name", sorted(TWINS))
def test_twin_with_zoo_weights_computes_zoo_outputs(name):
    zoo_model, keras_model = _twins(name, **TWINS[name])
    inputs, targets = example_batch(name, zoo_model, batch_size=3, seed=5)
    scored = np.asarray(targets) != PADDING[name]
    assert 0 < scored.sum() < scored.size  # padded steps exist, and only they are left out
    expected = np.asarray(zoo_model(inputs, training=False))[scored]
    np.testing.assert_allclose(np.asarray(keras_model(inputs, training=False))[scored], expected, atol=2e-5)
    assert zoo_model.count_params() == keras_model.count_params()


def test_twin_layers_are_keras_built_ins():
    _, keras_model = _twins("seq2seq")
    decoder = keras_model.get_layer("decoder")
    assert type(decoder.rnn_layers[0]).__module__.startswith("keras.")
    assert type(decoder.attention.additive).__name__ == "AdditiveAttention"
    assert all(type(layer).__name__ == "Bidirectional" and type(layer).__module__.startswith("keras.")
               for layer in keras_model.get_layer("encoder").rnn_layers)


def test_recipe_decoding_on_the_twin_equals_zoo_decoding():
    zoo_model, keras_model = _twins("seq2seq", target_vocab_size=8)
    vocabulary = Vocabulary(["a", "b", "c", "d"])
    assert vocabulary.size == 8
    source = np.array([[3, 4, 5, 0], [6, 7, 0, 0]], np.int32)
    decoded = []
    for model in (zoo_model, keras_model):
        memory, mask = source_encoder(model)(source)
        decoded.append(np.asarray(decode_memory(model.get_layer("decoder"), memory, mask, vocabulary, 6,
                                                beam_width=2)))
    np.testing.assert_array_equal(decoded[1], decoded[0])


def test_twin_refuses_what_it_does_not_copy():
    with pytest.raises(ValueError, match="bahdanau"):
        create_model("keras_captioner", attention="luong")
    with pytest.raises(ValueError, match="recurrent frame tagger"):
        create_model("keras_frame_tagger", network="mlp")



def test_twin_from_zoo_weights_trains_to_zoo_weights():
    """Same start, same batches, same optimizer: after a few Adam steps both hold the same weights, so
    the rows differ only by their random initial weights (and by speed). The seq2seq twin has every
    replaced layer: a bidirectional encoder, the decoder's LSTM and the additive attention."""
    name = "seq2seq"
    zoo_model, keras_model = _twins(name, **TWINS[name])
    inputs, targets = example_batch(name, zoo_model, batch_size=4, seed=9)
    initial = [np.asarray(w) for w in zoo_model.weights]
    for model in (zoo_model, keras_model):
        model.fit(inputs, targets, epochs=5, batch_size=4, verbose=0, shuffle=False)
    for zoo_weight, keras_weight in weight_pairs(zoo_model, keras_model):
        np.testing.assert_allclose(np.asarray(keras_weight), np.asarray(zoo_weight), atol=5e-5, err_msg=keras_weight.path)
    assert max(np.abs(np.asarray(w) - start).max() for w, start in zip(zoo_model.weights, initial)) > 1e-3  # trained
