"""`AttentionDecoder`: decoding step by step gives exactly what teacher forcing computes."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.layers import AttentionDecoder


def _decoder(cell="lstm", depth=2, attention="bahdanau", bridge="mean", **deep):
    return AttentionDecoder(vocab_size=11, embedding_dim=6, cell=cell, units=8, depth=depth, attention=attention,
                            attention_units=5, bridge=bridge, **deep)


def _batch(seed=0):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(1, 11, size=(3, 7)).astype("int32")
    tokens[1, 4:] = 0  # a shorter caption, right-padded
    memory = rng.normal(size=(3, 9, 4)).astype("float32")
    return tokens, memory


@pytest.mark.parametrize("cell", ["simple_rnn", "lstm", "gru", "layernorm_lstm"])
@pytest.mark.parametrize("attention, bridge", [("bahdanau", "mean"), ("luong", "final"), (None, "final")])
def test_step_by_step_equals_teacher_forcing(cell, attention, bridge, deep=None, tolerance=1e-5):
    decoder = _decoder(cell, attention=attention, bridge=bridge, **(deep or {}))
    tokens, memory = _batch()
    memory_mask = np.arange(9)[None, :] < np.array([[9], [5], [7]])
    logits = decoder(tokens, memory, memory_mask=memory_mask).numpy()
    states = decoder.initial_states(tf.constant(memory), tf.constant(memory_mask))
    assert {state.dtype for layer in states for state in layer} == {tf.float32}  # a decoding loop's carried dtype
    for t in range(tokens.shape[1]):
        step_logits, states, weights = decoder.step(tf.constant(tokens[:, t]), states, tf.constant(memory),
                                                    tf.constant(memory_mask))
        valid = tokens[:, t] != 0
        np.testing.assert_allclose(step_logits.numpy()[valid], logits[valid, t], atol=tolerance, rtol=0)
        if attention is not None:
            np.testing.assert_allclose(tf.reduce_sum(weights, -1), 1.0, atol=1e-6)
            np.testing.assert_array_equal(weights.numpy()[~memory_mask], 0.0)


@pytest.mark.parametrize("cell, options", [("lstm", {"peephole": True, "variant": "cifg", "shortcut": True}),
                                           ("gru", {})])
def test_step_by_step_equals_teacher_forcing_in_a_deep_rnn(cell, options):
    deep = dict(transition_depth=2, cell_options=options, input_layers=1, output_layers=2)
    test_step_by_step_equals_teacher_forcing(cell, "bahdanau", "mean", deep)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_step_by_step_equals_teacher_forcing_under_mixed_bfloat16(cell):
    keras.mixed_precision.set_dtype_policy("mixed_bfloat16")
    try:  # bfloat16's tolerance (tests/layers/test_mixed_precision.py); logits and attention stay float32
        test_step_by_step_equals_teacher_forcing(cell, "bahdanau", "mean", dict(input_layers=1), tolerance=3e-2)
    finally:
        keras.mixed_precision.set_dtype_policy("float32")


def test_without_attention_the_memory_reaches_the_decoder_only_through_its_initial_states():
    decoder = _decoder(attention=None, bridge="final")
    tokens, memory = _batch()
    changed = memory.copy()
    changed[:, 3:-1] += 5.0  # neither the last step's forward half nor the first step's backward half
    np.testing.assert_allclose(decoder(tokens, memory), decoder(tokens, changed), atol=1e-6, rtol=0)
    changed[:, 0, 2:] += 5.0  # the backward half of the first step: read by the bridge
    assert not np.allclose(decoder(tokens, memory), decoder(tokens, changed), atol=1e-3)


def test_the_final_bridge_reads_the_last_valid_forward_and_the_first_backward_output():
    decoder = _decoder(depth=1, bridge="final")
    _, memory = _batch()
    mask = np.arange(9)[None, :] < np.array([[9], [5], [1]])
    summary = decoder.summary(tf.constant(memory), tf.constant(mask)).numpy()
    for row, length in enumerate((9, 5, 1)):
        np.testing.assert_array_equal(summary[row], np.concatenate([memory[row, length - 1, :2], memory[row, 0, 2:]]))


def test_padding_does_not_change_the_logits_of_real_tokens():
    decoder = _decoder()
    tokens, memory = _batch()
    short = decoder(tokens[1:2, :4], memory[1:2]).numpy()
    padded = decoder(tokens[1:2], memory[1:2]).numpy()
    np.testing.assert_allclose(padded[:, :4], short, atol=1e-6, rtol=0)


def test_initial_states_come_from_the_memory_summary():
    decoder = _decoder(depth=1)
    tokens, memory = _batch()
    decoder(tokens, memory)
    states = decoder.initial_states(tf.constant(memory))
    assert [s.shape for s in states[0]] == [(3, 8), (3, 8)]
    dense = decoder.state_initializers[0][0]
    expected = np.tanh(memory.mean(1) @ dense.kernel.numpy() + dense.bias.numpy())
    np.testing.assert_allclose(states[0][0], expected, atol=1e-6, rtol=0)
    masked = decoder.initial_states(tf.constant(memory), tf.constant(np.arange(9)[None].repeat(3, 0) < 4))
    expected = np.tanh(memory[:, :4].mean(1) @ dense.kernel.numpy() + dense.bias.numpy())
    np.testing.assert_allclose(masked[0][0], expected, atol=1e-6, rtol=0)


def test_keras_file_round_trip(tmp_path):
    tokens_input = keras.Input((None,), dtype="int32")
    memory_input = keras.Input((9, 4))
    model = keras.Model([tokens_input, memory_input], _decoder()(tokens_input, memory_input))
    tokens, memory = _batch()
    model.save(tmp_path / "decoder.keras")
    restored = keras.models.load_model(tmp_path / "decoder.keras", safe_mode=True)
    np.testing.assert_array_equal(restored.predict([tokens, memory], verbose=0), model.predict([tokens, memory], verbose=0))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="vocab_size"):
        AttentionDecoder(0, 4)
    with pytest.raises(ValueError, match="cell"):
        AttentionDecoder(5, 4, cell="transformer")
    with pytest.raises(ValueError, match="attention"):
        AttentionDecoder(5, 4, attention="dot")
    with pytest.raises(ValueError, match="bridge"):
        AttentionDecoder(5, 4, bridge="last")
