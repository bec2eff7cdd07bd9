"""Splits of small corpora: the hash split, its repair, and TIMIT's fall back from speakers to utterances."""

import pytest

from tests.data.test_timit import _read, _sine, _write, _write_wav
from zoo.data.splits import assign_splits, empty_splits, split_of


def test_on_a_large_corpus_the_split_is_the_hash_split():
    keys = [f"image{i}.jpg" for i in range(2000)]
    assignment, moved = assign_splits(keys, 0.1, 0.1)
    assert moved == [] and assignment == {key: split_of(key, 0.1, 0.1) for key in keys}
    shares = {split: sum(value == split for value in assignment.values()) / len(keys) for split in ("validation", "test")}
    assert shares == pytest.approx({"validation": 0.1, "test": 0.1}, abs=0.03)


def test_an_empty_held_out_split_gets_the_training_key_nearest_its_range():
    keys = [f"S{i}" for i in range(7)]
    hashed = {key: split_of(key, 0.1, 0.1) for key in keys}
    assert "validation" not in hashed.values(), "the corpus this test needs: seven speakers, none hashed to validation"
    assignment, moved = assign_splits(keys, 0.1, 0.1)
    assert empty_splits(assignment, 0.1, 0.1) == []
    assert [split for _, split in moved] == [split for split in ("test", "validation") if split not in hashed.values()]
    assert all(hashed[key] == "train" for key, _ in moved), "only training keys move"
    assert sum(value == "train" for value in assignment.values()) == 7 - sum(v != "train" for v in assignment.values())


def test_too_few_keys_leave_a_split_empty_rather_than_emptying_train():
    assignment, moved = assign_splits(["only"], 0.1, 0.1)
    assert list(assignment.values()) == [split_of("only", 0.1, 0.1)] and moved == []
    assert empty_splits(assignment, 0.1, 0.1)


def _seven_speakers(root):
    for index in range(7):
        for take in range(3):
            _write_wav(root / f"SPK{index}" / f"u{take}.wav", _sine(800, hz=200 + 50 * take))
            _write(root / f"SPK{index}" / f"u{take}.phn", "0 400 a\n400 800 b\n")


def test_seven_speakers_split_by_speaker_with_every_split_filled(tmp_path):
    _seven_speakers(tmp_path)
    data, _ = _read(tmp_path)
    assert data.split_unit == "speaker"
    speakers = {split: {u.speaker for u in data.splits[split]} for split in data.splits}
    assert all(speakers.values()), speakers
    assert not (speakers["train"] & speakers["test"]) and not (speakers["train"] & speakers["validation"])


def test_two_speakers_split_by_utterance_and_say_why(tmp_path):
    for speaker in ("A", "B"):
        for take in range(10):
            _write_wav(tmp_path / speaker / f"u{take}.wav", _sine(800, hz=200 + 30 * take))
            _write(tmp_path / speaker / f"u{take}.phn", "0 800 a\n")
    data, _ = _read(tmp_path)
    assert data.split_unit == "utterance" and all(data.splits.values())
    assert "only 2 speaker(s)" in data.notes[0] and "overstate" in data.notes[0]
    forced, _ = _read(tmp_path, split_by="speaker")
    assert forced.split_unit == "speaker" and [] in forced.splits.values()
