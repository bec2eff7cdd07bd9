"""Attention layers against Keras' own: outputs, weights and gradients, with the projections copied."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.layers import BahdanauAttention, LuongAttention, make_attention

ATOL = 1e-5


def _inputs(seed=0, batch=2, queries=3, memory_length=5, query_dim=4, memory_dim=6):
    rng = np.random.default_rng(seed)
    query = rng.normal(size=(batch, queries, query_dim)).astype("float32")
    memory = rng.normal(size=(batch, memory_length, memory_dim)).astype("float32")
    return tf.constant(query), tf.constant(memory)


def _bahdanau_reference(layer, query, memory, mask=None):
    """keras.layers.AdditiveAttention on the projected query and memory, v as its scale."""
    keras_layer = keras.layers.AdditiveAttention(use_scale=True)
    projected_query = tf.matmul(query, layer.query_kernel) + layer.bias
    projected_memory = tf.matmul(memory, layer.memory_kernel)
    keras_layer.build([projected_query.shape, memory.shape, projected_memory.shape])
    keras_layer.scale.assign(layer.score_vector)
    masks = None if mask is None else [None, mask]
    context, weights = keras_layer([projected_query, memory, projected_memory], mask=masks, return_attention_scores=True)
    return context, weights, {"score_vector": keras_layer.scale}


def _luong_reference(layer, query, memory, mask=None):
    """keras.layers.Attention (dot product) on the projected memory, scores scaled by 1/√d."""
    keys = tf.matmul(memory, layer.kernel) / np.sqrt(query.shape[-1]).astype("float32")
    masks = None if mask is None else [None, mask]
    context, weights = keras.layers.Attention()([query, memory, keys], mask=masks, return_attention_scores=True)
    return context, weights, {}


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("kind", ["bahdanau", "luong"])
def test_matches_keras_attention_outputs_and_gradients(kind, masked):
    query, memory = _inputs()
    mask = tf.constant([[True] * 5, [True, True, True, False, False]]) if masked else None
    layer = make_attention(kind, 7)
    reference = _bahdanau_reference if kind == "bahdanau" else _luong_reference
    layer(query, memory)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([query, memory])
        context, weights = layer(query, memory, memory_mask=mask)
        expected_context, expected_weights, copies = reference(layer, query, memory, mask)
        loss = tf.reduce_sum(context * np.arange(6, dtype="float32"))
        expected_loss = tf.reduce_sum(expected_context * np.arange(6, dtype="float32"))
    np.testing.assert_allclose(context, expected_context, atol=ATOL, rtol=0)
    np.testing.assert_allclose(weights, expected_weights, atol=ATOL, rtol=0)
    ours = [query, memory] + layer.trainable_weights
    theirs = [query, memory] + [copies.get(w.name, w) for w in layer.trainable_weights]
    for ours_gradient, their_gradient in zip(tape.gradient(loss, ours), tape.gradient(expected_loss, theirs)):
        np.testing.assert_allclose(ours_gradient, their_gradient, atol=ATOL, rtol=0)
    if masked:
        np.testing.assert_array_equal(weights.numpy()[1, :, 3:], 0.0)


@pytest.mark.parametrize("layer", [BahdanauAttention(8), LuongAttention()])
def test_a_single_query_gives_one_context_and_weights_that_sum_to_one(layer):
    query, memory = _inputs()
    context, weights = layer(query[:, 0], memory)
    assert context.shape == (2, 6) and weights.shape == (2, 5)
    np.testing.assert_allclose(tf.reduce_sum(weights, -1), 1.0, atol=1e-6)
    sequence_context, _ = layer(query, memory)
    np.testing.assert_allclose(context, sequence_context[:, 0], atol=1e-6, rtol=0)


@pytest.mark.parametrize("layer", [BahdanauAttention(8), LuongAttention(scale=False)])
def test_config_round_trip(layer):
    restored = type(layer).from_config(layer.get_config())
    assert restored.get_config() == layer.get_config()


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="units"):
        BahdanauAttention(0)
    with pytest.raises(ValueError, match="attention"):
        make_attention("cosine", 8)
