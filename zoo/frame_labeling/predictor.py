"""The frame labeler's predictor (`zoo.load`): audio in, labeled segments with times out."""

import os

import numpy as np

from zoo.data.timit import read_wav, resample
from zoo.data.utterances import SAMPLE_RATE, segment_bounds, segments_of
from zoo.errors import UsageError
from zoo.predictor import Predictor, one_or_many, strings


def _is_one_recording(value):
    return isinstance(value, (str, os.PathLike)) or (isinstance(value, np.ndarray) and value.ndim == 1)


class FrameLabelingPredictor(Predictor):
    """Labels every 10 ms frame with the exported model and joins equal labels into segments.

    Each result is a list of `{"start": seconds, "end": seconds, "label": str}`, covering the audio.

    Example:
        >>> labeler = zoo.load("saved_models/frame_labeling")
        >>> labeler.predict("utterance.wav")  # one recording → its segments
        >>> labeler.predict([samples_8k], sample_rate=8000)  # float arrays in [-1, 1], resampled to 16 kHz
    """

    recipe = "frame_labeling"

    def predict(self, audio, sample_rate=SAMPLE_RATE):
        """The segments of each recording, or of the one recording given: a WAV path (16-bit PCM mono, any
        rate), or a float array of samples in [-1, 1] at `sample_rate` Hz."""
        recordings, one = one_or_many(audio, _is_one_recording)
        waveforms = [self._waveform(recording, sample_rate) for recording in recordings]
        lengths = np.array([len(waveform) for waveform in waveforms], np.int32)
        batch = np.zeros((len(waveforms), int(lengths.max(initial=0))), np.float32)
        for row, waveform in enumerate(waveforms):
            batch[row, :len(waveform)] = waveform
        outputs = self.run("label_padded", waveform=batch, num_samples=lengths)
        results = []
        for names, ids, length in zip(outputs["labels"], outputs["label_ids"], lengths):
            labels = strings(names[ids >= 0])
            results.append([{"start": start / SAMPLE_RATE, "end": stop / SAMPLE_RATE, "label": label}
                            for first, end, label in segments_of(labels)
                            for start, stop in [segment_bounds(first, end, len(labels), int(length))]])
        return results[0] if one else results

    @staticmethod
    def _waveform(recording, sample_rate):
        if isinstance(recording, (str, os.PathLike)):
            return read_wav(os.fspath(recording), SAMPLE_RATE)
        samples = np.asarray(recording, np.float32)
        if samples.ndim != 1:
            raise UsageError(f"a recording must be one channel of samples (samples,); received shape {samples.shape}.")
        if int(sample_rate) <= 0:
            raise UsageError(f"sample_rate must be a positive number of Hz; received {sample_rate}.")
        return resample(samples, int(sample_rate), SAMPLE_RATE)


PREDICTOR = FrameLabelingPredictor
