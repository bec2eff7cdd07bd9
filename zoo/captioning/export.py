"""Export of a trained captioner, each artifact proved against the Keras model before it is written.

- `serving/1/`: a SavedModel whose `serving_default` takes `image_bytes` (string [batch], PNG or
  JPEG of any size) and returns `caption` (string [batch]), decoding inside the graph with the
  recipe's beam width; its captions of the test images must equal those of the Keras model.
- `encoder.tflite` and `decoder_step.tflite` (+ `_fp16`, `_int8`): numbers only, built-in ops
  only, batch 1; `vocabulary.txt` beside them maps ids to words. `zoo.captioning.tflite_runner`
  loops them greedily; the float32 pair must give the Keras model's greedy captions on the test
  images (and each file its outputs within the tolerance); a quantized pair (float16 weights,
  dynamic-range int8, or full-integer int8 calibrated on training images) must pick the Keras
  token at `agreement_threshold` of the steps.
- `model.keras`, reloaded and compared, and `export_report.json`.
"""

import os
import tempfile

import numpy as np
import tensorflow as tf

from zoo.captioning.evaluate import generate_captions, generate_ids
from zoo.captioning.generate import caption_ids_function, ids_to_text
from zoo.captioning.tflite_runner import TFLiteCaptioner, state_name
from zoo.data.images import decode_image
from zoo.export import atomic, exporter, parity, tflite_model
from zoo.export.errors import ExportError
from zoo.text import END, START

PARITY_IMAGES = 32  # test images every artifact is proved on before it is written


class CaptioningServing(tf.Module):
    """The SavedModel: raw image bytes in, caption strings out."""

    def __init__(self, model, vocabulary, config):
        super().__init__()
        self.model = model
        self.vocabulary_tokens = tf.constant(vocabulary.tokens)
        caption_ids = caption_ids_function(
            model, vocabulary, config.max_caption_length, config.beam_width, config.length_penalty
        )
        size = config.image_size
        image_spec = tf.TensorSpec([size, size, 3], tf.float32)

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="image_bytes")])
        def serve(image_bytes):
            images = tf.map_fn(lambda data: decode_image(data, size), image_bytes, fn_output_signature=image_spec)
            return {"caption": ids_to_text(self.vocabulary_tokens, caption_ids(images))}

        self.serve = serve


def png_bytes(images):
    """PNG encodings of uint8 images (count, size, size, 3)."""
    return [tf.io.encode_png(np.asarray(image, np.uint8)).numpy() for image in images]


def export_saved_model(model, vocabulary, config, workdir, images):
    expected = generate_captions(model, vocabulary, images, config.max_caption_length, config.beam_width,
                                 config.length_penalty)
    module = CaptioningServing(model, vocabulary, config)
    encoded = tf.constant(png_bytes(images))

    def save(directory):
        tf.saved_model.save(module, directory, signatures={"serving_default": module.serve})

    def check(loaded):
        serve = loaded.signatures["serving_default"]
        actual = [c.decode("utf-8") for c in serve(image_bytes=encoded)["caption"].numpy()]
        differing = [(e, a) for e, a in zip(expected, actual) if e != a]
        if differing:
            raise ExportError(
                f"serving/1: {len(differing)} of {len(expected)} captions differ from the Keras model's, "
                f"e.g. {differing[0][1]!r} instead of {differing[0][0]!r}"
            )
        return {"max_abs_diff": 0.0, "argmax_agreement": 1.0}, lambda: serve(image_bytes=encoded)

    return exporter.write_saved_model(workdir, save, check)


class TFLiteParts(tf.Module):
    """The two TFLite signatures, batch 1: `encoder` and `decoder_step` (see tflite_runner)."""

    def __init__(self, model, config):
        super().__init__()
        self.model = model
        encoder, decoder = model.get_layer("image_encoder"), model.get_layer("decoder")
        self.state_shapes = [layer.cell.state_sizes for layer in decoder.rnn_layers]
        size = config.image_size
        memory_shape = [1] + list(encoder.outputs[0].shape[1:])

        def encode(image):
            memory = encoder(image, training=False)
            return {"memory": memory, **self.flat_states(decoder.initial_states(memory))}

        def step(token, memory, *flat_states):
            logits, states, attention = decoder.step(token, self.nested_states(flat_states), memory)
            return {"logits": logits, "attention": attention, **self.flat_states(states)}

        self.encoder_inputs = [tf.TensorSpec([1, size, size, 3], tf.float32, name="image")]
        self.step_inputs = [tf.TensorSpec([1], tf.int32, name="token"),
                            tf.TensorSpec(memory_shape, tf.float32, name="memory")] + [
            tf.TensorSpec([1, units], tf.float32, name=state_name(layer, index))
            for layer, sizes in enumerate(self.state_shapes) for index, units in enumerate(sizes)
        ]
        self.encode_python, self.step_python = encode, step
        self.encode = tf.function(encode, input_signature=self.encoder_inputs)
        self.step = tf.function(step, input_signature=self.step_inputs)

    @staticmethod
    def flat_states(states):
        return {state_name(layer, index): s for layer, layer_states in enumerate(states)
                for index, s in enumerate(layer_states)}

    def nested_states(self, flat):
        flat, nested = list(flat), []
        for sizes in self.state_shapes:
            nested.append(flat[: len(sizes)])
            flat = flat[len(sizes):]
        return nested


def _numpy(outputs):
    return {name: np.asarray(value) for name, value in outputs.items()}


def calibration_samples(parts, vocabulary, images, max_length):
    """Representative inputs of both signatures for full-integer quantization: every image for
    the encoder, and every step of the Keras model's greedy caption of it for the decoder step."""
    encoder_samples, step_samples = [], []
    for image in np.asarray(images, np.float32):
        encoder_samples.append({"image": image[None]})
        states = _numpy(parts.encode_python(tf.constant(image[None])))
        memory = states.pop("memory")
        token = np.array([vocabulary.ids[START]], np.int32)
        for _ in range(max_length):
            inputs = {"token": token, "memory": memory, **states}
            step_samples.append(inputs)
            outputs = _numpy(parts.step_python(*[tf.constant(inputs[spec.name]) for spec in parts.step_inputs]))
            token = np.argmax(outputs["logits"], axis=-1).astype(np.int32)
            states = {name: value for name, value in outputs.items() if name.startswith("state_")}
            if token[0] == vocabulary.ids[END]:
                break
    return {"encoder": encoder_samples, "decoder_step": step_samples}


def _until_end(ids, end_id):
    ids = list(ids)
    return ids[: ids.index(end_id) + 1] if end_id in ids else ids


def runner_agreement(runner, images, keras_ids, end_id):
    """`(caption_agreement, token_agreement)` of a TFLite runner with the Keras model's greedy ids:
    the share of identical free-running captions, and the share of steps at which the files pick
    the Keras token when fed the Keras tokens (the "argmax token agreement" of quantized files)."""
    same_captions, same_tokens, steps = 0, 0, 0
    for image, row in zip(np.asarray(images, np.float32), keras_ids):
        expected = _until_end(row, end_id)
        same_captions += runner.caption_ids(image) == expected
        choices = runner.token_choices(image, expected)
        same_tokens += sum(int(a == b) for a, b in zip(choices, expected))
        steps += len(expected)
    return same_captions / len(keras_ids), same_tokens / max(steps, 1)


def export_tflite(model, vocabulary, config, workdir, images, calibration_images, scratch):
    """encoder.tflite + decoder_step.tflite per quantization, each pair proved on test images.

    float32: each file's outputs within `config.export_tolerance` of Keras and every greedy caption
    of the reference runner equal to the Keras model's; quantized pairs: token agreement of at least
    `config.agreement_threshold`. "full_int8" is calibrated on `calibration_images` (training images).
    """
    parts = TFLiteParts(model, config)
    source = os.path.join(scratch, "tflite_source")
    tf.saved_model.save(parts, source, signatures={"encoder": parts.encode, "decoder_step": parts.step})

    image = np.asarray(images[:1], np.float32)
    encoder_inputs = {"image": image}
    encoder_expected = _numpy(parts.encode_python(tf.constant(image)))
    step_inputs = {"token": np.array([vocabulary.ids[START]], np.int32), **encoder_expected}
    step_expected = _numpy(parts.step_python(*[tf.constant(step_inputs[spec.name]) for spec in parts.step_inputs]))
    keras_ids = generate_ids(model, vocabulary, images, config.max_caption_length)
    calibration = None
    if "full_int8" in config.quantizations:
        calibration = calibration_samples(parts, vocabulary, calibration_images, config.max_caption_length)

    rows = []
    for quantization in ("none",) + tuple(config.quantizations):
        names = [exporter.tflite_file_name(stem, quantization) for stem in ("encoder", "decoder_step")]
        try:
            files, reports = [], []
            for signature, name, inputs, expected in (("encoder", names[0], encoder_inputs, encoder_expected),
                                                      ("decoder_step", names[1], step_inputs, step_expected)):
                samples = calibration[signature] if quantization == "full_int8" else None
                data, ops = exporter.convert_built_in(source, signature, name, quantization, scratch, samples)
                interpreter = tflite_model.TFLiteModel(data)
                actual = interpreter(**inputs)
                if quantization == "none":
                    check = parity.check_float(name, expected, actual, config.export_tolerance)
                else:
                    check = {"max_abs_diff": max(float(np.max(np.abs(expected[k] - actual[k]))) for k in expected)}
                files.append(data)
                reports.append(dict(artifact=name, bytes=len(data), ops=ops, **check,
                                    latency_ms=exporter.latency_ms(lambda: interpreter(**inputs))))
            runner = TFLiteCaptioner(files[0], files[1], vocabulary, config.max_caption_length)
            captions, tokens = runner_agreement(runner, images, keras_ids, vocabulary.ids[END])
            if quantization == "none" and captions < 1.0:
                raise ExportError(f"{names[1]}: the TFLite runner's greedy captions differ from the Keras model's "
                                  f"on {1 - captions:.1%} of {len(images)} test images")
            if tokens < config.agreement_threshold:
                raise ExportError(f"{names[1]}: picks the Keras model's token at {tokens:.1%} of the steps of "
                                  f"{len(images)} test captions, below {config.agreement_threshold:.1%}")
            first = np.asarray(images[0], np.float32)
            caption_latency = exporter.latency_ms(lambda: runner.caption(first), repeats=3)
            for name, data, report in zip(names, files, reports):
                atomic.write_bytes(os.path.join(workdir, name), data)
                report.update(argmax_agreement=tokens, caption_agreement=captions, caption_latency_ms=caption_latency)
                rows.append(report)
        except ExportError as error:
            rows.extend(dict(artifact=name, refused=str(error)) for name in names)
    return rows


def export_captioner(model, vocabulary, config, workdir, test_images, calibration_images, verbose=True):
    """Writes model.keras, serving/1, the TFLite pairs and export_report.json into `workdir`.

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
    expected = exporter.keras_outputs(model, example)
    rows = []
    for write in (
        lambda: exporter.export_keras_file(model, workdir, example, expected),
        lambda: export_saved_model(model, vocabulary, config, workdir, images),
    ):
        try:
            rows.append(write())
        except ExportError as error:
            rows.append(exporter.refusal_row(error))
    with tempfile.TemporaryDirectory(prefix="zoo-export-") as scratch:
        rows += export_tflite(model, vocabulary, config, workdir, images, calibration_images, scratch)
    return exporter.write_report(workdir, rows, verbose)
