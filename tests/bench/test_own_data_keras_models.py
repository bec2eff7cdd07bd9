"""The Keras twins differ from zoo's models only in their recurrent and attention layers: given zoo's
weights they compute zoo's outputs, and the recipes' decoding runs on them unchanged."""

import numpy as np
import pytest

from zoo.bench.own_data import keras_models  # noqa: F401  (registers the twins)
from zoo.generation import decode_memory
from zoo.models.seq2seq import source_encoder
from zoo.registry import create_model, example_batch
from zoo.text import Vocabulary

TWINS = {"seq2seq": {}, "captioner": {}, "frame_tagger": {"cell": "gru"}}
PADDING = {"seq2seq": 0, "captioner": 0, "frame_tagger": -1}  # the target of a step that adds no loss


# zoo's BahdanauAttention weight → the Keras twin's (Dense projections and AdditiveAttention's scale)
ATTENTION_WEIGHTS = {"query_kernel": "query_projection/kernel", "bias": "query_projection/bias",
                     "memory_kernel": "memory_projection/kernel", "score_vector": "additive/scale"}


def _twins(name, **settings):
    """A zoo model and its Keras twin holding the same weights: every weight outside the attention in
    the same order and shape; the attention's by name."""
    zoo_model = create_model(name, **settings)
    keras_model = create_model(f"keras_{name}", **settings)
    attention = {w.path.rsplit("attention/", 1)[1]: w for w in keras_model.weights if "attention/" in w.path}
    others = [w for w in keras_model.weights if "attention/" not in w.path]
    zoo_others = [w for w in zoo_model.weights if "bahdanau_attention" not in w.path]
    assert [w.shape for w in others] == [w.shape for w in zoo_others]
    for target, source in zip(others, zoo_others):
        target.assign(source)
    for source in (w for w in zoo_model.weights if "bahdanau_attention" in w.path):
        attention[ATTENTION_WEIGHTS[source.path.rsplit("/", 1)[1]]].assign(source)
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
