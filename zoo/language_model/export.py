"""Export of a trained character language model, each artifact proved against the Keras model first.

- `serving/1/`: a SavedModel whose `serving_default` continues prompts — inputs `prompt` (string
  [batch]), `length` (int32), `temperature` (float32; 0 = greedy), `top_k` (int32; 0 = off),
  `top_p` (float32; 1 = off), `seed` (int32); output `text` (string [batch]). It runs the very
  generation code `predict` runs (`zoo.language_model.sampling`), and must write the same texts as
  the Keras model, greedy and sampled.
- `model.tflite` (+ `_fp16`, `_int8`): the generator form for an app's own sampling loop — int32
  `characters` (export_batch, window) and the states `state_<layer>_<index>` in, `logits` and
  `next_state_<layer>_<index>` out; resize the inputs to (1, 1) to feed one character at a time.
  `characters.json` beside it maps ids 2, 3, ... to characters (0 pads, 1 is unknown).
- `model.keras`: the generator form (states in and out, any batch), and `export_report.json`.
"""

import tempfile

import numpy as np
import tensorflow as tf

from zoo.export import exporter, parity
from zoo.language_model.data import stream_windows
from zoo.language_model.sampling import TextGenerator


def example_inputs(generator, ids, batch, window):
    """Real generator inputs: the second window of `batch` test streams, with the states the first left."""
    windows, _ = stream_windows(ids, batch, min(window, (len(ids) - 1) // (2 * batch)))
    sizes = [int(spec.shape[-1]) for spec in generator.inputs[1:]]
    _, *states = generator([tf.constant(windows[0]), *[tf.zeros([batch, size]) for size in sizes]])
    names = [tensor.name.split(":")[0] for tensor in generator.inputs]
    return dict(zip(names, [windows[1], *[np.asarray(state) for state in states]]))


def continue_with(generate, prompts, length, temperature, top_k, top_p, seed):
    """The texts `generate` (a TextGenerator's `continue_text` or the SavedModel's signature) writes."""
    outputs = generate(prompt=tf.constant(prompts), length=tf.constant(length, tf.int32),
                       temperature=tf.constant(temperature, tf.float32), top_k=tf.constant(top_k, tf.int32),
                       top_p=tf.constant(top_p, tf.float32), seed=tf.constant(seed, tf.int32))  # fmt: skip
    return [text.decode("utf-8") for text in outputs["text"].numpy()]


def export_saved_model(generator, vocabulary, config, workdir, prompts):
    """Writes `serving/1`, checked: its greedy and seeded-sample continuations of `prompts` against
    those of the Keras model."""
    module = TextGenerator(generator, vocabulary)
    settings = [(0.0, 0, 1.0), (config.temperature, config.top_k, config.top_p)]
    length = min(config.sample_length, 60)
    expected = [continue_with(module.continue_text, prompts, length, *s, config.sample_seed) for s in settings]

    def check(loaded):
        serve = loaded.signatures["serving_default"]
        for (temperature, top_k, top_p), texts in zip(settings, expected):
            actual = continue_with(serve, prompts, length, temperature, top_k, top_p, config.sample_seed)
            result = parity.check_texts("serving/1", texts, actual, f"texts at temperature {temperature:g}")
        return result, lambda: continue_with(serve, prompts, length, *settings[-1], config.sample_seed)

    return exporter.write_saved_model(
        workdir, lambda directory: tf.saved_model.save(module, directory,
                                                       signatures={"serving_default": module.continue_text}), check)


def export_language_model(generator, vocabulary, test_ids, prompts, config, workdir, verbose=True):
    """model.keras, serving/1 and the TFLite files, proved on test text."""
    example = example_inputs(generator, test_ids, config.export_batch, config.window)
    rows = exporter.export_keras_and_serving(
        generator, workdir, example, lambda: export_saved_model(generator, vocabulary, config, workdir, prompts))
    expected = exporter.keras_outputs(generator, example)
    with tempfile.TemporaryDirectory(prefix="zoo-export-") as scratch:
        rows += exporter.export_tflite(
            generator, workdir, example, expected, config.export_tolerance, config.agreement_threshold,
            config.quantizations, scratch, quantized_check=lambda name, expected, actual: parity.check_agreement(
                name, {"logits": expected["logits"]}, actual, config.agreement_threshold))  # states have no argmax
    return exporter.write_report(workdir, rows, verbose)
