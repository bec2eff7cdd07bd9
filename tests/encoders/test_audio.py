"""The log-mel front end against numpy's FFT, padding, deltas and causality."""

import numpy as np
import pytest
import tensorflow as tf

from zoo.encoders.audio import FrameMask, LogMelFrontEnd


def _waves(lengths, seed=0):
    rng = np.random.default_rng(seed)
    batch = np.zeros((len(lengths), max(lengths)), np.float32)
    for row, length in enumerate(lengths):
        t = np.arange(length) / 16000
        batch[row, :length] = 0.3 * np.sin(2 * np.pi * (200 + 100 * row) * t) + 0.05 * rng.standard_normal(length)
    return batch


def test_log_mel_equals_numpy_stft_with_the_mel_matrix():
    wave = _waves([4000])
    front_end = LogMelFrontEnd(num_mels=20, deltas=False, normalization="none")
    actual = np.asarray(front_end(wave))[0]
    window = np.hanning(401)[:-1]  # periodic Hann, as tf.signal.hann_window
    frames = np.stack([wave[0, i * 160:i * 160 + 400] * window for i in range(1 + (4000 - 400) // 160)])
    power = np.abs(np.fft.rfft(frames, 512)) ** 2
    mel = tf.signal.linear_to_mel_weight_matrix(20, 257, 16000, 60.0, 7600.0).numpy()
    np.testing.assert_allclose(actual, np.log(power @ mel + 1e-6), atol=2e-3, rtol=0)


def test_deltas_and_normalization():
    wave = _waves([6000])
    plain = np.asarray(LogMelFrontEnd(num_mels=8, deltas=False, normalization="none")(wave))[0]
    features = np.asarray(LogMelFrontEnd(num_mels=8, deltas=True, normalization="none")(wave))[0]
    padded = np.concatenate([plain[:1], plain[:1], plain, plain[-1:], plain[-1:]])
    delta = sum(n * (padded[2 + n:2 + n + len(plain)] - padded[2 - n:2 - n + len(plain)]) for n in (1, 2)) / 10
    np.testing.assert_allclose(features[:, :8], plain, atol=1e-5, rtol=0)
    np.testing.assert_allclose(features[:, 8:16], delta, atol=1e-4, rtol=0)
    normalized = np.asarray(LogMelFrontEnd(num_mels=8)(wave))[0]
    expected = (features - features.mean(0)) / np.sqrt(features.var(0) + 1e-5)
    np.testing.assert_allclose(normalized, expected, atol=1e-3, rtol=0)
    np.testing.assert_allclose(normalized.mean(0), 0, atol=1e-4, rtol=0)


@pytest.mark.parametrize("deltas,normalization", [(True, "utterance"), (False, "none")])
def test_a_padded_batch_gives_each_utterance_its_own_features(deltas, normalization):
    lengths = [5000, 3100, 1200]
    batch = _waves(lengths)
    front_end = LogMelFrontEnd(num_mels=10, deltas=deltas, normalization=normalization)
    together = np.asarray(front_end(batch, np.array(lengths, np.int32)))
    for row, length in enumerate(lengths):
        alone = np.asarray(front_end(batch[row:row + 1, :length]))[0]
        np.testing.assert_allclose(together[row, :len(alone)], alone, atol=2e-4, rtol=0)
        assert not together[row, len(alone):].any(), "padding frames are zeros"
    mask = np.asarray(FrameMask()(together, np.array(lengths, np.int32)))
    assert mask.sum(1).tolist() == [1 + (n - 400) // 160 for n in lengths]


def test_audio_shorter_than_one_window_gives_masked_frames_not_an_error():
    front_end = LogMelFrontEnd(num_mels=10)
    batch = _waves([300, 2000])
    features = np.asarray(front_end(batch, np.array([300, 2000], np.int32)))
    assert features.shape[1] == 1 + (2000 - 400) // 160 and not features[0].any()
    alone = np.asarray(front_end(batch[:1, :300], np.array([300], np.int32)))
    assert alone.shape == (1, 1, 30) and not alone.any()
    assert np.asarray(FrameMask()(alone, np.array([300], np.int32))).sum() == 0


def test_the_causal_front_end_never_reads_the_future():
    wave = _waves([6000])
    front_end = LogMelFrontEnd(num_mels=10, deltas=False, normalization="none")
    whole = np.asarray(front_end(wave))[0]
    prefix = np.asarray(front_end(wave[:, :2000]))[0]
    np.testing.assert_allclose(whole[:len(prefix)], prefix, atol=1e-5, rtol=0)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="normalization"):
        LogMelFrontEnd(normalization="global")
    with pytest.raises(ValueError, match="upper_hz"):
        LogMelFrontEnd(upper_hz=9000)
    layer = LogMelFrontEnd(num_mels=12, deltas=False, name="fe")
    assert LogMelFrontEnd.from_config(layer.get_config()).get_config() == layer.get_config()
