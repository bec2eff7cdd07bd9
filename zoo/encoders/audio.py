"""`LogMelFrontEnd`: waveform → log-mel filterbank frames (+ deltas), inside the model."""

import keras
import tensorflow as tf

from zoo.errors import UsageError
from zoo import checks
from zoo.data.utterances import HOP, SAMPLE_RATE, WINDOW

NORMALIZATIONS = ("utterance", "none")


def frame_counts(num_samples, window=WINDOW, hop=HOP):
    """int32 tensor: the whole windows in each of `num_samples` (0 when shorter than one window), as
    `zoo.data.utterances.frame_count` counts them."""
    return tf.maximum(0, 1 + (tf.cast(num_samples, "int32") - window) // hop)


@keras.saving.register_keras_serializable(package="zoo")
class LogMelFrontEnd(keras.layers.Layer):
    """Log-mel filterbank features of a waveform, with `tf.signal`, so a model takes raw audio.

        X_t = |STFT(hann ⊙ x[t·hop : t·hop + window])|²        power spectrum of frame t
        M_t = log(Mel · X_t + 1e-6)                            num_mels triangular filters
        Δ_t = Σ_{n=1..2} n (M_{t+n} − M_{t−n}) / (2 Σ n²)      deltas (and Δ of Δ), edges repeated
        features_t = (M_t, Δ_t, ΔΔ_t), minus the utterance's mean, over its standard deviation

    Frames past an utterance's end (`num_samples`) are padding: they are zeros in the output,
    repeat the last real frame when deltas are computed, and are left out of the statistics.
    `deltas=False, normalization="none"` is causal (no frame reads the future): what a streaming
    model needs, with fixed statistics from training applied after it.

    Args:
        num_mels: int, default 40.
        deltas: bool, default True. Append Δ and ΔΔ (so 3 × num_mels features).
        normalization: "utterance" (mean and variance of each utterance) or "none".
        sample_rate, window, hop: ints, default 16000, 400 (25 ms), 160 (10 ms).
        lower_hz, upper_hz: floats, default 60 and 7600. The filterbank's range.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        waveform: float32 (batch, samples) in [-1, 1].
        num_samples: optional int32 (batch,): each utterance's length; default all of `samples`.

    Example:
        >>> front_end = LogMelFrontEnd()
        >>> front_end(np.zeros((2, 16000), "float32")).shape
        TensorShape([2, 98, 120])
    """

    def __init__(self, num_mels=40, deltas=True, normalization="utterance", sample_rate=SAMPLE_RATE, window=WINDOW,
                 hop=HOP, lower_hz=60.0, upper_hz=7600.0, **kwargs):
        kwargs.setdefault("dtype", "float32")  # signal processing in float32 under any mixed policy
        super().__init__(**kwargs)
        self.num_mels = checks.positive_int("num_mels", num_mels)
        self.deltas = bool(deltas)
        self.normalization = checks.one_of("normalization", normalization, NORMALIZATIONS)
        self.sample_rate = checks.positive_int("sample_rate", sample_rate)
        self.window = checks.positive_int("window", window)
        self.hop = checks.positive_int("hop", hop)
        if not 0 <= lower_hz < upper_hz <= sample_rate / 2:
            raise UsageError(f"Expected 0 <= lower_hz < upper_hz <= sample_rate / 2; received lower_hz={lower_hz}, "
                             f"upper_hz={upper_hz}, sample_rate={sample_rate}.")
        self.lower_hz, self.upper_hz = float(lower_hz), float(upper_hz)
        self.fft_length = 1 << (self.window - 1).bit_length()

    @property
    def feature_size(self):
        return self.num_mels * (3 if self.deltas else 1)

    def frame_counts(self, num_samples):
        """Frames of each utterance (0 when shorter than one window)."""
        return frame_counts(num_samples, self.window, self.hop)

    def log_mel(self, waveform):
        """(batch, frames, num_mels) log-mel energies of every whole window (one frame of the zero-padded
        audio when it is shorter than a window: `frame_counts` masks it)."""
        shortfall = tf.maximum(0, self.window - tf.shape(waveform)[1])
        waveform = tf.pad(waveform, [[0, 0], [0, shortfall]])
        spectra = tf.signal.stft(waveform, self.window, self.hop, self.fft_length, window_fn=tf.signal.hann_window)
        power = tf.square(tf.math.real(spectra)) + tf.square(tf.math.imag(spectra))  # TFLite has no Conj
        mel = tf.signal.linear_to_mel_weight_matrix(self.num_mels, self.fft_length // 2 + 1, self.sample_rate,
                                                    self.lower_hz, self.upper_hz)
        return tf.math.log(tf.tensordot(power, mel, 1) + 1e-6)

    def call(self, waveform, num_samples=None):
        waveform = tf.convert_to_tensor(waveform, "float32")
        features = self.log_mel(waveform)
        frames = tf.shape(features)[1]
        if num_samples is None:
            counts = tf.fill([tf.shape(features)[0]], frames)
        else:
            counts = tf.minimum(self.frame_counts(num_samples), frames)
        mask = tf.sequence_mask(counts, frames)
        if self.deltas:
            last = tf.maximum(counts - 1, 0)
            clamped = tf.minimum(tf.range(frames)[None, :], last[:, None])  # padding repeats the last real frame
            features = tf.gather(features, clamped, batch_dims=1)
            first = tf.gather(_delta(features), clamped, batch_dims=1)
            features = tf.concat([features, first, _delta(first)], -1)
        weights = tf.cast(mask, features.dtype)[..., None]
        if self.normalization == "utterance":
            count = tf.maximum(tf.reduce_sum(weights, 1, keepdims=True), 1.0)
            mean = tf.reduce_sum(features * weights, 1, keepdims=True) / count
            variance = tf.reduce_sum(tf.square(features - mean) * weights, 1, keepdims=True) / count
            features = (features - mean) * tf.math.rsqrt(variance + 1e-5)
        return features * weights

    def compute_output_shape(self, waveform_shape, num_samples_shape=None):
        samples = waveform_shape[1]
        frames = None if samples is None else max(0, 1 + (samples - self.window) // self.hop)
        return (waveform_shape[0], frames, self.feature_size)

    def get_config(self):
        return {**super().get_config(), "num_mels": self.num_mels, "deltas": self.deltas,
                "normalization": self.normalization, "sample_rate": self.sample_rate, "window": self.window,
                "hop": self.hop, "lower_hz": self.lower_hz, "upper_hz": self.upper_hz}


def _delta(features, reach=2):
    """The regression slope over ±`reach` frames along time, edges repeated."""
    padded = tf.concat([tf.repeat(features[:, :1], reach, 1), features, tf.repeat(features[:, -1:], reach, 1)], 1)
    frames = tf.shape(features)[1]
    total = sum(n * (padded[:, reach + n:reach + n + frames] - padded[:, reach - n:reach - n + frames])
                for n in range(1, reach + 1))
    return total / (2 * sum(n * n for n in range(1, reach + 1)))


@keras.saving.register_keras_serializable(package="zoo")
class FrameMask(keras.layers.Layer):
    """True for each real frame of a padded batch: frame t < frames(num_samples) of its utterance.

    Args:
        window, hop: ints, default 400 and 160 (those of the front end).
    """

    def __init__(self, window=WINDOW, hop=HOP, **kwargs):
        super().__init__(**kwargs)
        self.window, self.hop = checks.positive_int("window", window), checks.positive_int("hop", hop)

    def call(self, features, num_samples):
        return tf.sequence_mask(frame_counts(num_samples, self.window, self.hop), tf.shape(features)[1])

    def get_config(self):
        return {**super().get_config(), "window": self.window, "hop": self.hop}
