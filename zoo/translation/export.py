"""Export of a trained translation model, each artifact proved against the Keras model first.

- `serving/<n>/`: a SavedModel whose `serving_default` takes `text` (string [batch]) and returns
  `translation` (string [batch]), tokenizing, beam searching and detokenizing inside the graph
  (load it after `import tensorflow_text`, which holds its tokenizer ops); the signature
  `translate_nbest` returns every beam: `hypotheses` string [batch, beam_width] and `scores`
  float32 [batch, beam_width], best first. Its translations of the test sentences must equal the
  Keras model's.
- `encoder.tflite` (source ids int32 [1, max_source_length], 0-padded) and `decoder_step.tflite`
  (+ `_fp16`, `_int8`) with `source_vocabulary.txt` and `target_vocabulary.txt` beside them,
  proved with `zoo.export.decoder_runner` (see `zoo.export.encoder_decoder`).
- `model.keras` and `export_report.json`.
"""

import os
import tempfile

import numpy as np
import tensorflow as tf

from zoo import atomic
from zoo.export import exporter, parity
from zoo.export.encoder_decoder import export_encoder_decoder_tflite
from zoo.text import START
from zoo.translation.data import source_ids
from zoo.translation.evaluate import translator

PROOF_SENTENCES = 32  # test sentences every artifact is proved on before it is written


def export_saved_model(model, data, config, workdir, sentences):
    expected = translator(model, data, config).generate(sentences, config.beam_width)
    module = translator(model, data, config).serving_module(model, config.beam_width, "translation",
                                                            nbest_name="translate_nbest")
    text = tf.constant(sentences)

    def save(directory):
        tf.saved_model.save(module, directory, signatures={"serving_default": module.serve,
                                                           "translate_nbest": module.translate_nbest})

    def check(loaded):
        serve = loaded.signatures["serving_default"]
        actual = [t.decode("utf-8") for t in serve(text=text)["translation"].numpy()]
        result = parity.check_texts("serving_default", expected, actual, "translations")
        nbest = loaded.signatures["translate_nbest"](text=text)["hypotheses"].numpy()
        parity.check_texts("translate_nbest", expected, [row[0].decode("utf-8") for row in nbest],
                           "first hypotheses")
        return result, lambda: serve(text=text)

    return exporter.write_saved_model(workdir, save, check)


def tflite_parts(model, data, config):
    """The model's `encoder` (source ids → memory, mask, states) and `decoder_step` signatures."""
    return translator(model, data, config).tflite_parts(
        model, tf.TensorSpec([1, config.max_source_length], tf.int32, name="source"))


def export_translator(model, data, config, workdir, sentences, verbose=True):
    """Writes model.keras, serving/<n>, the TFLite pairs, the vocabularies and export_report.json.

    Args:
        model: the trained `seq2seq` model.
        data: its `TranslationData` (the vocabularies are what export needs).
        config: the `TranslationConfig` it was trained with.
        workdir: str.
        sentences: source sentences of the test split the artifacts are proved on.

    Returns:
        The report rows. Raises ExportError naming every refused artifact (the others are written).
    """
    os.makedirs(workdir, exist_ok=True)
    for name, vocabulary in (("source", data.source_vocabulary), ("target", data.target_vocabulary)):
        with atomic.atomic_file(os.path.join(workdir, f"{name}_vocabulary.txt")) as staging:
            vocabulary.save(staging)
    sentences = list(sentences[:PROOF_SENTENCES])
    sources = source_ids(data.source_vocabulary, sentences, config.max_source_length)
    example = {"source": sources, "tokens": np.full((len(sources), 1), data.target_vocabulary.ids[START], np.int32)}
    rows = exporter.export_keras_and_serving(
        model, workdir, example, lambda: export_saved_model(model, data, config, workdir, sentences))
    with tempfile.TemporaryDirectory(prefix="zoo-export-") as scratch:
        rows += export_encoder_decoder_tflite(
            tflite_parts(model, data, config), data.target_vocabulary, workdir, [{"source": s[None]} for s in sources],
            translator(model, data, config).ids(sentences), config.max_target_length, config.quantizations,
            config.export_tolerance, config.agreement_threshold, scratch,
        )
    return exporter.write_report(workdir, rows, verbose)
