import numpy as np
import pytest

from zoo.data import speech
from zoo.data.utterances import SAMPLE_RATE


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("ZOO_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield {split: speech.generate(split, 24, seed=3) for split in ("train", "validation", "test")}


def test_utterances_are_labelled_end_to_end_with_known_labels(splits):
    for utterances in splits.values():
        for utterance in utterances:
            wave, segments = utterance.waveform, utterance.segments
            assert wave.dtype == np.float32 and np.all(np.abs(wave) <= 1.0) and np.abs(wave).max() > 0.2
            assert segments[0][0] == 0 and segments[-1][1] == len(wave)
            assert all(a[1] == b[0] for a, b in zip(segments, segments[1:])), "contiguous"
            assert {label for *_, label in segments} <= set(speech.LABELS)
            assert segments[0][2] == segments[-1][2] == "sil"
            assert 0.3 < len(wave) / SAMPLE_RATE < 3.0


def test_stops_lead_into_a_vowel_and_nasals_are_never_adjacent(splits):
    for utterance in splits["train"]:
        labels = [label for *_, label in utterance.segments]
        for this, following in zip(labels, labels[1:]):
            if this in speech.STOPS:
                assert following in speech.VOWELS
            assert not (this in speech.NASALS and following in speech.NASALS)
            assert this[0] != following[0] or this not in speech.VOWELS, "no a/aa next to a/aa"


def test_long_vowels_last_longer_than_short_ones(splits):
    durations = {"a": [], "aa": []}
    for utterance in splits["train"] + splits["validation"]:
        for start, end, label in utterance.segments:
            if label in durations:
                durations[label].append(end - start)
    assert min(durations["aa"]) > max(durations["a"])


def test_splits_have_disjoint_speakers_and_generation_is_deterministic(splits, tmp_path, monkeypatch):
    speakers = {split: {u.speaker for u in utterances} for split, utterances in splits.items()}
    assert not speakers["train"] & speakers["test"] and not speakers["validation"] & speakers["test"]
    assert not speakers["train"] & speakers["validation"]
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path))  # built again, not read from the cache
    again = speech.generate("test", 24, seed=3)
    assert all(np.array_equal(a.waveform, b.waveform) and a.segments == b.segments
               for a, b in zip(splits["test"], again))
    other = speech.generate("test", 24, seed=4)
    assert not np.array_equal(other[0].waveform[:1000], again[0].waveform[:1000])


def test_an_unknown_split_is_an_error():
    with pytest.raises(ValueError, match="split"):
        speech.generate("dev", 2)
