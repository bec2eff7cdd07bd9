"""TFLite export of an encoder-decoder (a model with an `AttentionDecoder` named "decoder"): two
files, proved together with `DecoderRunner` against the Keras model's greedy decoding.

- `encoder.tflite`: the model's input(s), batch 1 → the memory and the decoder's initial states;
- `decoder_step.tflite`: one token → its logits, the new states and the attention weights.

Neither holds the output loop, so both run on any TFLite runtime with built-in ops; an app loops
the step (`zoo.export.decoder_runner` is the reference). The float32 pair must reproduce every
greedy output of the Keras model on the proof inputs (and each file its outputs within the
tolerance); a quantized pair ("float16", "int8", or "full_int8" calibrated on representative
inputs) must pick the Keras token at `agreement_threshold` of the steps.
"""

import os

import numpy as np
import tensorflow as tf

from zoo import atomic
from zoo.export import exporter, parity, tflite_files, tflite_metadata, tflite_model
from zoo.export.decoder_runner import DecoderRunner, state_name
from zoo.export.errors import ExportError
from zoo.text import END, START


class EncoderDecoderParts(tf.Module):
    """The `encoder` and `decoder_step` signatures of a model, batch 1.

    Args:
        model: the Keras model; its layer "decoder" is an `AttentionDecoder`.
        encode: callable `(**inputs) -> (memory, memory_mask or None)` on the model's layers.
        encoder_inputs: `tf.TensorSpec`s of `encode`'s inputs (batch 1, named).
    """

    def __init__(self, model, encode, encoder_inputs):
        super().__init__()
        self.model = model
        decoder = model.get_layer("decoder")
        self.state_shapes = [layer.cell.state_sizes for layer in decoder.rnn_layers]
        names = [spec.name for spec in encoder_inputs]
        example = {spec.name: tf.zeros(spec.shape, spec.dtype) for spec in encoder_inputs}
        memory, mask = encode(**example)
        self.masked = mask is not None

        def encode_signature(*tensors):
            memory, mask = encode(**dict(zip(names, tensors)))
            outputs = {"memory": memory, **self.flat_states(decoder.initial_states(memory, mask))}
            if self.masked:
                outputs["memory_mask"] = tf.cast(mask, tf.float32)
            return outputs

        def step_signature(token, memory, *rest):
            mask = tf.cast(rest[0], tf.bool) if self.masked else None
            flat_states = rest[1:] if self.masked else rest
            logits, states, attention = decoder.step(token, self.nested_states(flat_states), memory, mask)
            return {"logits": logits, "attention": attention, **self.flat_states(states)}

        self.encoder_inputs = list(encoder_inputs)
        self.step_inputs = [tf.TensorSpec([1], tf.int32, name="token"),
                            tf.TensorSpec(memory.shape, tf.float32, name="memory")]
        if self.masked:
            self.step_inputs.append(tf.TensorSpec(mask.shape, tf.float32, name="memory_mask"))
        self.step_inputs += [tf.TensorSpec([1, units], tf.float32, name=state_name(layer, index))
                             for layer, sizes in enumerate(self.state_shapes) for index, units in enumerate(sizes)]
        self.encode_python, self.step_python = encode_signature, step_signature
        self.encode = tf.function(encode_signature, input_signature=self.encoder_inputs)
        self.step = tf.function(step_signature, input_signature=self.step_inputs)

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

    def run_encoder(self, inputs):
        """The encoder signature on a dict of batch-1 arrays, eagerly (the Keras reference)."""
        return _numpy(self.encode_python(*[tf.constant(inputs[spec.name]) for spec in self.encoder_inputs]))

    def run_step(self, inputs):
        """The decoder-step signature on a dict of arrays, eagerly (the Keras reference)."""
        return _numpy(self.step_python(*[tf.constant(inputs[spec.name]) for spec in self.step_inputs]))


def _numpy(outputs):
    return {name: np.asarray(value) for name, value in outputs.items()}


def calibration_samples(parts, vocabulary, examples, max_length):
    """Representative inputs of both signatures for full-integer quantization: each example for the
    encoder, and every step of the Keras model's greedy decoding of it for the decoder step."""
    encoder_samples, step_samples = [], []
    for example in examples:
        encoder_samples.append(example)
        context = parts.run_encoder(example)
        states = {name: value for name, value in context.items() if name.startswith("state_")}
        fixed = {name: value for name, value in context.items() if not name.startswith("state_")}
        token = np.array([vocabulary.ids[START]], np.int32)
        for _ in range(max_length):
            inputs = {"token": token, **fixed, **states}
            step_samples.append(inputs)
            outputs = parts.run_step(inputs)
            token = np.argmax(outputs["logits"], axis=-1).astype(np.int32)
            states = {name: value for name, value in outputs.items() if name.startswith("state_")}
            if token[0] == vocabulary.ids[END]:
                break
    return {"encoder": encoder_samples, "decoder_step": step_samples}


def _until_end(ids, end_id):
    ids = [int(i) for i in ids]
    return ids[: ids.index(end_id) + 1] if end_id in ids else ids


def runner_agreement(runner, examples, keras_ids, end_id):
    """`(output_agreement, token_agreement)` of a runner with the Keras model's greedy ids: the
    share of identical free-running outputs, and the share of steps at which the files pick the
    Keras token when fed the Keras tokens."""
    same_outputs, same_tokens, steps = 0, 0, 0
    for example, row in zip(examples, keras_ids):
        expected = _until_end(row, end_id)
        same_outputs += runner.ids(example) == expected
        choices = runner.token_choices(example, expected)
        same_tokens += sum(int(a == b) for a, b in zip(choices, expected))
        steps += len(expected)
    return same_outputs / len(keras_ids), same_tokens / max(steps, 1)


def export_encoder_decoder_tflite(parts, vocabulary, workdir, examples, keras_ids, max_length, quantizations,
                                  tolerance, agreement_threshold, scratch, calibration_examples=()):
    """Writes encoder/decoder_step TFLite pairs (float32 + `quantizations`), each pair proved first.

    Args:
        parts: `EncoderDecoderParts` of the model.
        vocabulary: the output vocabulary.
        workdir: str.
        examples: list of encoder input dicts (batch 1): real inputs from the test split.
        keras_ids: the Keras model's greedy ids of `examples` (rows ending in [END] and padding).
        max_length: int. Most output tokens.
        quantizations: variants besides float32 ("float16", "int8", "full_int8").
        tolerance: float. Max |difference| of each float32 file's outputs on the first example.
        agreement_threshold: float. Least token agreement of a quantized pair.
        scratch: str. A temporary directory.
        calibration_examples: encoder input dicts (training data) that calibrate "full_int8".

    Returns:
        Report rows, two per pair; a refused pair's rows hold "refused".
    """
    source = os.path.join(scratch, "encoder_decoder_source")
    tf.saved_model.save(parts, source, signatures={"encoder": parts.encode, "decoder_step": parts.step})
    encoder_inputs = examples[0]
    encoder_expected = parts.run_encoder(encoder_inputs)
    step_inputs = {"token": np.array([vocabulary.ids[START]], np.int32), **encoder_expected}
    step_expected = parts.run_step(step_inputs)
    calibration = None
    if "full_int8" in quantizations:
        calibration = calibration_samples(parts, vocabulary, list(calibration_examples), max_length)

    rows = []
    for quantization in ("none",) + tuple(quantizations):
        names = [tflite_files.tflite_file_name(stem, quantization) for stem in ("encoder", "decoder_step")]
        try:
            files, reports = [], []
            for signature, name, inputs, expected in (("encoder", names[0], encoder_inputs, encoder_expected),
                                                      ("decoder_step", names[1], step_inputs, step_expected)):
                samples = calibration[signature] if quantization == "full_int8" else None
                data, ops = tflite_files.convert_built_in(source, signature, name, quantization, scratch,
                                                      samples)
                data = tflite_metadata.described(data, name)  # the bytes proved are the bytes written
                interpreter = tflite_model.TFLiteModel(data)
                actual = interpreter(**inputs)
                if quantization == "none":
                    check = parity.check_float(name, expected, actual, tolerance)
                else:
                    check = {"max_abs_diff": max(float(np.max(np.abs(expected[k] - actual[k]))) for k in expected)}
                files.append(data)
                reports.append(dict(artifact=name, bytes=len(data), ops=ops, **check,
                                    latency_ms=tflite_files.latency_ms(lambda: interpreter(**inputs))))
            runner = DecoderRunner(files[0], files[1], vocabulary, max_length)
            outputs, tokens = runner_agreement(runner, examples, keras_ids, vocabulary.ids[END])
            if quantization == "none" and outputs < 1.0:
                raise ExportError(artifact=names[1], reason=f"the TFLite runner's greedy outputs differ from the Keras model's "
                                  f"on {1 - outputs:.1%} of {len(examples)} test inputs")
            if tokens < agreement_threshold:
                raise ExportError(artifact=names[1], reason=f"picks the Keras model's token at {tokens:.1%} of the steps of "
                                  f"{len(examples)} test inputs, below {agreement_threshold:.1%}")
            decode_latency = tflite_files.latency_ms(lambda: runner.ids(encoder_inputs), repeats=3)
            for name, data, report in zip(names, files, reports):
                atomic.write_bytes(os.path.join(workdir, name), data)
                report.update(argmax_agreement=tokens, output_agreement=outputs, decode_latency_ms=decode_latency)
                rows.append(report)
        except ExportError as error:
            rows.extend(dict(artifact=name, refused=str(error)) for name in names)
    return rows
