"""The encoder/decoder-step TFLite pairs: a quantized pair that picks other tokens than the Keras
model is refused and never written, while the float pair beside it is."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.export.encoder_decoder import EncoderDecoderParts, export_encoder_decoder_tflite
from zoo.export.tflite_metadata import describing, read_metadata
from zoo.models.seq2seq import source_encoder
from zoo.registry import create_model, example_batch
from zoo.text import END, START, Vocabulary

pytestmark = pytest.mark.slow

SOURCE_LENGTH, MAX_LENGTH = 5, 6


def keras_greedy_ids(parts, vocabulary, example):
    """The Keras layers' greedy ids of one example, [END] included if reached."""
    context = parts.run_encoder(example)
    token, ids = vocabulary.ids[START], []
    for _ in range(MAX_LENGTH):
        outputs = parts.run_step({"token": np.array([token], np.int32), **context})
        token = int(np.argmax(outputs["logits"][0]))
        ids.append(token)
        context.update({name: value for name, value in outputs.items() if name.startswith("state_")})
        if token == vocabulary.ids[END]:
            break
    return ids


def test_a_quantized_pair_below_the_agreement_threshold_is_refused_and_not_written(tmp_path):
    keras.utils.set_random_seed(0)
    vocabulary = Vocabulary(["near", "far", "other"])
    model = create_model("seq2seq", source_vocab_size=10, target_vocab_size=vocabulary.size, embedding_dim=4,
                         units=4, attention_units=4)
    model.fit(*example_batch("seq2seq", model, batch_size=8, seed=0), epochs=1, verbose=0)
    # Logits that ignore the input: "far" (10.002) beats "near" (10.0) in float32, but float16 rounds
    # both to 10.0 and the tie goes to "near", so the float16 pair never picks the Keras token.
    projection = model.get_layer("decoder").output_projection
    kernel, bias = projection.get_weights()
    bias[:] = -10.0
    bias[[vocabulary.ids["near"], vocabulary.ids["far"]]] = [10.0, 10.002]
    projection.set_weights([np.zeros_like(kernel), bias])
    parts = EncoderDecoderParts(model, source_encoder(model),
                                [tf.TensorSpec([1, SOURCE_LENGTH], tf.int32, name="source")])
    examples = [{"source": row[None]} for row in np.array([[4, 5, 6, 0, 0], [7, 8, 9, 4, 5]], np.int32)]
    keras_ids = [keras_greedy_ids(parts, vocabulary, example) for example in examples]
    assert keras_ids == [[vocabulary.ids["far"]] * MAX_LENGTH] * 2
    workdir, scratch = tmp_path / "export", tmp_path / "scratch"
    workdir.mkdir()
    scratch.mkdir()

    with describing(vocabulary=vocabulary.tokens):
        rows = export_encoder_decoder_tflite(parts, vocabulary, str(workdir), examples, keras_ids, MAX_LENGTH,
                                             ("float16",), 1e-4, 0.98, str(scratch))

    float_rows, quantized_rows = rows[:2], rows[2:]
    assert [row["artifact"] for row in float_rows] == ["encoder.tflite", "decoder_step.tflite"]
    assert [(row["output_agreement"], row["argmax_agreement"]) for row in float_rows] == [(1.0, 1.0)] * 2
    assert [row["artifact"] for row in quantized_rows] == ["encoder_fp16.tflite", "decoder_step_fp16.tflite"]
    for row in quantized_rows:
        assert row["refused"] == ("decoder_step_fp16.tflite: picks the Keras model's token at 0.0% of the steps "
                                  "of 2 test inputs, below 98.0%"), row
    assert sorted(os.listdir(workdir)) == ["decoder_step.tflite", "encoder.tflite"]  # no refused or staging file
    for row in float_rows:  # each written file carries zoo's metadata, and it is the file proved
        metadata = read_metadata(workdir / row["artifact"])
        assert (metadata["artifact"], metadata["vocabulary"]) == (row["artifact"], vocabulary.tokens)
        assert row["bytes"] == os.path.getsize(workdir / row["artifact"])
    assert set(read_metadata(workdir / "decoder_step.tflite")["inputs"]) >= {"token", "memory"}
