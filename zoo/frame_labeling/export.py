"""Export of a trained frame labeling model, each artifact proved against the Keras model first.

- `serving/<n>/`: a SavedModel whose `serving_default` takes `waveform` (float32 [batch, samples], mono
  16 kHz, every row a whole utterance) and returns `label_ids` (int32 [batch, frames]) and `labels`
  (string [batch, frames]); `label_padded` also takes `num_samples` (int32 [batch]) for a batch of
  utterances of different lengths, zero-padded, and gives frames past each end id -1 and label "".
  A wrong rank, NaN or infinite samples, or a `num_samples` outside [0, samples] is refused. Its labels of test utterances must equal the Keras model's.
  `label_wav` takes `wav_bytes` (string [batch]: RIFF WAV files, PCM at 16 kHz, channels averaged) and
  answers as `label_padded`; bytes that are not a WAV, or a WAV at another rate, are refused. Proved on
  the test utterances written as 16-bit WAVs against the Keras model on the same 16-bit samples.
- `model.tflite` (+ `_fp16`): the whole model, front end included, on a fixed
  [1, tflite_seconds × 16000] waveform with its `num_samples` (shorter audio zero-padded), built-in
  ops only, with `labels.txt` beside it; proved on test audio that fills the whole input.
- `streaming/model.keras`: the causal model for `zoo.frame_labeling.streaming.StreamingLabeler`.
- `model.keras` and `export_report.json`.
"""

import os
import shutil
import tempfile

import keras
import numpy as np
import tensorflow as tf

from zoo.encoders.audio import frame_counts
from zoo import atomic
from zoo.export import boundary, exporter, parity
from zoo.export.errors import ExportError
from zoo.frame_labeling.data import frame_dataset

PROOF_UTTERANCES = 16  # test utterances every artifact is proved on before it is written


SAMPLE_RATE = 16000
WAVEFORM = tf.TensorSpec([None, None], tf.float32, name="waveform")
NUM_SAMPLES = tf.TensorSpec([None], tf.int32, name="num_samples")
WAV_BYTES = tf.TensorSpec([None], tf.string, name="wav_bytes")


def _checked(waveform, num_samples):
    """The SavedModel's inputs, refused at the boundary when their ranks, values or lengths are wrong."""
    waveform = boundary.finite(boundary.checked(waveform, WAVEFORM), "waveform")
    num_samples = boundary.checked(num_samples, NUM_SAMPLES)
    num_samples = boundary.require(tf.shape(num_samples)[0] == tf.shape(waveform)[0], num_samples,
                                   "num_samples must hold one length per waveform row")
    num_samples = boundary.require((num_samples >= 0) & (num_samples <= tf.shape(waveform)[1]), num_samples,
                                   "num_samples must lie between 0 and the waveform length")
    return waveform, num_samples


def _decoded_wav(wav):
    """The mono samples of one WAV file's bytes, refused unless they are a WAV at SAMPLE_RATE."""
    header = (tf.strings.substr(wav, 0, 4) == "RIFF") & (tf.strings.substr(wav, 8, 4) == "WAVE")
    wav = boundary.require(header, wav, "wav_bytes holds bytes that are not a WAV file (no RIFF/WAVE header)")
    audio, rate = tf.audio.decode_wav(wav)
    audio = boundary.require(tf.equal(rate, SAMPLE_RATE), audio,
                             f"wav_bytes holds a WAV whose sample rate is not {SAMPLE_RATE} Hz; resample it to "
                             f"{SAMPLE_RATE // 1000} kHz (or send float samples to serving_default)")
    return tf.reduce_mean(audio, axis=1)


def wav_bytes(waveform):
    """The 16-bit PCM WAV file of one float waveform at SAMPLE_RATE (what `label_wav` takes)."""
    return tf.audio.encode_wav(np.asarray(waveform, np.float32)[:, None], SAMPLE_RATE).numpy()


def pcm16(waveform):
    """`waveform` as a 16-bit WAV stores it and `tf.audio.decode_wav` reads it back."""
    return tf.audio.decode_wav(wav_bytes(waveform))[0].numpy()[:, 0]


class FrameLabelingServing(tf.Module):
    """The SavedModel: waveforms in, a label per 10 ms frame out."""

    def __init__(self, model, labels):
        super().__init__()
        self.model = model
        self.label_names = tf.constant(list(labels) + [""])  # padding (id -1) reads the last entry: ""

        @tf.function(input_signature=[WAVEFORM, NUM_SAMPLES])
        def label_padded(waveform, num_samples):
            waveform, num_samples = _checked(waveform, num_samples)
            logits = self.model({"waveform": waveform, "num_samples": num_samples}, training=False)
            frames = frame_counts(num_samples)
            ids = tf.where(tf.sequence_mask(frames, tf.shape(logits)[1]), tf.argmax(logits, -1, tf.int32), -1)
            names = tf.gather(self.label_names, tf.where(ids >= 0, ids, len(labels)))
            return {"label_ids": ids, "labels": names}

        @tf.function(input_signature=[WAVEFORM])
        def serve(waveform):
            waveform = boundary.checked(waveform, WAVEFORM)
            return label_padded(waveform, tf.fill([tf.shape(waveform)[0]], tf.shape(waveform)[1]))

        @tf.function(input_signature=[WAV_BYTES])
        def label_wav(wav_bytes):
            wav_bytes = boundary.checked(wav_bytes, WAV_BYTES)
            samples = tf.map_fn(_decoded_wav, wav_bytes,
                                fn_output_signature=tf.RaggedTensorSpec([None], tf.float32, ragged_rank=0))
            return label_padded(samples.to_tensor(), tf.cast(samples.row_lengths(), tf.int32))

        self.serve, self.label_padded, self.label_wav = serve, label_padded, label_wav


def keras_label_ids(model, utterances, data):
    """The Keras model's label ids of `utterances` as one padded batch (-1 past each end)."""
    inputs, targets = next(iter(frame_dataset(utterances, data, len(utterances))))
    ids = np.argmax(np.asarray(model(inputs, training=False)), -1)
    return inputs, np.where(np.asarray(targets) == -1, -1, ids)


def _agreement(name, expected, actual):
    if expected.shape != actual.shape or not np.array_equal(expected, actual):
        same = float(np.mean(expected == actual)) if expected.shape == actual.shape else 0.0
        raise ExportError(artifact=name, reason=f"frame labels differ from the Keras model's ({100 * same:.2f} % equal)")
    return {"max_abs_diff": None, "argmax_agreement": 1.0}


def export_saved_model(model, labels, workdir, inputs, expected):
    module = FrameLabelingServing(model, labels)
    lengths = inputs["num_samples"]
    wavs = np.array([wav_bytes(row[:n]) for row, n in zip(inputs["waveform"], lengths)], dtype=object)
    stored = np.zeros_like(inputs["waveform"])
    for row, (samples, n) in enumerate(zip(inputs["waveform"], lengths)):
        stored[row, :n] = pcm16(samples[:n])
    expected_wav = np.argmax(np.asarray(model({"waveform": stored, "num_samples": lengths}, training=False)), -1)
    expected_wav = np.where(expected >= 0, expected_wav, -1)

    def save(directory):
        tf.saved_model.save(module, directory, signatures={"serving_default": module.serve,
                                                           "label_padded": module.label_padded,
                                                           "label_wav": module.label_wav})

    def check(loaded):
        padded = loaded.signatures["label_padded"](waveform=inputs["waveform"], num_samples=inputs["num_samples"])
        result = _agreement("label_padded", expected, padded["label_ids"].numpy())
        first = int(inputs["num_samples"][0])
        whole = loaded.signatures["serving_default"](waveform=inputs["waveform"][:1, :first])
        frames = int(np.sum(expected[0] >= 0))
        _agreement("serving_default", expected[:1, :frames], whole["label_ids"].numpy())
        names = [name.decode() for name in whole["labels"].numpy()[0]]
        parity.check_texts("serving_default labels", [labels[i] for i in expected[0, :frames]], names, "frame labels")
        _agreement("label_wav", expected_wav, loaded.signatures["label_wav"](wav_bytes=wavs)["label_ids"].numpy())
        return result, lambda: loaded.signatures["label_padded"](**{k: tf.constant(v) for k, v in inputs.items()})

    return exporter.write_saved_model(workdir, save, check)


def tflite_example(utterances, samples):
    """The TFLite files' proof input: test utterances back to back, cut to the files' fixed `samples`, so
    that every frame the check compares is real audio (padding frames would only compare biases)."""
    audio = np.concatenate([u.waveform for u in utterances])
    while len(audio) < samples:
        audio = np.concatenate([audio, audio])
    return {"waveform": audio[None, :samples].astype(np.float32), "num_samples": np.array([samples], np.int32)}


def export_streaming(streaming, workdir, inputs):
    """Writes the causal model to `streaming/model.keras`, atomically, once it reloads to the same logits."""
    os.makedirs(os.path.join(workdir, "streaming"), exist_ok=True)
    target = os.path.join(workdir, "streaming", "model.keras")
    expected = exporter.keras_outputs(streaming, inputs)
    with atomic.atomic_file(target) as staging:
        streaming.save(staging)
        restored = keras.models.load_model(staging, safe_mode=True)
        check = parity.check_float("streaming/model.keras", expected, exporter.keras_outputs(restored, inputs), 0.0)
    return dict(artifact="streaming/model.keras", bytes=os.path.getsize(target), ops=None, **check, latency_ms=None)


def export_frame_labeler(model, data, config, workdir, streaming=None, verbose=True):
    """Writes model.keras, serving/<n>, the TFLite files, labels.txt, streaming/ and export_report.json.

    Args:
        model: the trained bidirectional `frame_tagger`.
        data: its `FrameData` (the labels and the test utterances to prove artifacts on).
        config: the `FrameLabelingConfig` it was trained with.
        workdir: str.
        streaming: optional trained causal `frame_tagger`.

    Returns:
        The report rows. Raises ExportError naming every refused artifact (the others are written).
    """
    os.makedirs(workdir, exist_ok=True)
    with atomic.atomic_file(os.path.join(workdir, "labels.txt")) as staging, open(staging, "w") as file:
        file.write("\n".join(data.labels) + "\n")
    proof = data.splits["test"][:PROOF_UTTERANCES]
    inputs, expected = keras_label_ids(model, proof, data)
    inputs = {name: np.asarray(value) for name, value in inputs.items()}
    rows = exporter.export_keras_and_serving(
        model, workdir, {name: value[:1] for name, value in inputs.items()},
        lambda: export_saved_model(model, data.labels, workdir, inputs, expected))
    samples = int(round(config.tflite_seconds * 16000))
    example = tflite_example(proof, samples)
    with tempfile.TemporaryDirectory(prefix="zoo-export-") as scratch:
        rows += exporter.export_tflite(model, workdir, example, exporter.keras_outputs(model, example),
                                       config.export_tolerance, config.agreement_threshold, config.quantizations,
                                       scratch)
    if streaming is not None:
        try:
            rows.append(export_streaming(streaming, workdir, inputs))
        except ExportError as error:
            rows.append(exporter.refusal_row(error))
    elif os.path.isdir(os.path.join(workdir, "streaming")):
        shutil.rmtree(os.path.join(workdir, "streaming"))
    return exporter.write_report(workdir, rows, verbose)
