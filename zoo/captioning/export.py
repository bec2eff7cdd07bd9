"""Export of a trained captioner, each artifact proved against the Keras model before it is written.

- `serving/<n>/`: a SavedModel whose `serving_default` takes `image_bytes` (string [batch], PNG or
  JPEG of any size) and returns `caption` (string [batch]), decoding inside the graph with the
  recipe's beam width; its captions of the test images must equal those of the Keras model.
  `caption_attention` takes the same input and returns the greedy caption's `words` (string [batch,
  max_caption_length], "" from [END] on) and `attention` (float32 [batch, max_caption_length, grid
  cells]): where the decoder looked for each word (the page of `zoo.serve` draws it over the image);
  proved against the Keras model's greedy walk (`SequenceGenerator.with_attention`).
- `encoder.tflite` and `decoder_step.tflite` (+ `_fp16`, `_int8`, `_full_int8`): numbers only,
  built-in ops only, batch 1; `vocabulary.txt` beside them maps ids to words;
  `zoo.export.decoder_runner` loops them greedily (see `zoo.export.encoder_decoder` for the proof).
- `model.keras`, reloaded and compared, and `export_report.json`.
"""

import os
import tempfile

import numpy as np
import tensorflow as tf

from zoo.captioning.generate import captioner
from zoo import atomic
from zoo.export import exporter, parity
from zoo.export.encoder_decoder import export_encoder_decoder_tflite
from zoo.text import END, START

PARITY_IMAGES = 32  # test images every artifact is proved on before it is written


def png_bytes(images):
    """PNG encodings of uint8 images (count, size, size, 3)."""
    return [tf.io.encode_png(np.asarray(image, np.uint8)).numpy() for image in images]


def keras_captions(model, vocabulary, images, config):
    """The Keras model's captions of `images` with the serving settings: what the SavedModel must give."""
    return captioner(model, vocabulary, config.max_caption_length, config.length_penalty).generate(
        images, config.beam_width)


ATTENTION_PROOF_IMAGES = 4  # images the attention signature is proved on (the Keras walk is eager, one image at a time)


def check_attention(signature, task, images, tolerance):
    """Raises ExportError unless `signature` (image_bytes → words, attention) gives the words and weights
    of the Keras model's greedy walk (`task.with_attention`) on each of `images`."""
    answer = signature(image_bytes=tf.constant(png_bytes(images)))
    for row, image in enumerate(images):
        tokens, weights = task.with_attention(np.asarray(image, np.float32))
        words = [w.decode("utf-8") for w in answer["words"].numpy()[row]]
        expected_words = tokens[:-1] if tokens[-1] == END else tokens
        parity.check_texts("caption_attention", [" ".join(expected_words)],
                           [" ".join(word for word in words if word)], "greedy captions")
        parity.check_float("caption_attention", {"attention": weights},
                           {"attention": answer["attention"].numpy()[row, :len(weights)]}, tolerance)


def export_saved_model(model, vocabulary, config, workdir, images):
    expected = keras_captions(model, vocabulary, images, config)
    task = captioner(model, vocabulary, config.max_caption_length, config.length_penalty)
    cells = model.get_layer("image_encoder").output.shape[1]
    module = task.serving_module(model, config.beam_width, "caption", attention_name="caption_attention",
                                 memory_length=cells)
    encoded = tf.constant(png_bytes(images))

    def save(directory):
        tf.saved_model.save(module, directory, signatures={"serving_default": module.serve,
                                                           "caption_attention": module.caption_attention})

    def check(loaded):
        serve = loaded.signatures["serving_default"]
        actual = [c.decode("utf-8") for c in serve(image_bytes=encoded)["caption"].numpy()]
        result = parity.check_texts("serving_default", expected, actual, "captions")
        check_attention(loaded.signatures["caption_attention"], task, images[:ATTENTION_PROOF_IMAGES],
                        config.export_tolerance)
        return result, lambda: serve(image_bytes=encoded)

    return exporter.write_saved_model(workdir, save, check)


def tflite_parts(model, config):
    """The captioner's `encoder` (pixels → grid, states) and `decoder_step` TFLite signatures."""
    size = config.image_size
    return captioner(model, None, config.max_caption_length).tflite_parts(
        model, tf.TensorSpec([1, size, size, 3], tf.float32, name="image"))


def pixel_examples(images):
    """Encoder inputs of the TFLite pair: one {"image": float32 (1, size, size, 3)} per image."""
    return [{"image": np.asarray(image, np.float32)[None]} for image in images]


def export_tflite(model, vocabulary, config, workdir, images, calibration_images, scratch):
    """encoder.tflite + decoder_step.tflite per quantization, proved on test images (see
    `zoo.export.encoder_decoder`); "full_int8" is calibrated on training images."""
    return export_encoder_decoder_tflite(
        tflite_parts(model, config), vocabulary, workdir, pixel_examples(images),
        captioner(model, vocabulary, config.max_caption_length).ids(images), config.max_caption_length,
        config.quantizations, config.export_tolerance, config.agreement_threshold, scratch,
        calibration_examples=pixel_examples(calibration_images),
    )


def export_captioner(model, vocabulary, config, workdir, test_images, calibration_images, verbose=True):
    """Writes model.keras, serving/<n>, the TFLite pairs and export_report.json into `workdir`.

    Args:
        model: the trained captioner (`zoo.models.captioner`).
        vocabulary: its `zoo.text.Vocabulary` (written as vocabulary.txt).
        config: the `CaptioningConfig` it was trained with.
        workdir: str.
        test_images: uint8 (count, size, size, 3): real images the artifacts are proved on.
        calibration_images: uint8 training images that calibrate full-integer quantization.

    Returns:
        The report rows. Raises ExportError naming every refused artifact (the others are written).
    """
    os.makedirs(workdir, exist_ok=True)
    vocabulary_path = os.path.join(workdir, "vocabulary.txt")
    with atomic.atomic_file(vocabulary_path) as staging:
        vocabulary.save(staging)
    images = np.asarray(test_images[:PARITY_IMAGES])
    pixels = images.astype(np.float32)
    example = {"image": pixels, "tokens": np.full((len(images), 1), vocabulary.ids[START], np.int32)}
    rows = exporter.export_keras_and_serving(
        model, workdir, example, lambda: export_saved_model(model, vocabulary, config, workdir, images))
    with tempfile.TemporaryDirectory(prefix="zoo-export-") as scratch:
        rows += export_tflite(model, vocabulary, config, workdir, images, calibration_images, scratch)
    return exporter.write_report(workdir, rows, verbose)
