"""The TIMIT reader on small trees of .wav/.phn files written here, damaged ones included."""

import collections
import io
import re
import struct
import wave

import numpy as np
import pytest

from zoo.data.skipped import SkippedLines
from zoo.errors import UsageError
from zoo.data.splits import split_of
from zoo.data.timit import TIMIT_39, fold_timit_39, read_phn, read_timit, read_wav

TIMIT_61 = ("aa ae ah ao aw ax ax-h axr ay b bcl ch d dcl dh dx eh el em en eng epi er ey f g gcl h# hh hv "
            "ih ix iy jh k kcl l m n ng nx ow oy p pau pcl q r s sh t tcl th uh uw ux v w y z zh").split()


def _sine(count, rate=16000, hz=440.0):
    return np.rint(12000 * np.sin(2 * np.pi * hz * np.arange(count) / rate)).astype(np.int16)


def _write_wav(path, samples, rate=16000, channels=1, width=2):
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(channels)
        audio.setsampwidth(width)
        audio.setframerate(rate)
        audio.writeframes(samples.astype("<i2").tobytes() if width == 2 else samples.tobytes())
    return samples


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _speaker(split, validation, test):
    return next(f"M{i:03d}0" for i in range(1000) if split_of(f"M{i:03d}0", validation, test) == split)


def _read(directory, **kwargs):
    log = io.StringIO()
    return read_timit(str(directory), skip=SkippedLines(stream=log), **kwargs), log.getvalue()


def test_a_train_test_tree_reads_into_timit_splits_with_cut_waveforms(tmp_path):
    train, held_out, test = _speaker("train", 0.1, 0), _speaker("validation", 0.1, 0), "FDHC0"
    one = _write_wav(tmp_path / f"TRAIN/DR1/{train}/SA1.WAV", _sine(1000))
    _write(tmp_path / f"TRAIN/DR1/{train}/SA1.PHN", "100 300 h#\n300 700 aa\n700 900 b\n")
    _write_wav(tmp_path / f"train/DR2/{held_out}/SX2.wav", _sine(500, hz=300))
    _write(tmp_path / f"train/DR2/{held_out}/SX2.phn", "0 500 ao\n")
    _write_wav(tmp_path / f"TEST/DR1/{test}/SI3.wav", _sine(600))
    _write(tmp_path / f"TEST/DR1/{test}/SI3.phn", "0 250 pcl\n250 600 zh\n")
    data, log = _read(tmp_path)
    assert log == "" and not data.skipped
    assert [u.name for u in data.splits["train"]] == [f"TRAIN/DR1/{train}/SA1.WAV"]
    assert [u.speaker for u in data.splits["validation"]] == [held_out]
    assert [u.name for u in data.splits["test"]] == [f"TEST/DR1/{test}/SI3.wav"]
    utterance = data.splits["train"][0]
    assert utterance.segments == [(0, 200, "h#"), (200, 600, "aa"), (600, 800, "b")]
    assert utterance.waveform.dtype == np.float32
    np.testing.assert_array_equal(utterance.waveform, one[100:900] / np.float32(32768))
    assert data.labels == ("aa", "ao", "b", "h#", "pcl", "zh")


def test_without_train_test_folders_speakers_are_split_by_hash(tmp_path):
    for split in ("train", "validation", "test"):
        speaker = _speaker(split, 0.1, 0.1)
        _write_wav(tmp_path / speaker / "u.wav", _sine(400))
        _write(tmp_path / speaker / "u.phn", "0 400 a\n")
    data, _ = _read(tmp_path)
    for split in ("train", "validation", "test"):
        assert [u.speaker for u in data.splits[split]] == [_speaker(split, 0.1, 0.1)]


def test_audio_at_8_khz_is_resampled_with_its_segments(tmp_path):
    _write_wav(tmp_path / "s/u.wav", _sine(800, rate=8000, hz=200), rate=8000)
    _write(tmp_path / "s/u.phn", "0 300 a\n300 800 b\n")
    waveform = read_wav(str(tmp_path / "s/u.wav"), 16000)
    assert waveform.shape == (1600,) and waveform.dtype == np.float32
    expected = _sine(1600, rate=16000, hz=200) / 32768
    np.testing.assert_allclose(waveform[100:-100], expected[100:-100], atol=0.01)
    data, _ = _read(tmp_path)
    (utterance,) = [u for split in data.splits.values() for u in split]
    assert utterance.segments == [(0, 600, "a"), (600, 1600, "b")]
    assert len(utterance.waveform) == 1600


def test_downsampling_drops_ranges_shorter_than_a_sample_and_skips_if_none_is_left(tmp_path):
    _write_wav(tmp_path / "s/long.wav", _sine(600, rate=48000), rate=48000)
    _write(tmp_path / "s/long.phn", "0 2 a\n2 600 b\n")
    _write_wav(tmp_path / "s/short.wav", _sine(600, rate=48000), rate=48000)
    _write(tmp_path / "s/short.phn", "0 2 a\n")
    data, log = _read(tmp_path, sample_rate=8000)
    (utterance,) = [u for split in data.splits.values() for u in split]
    assert utterance.name == "s/long.wav" and utterance.segments == [(0, 100, "b")]
    assert len(utterance.waveform) == 100 and data.skipped == {"bad .phn": 1}
    assert "s/short.phn: every range is shorter than one sample at 8000 Hz" in log


def test_every_damaged_utterance_is_skipped_counted_and_named(tmp_path):
    _write_wav(tmp_path / "ok/good.wav", _sine(500))
    _write(tmp_path / "ok/good.phn", "0 500 a\n")
    _write_wav(tmp_path / "s1/nophn.wav", _sine(500))
    _write(tmp_path / "s1/nowav.phn", "0 500 a\n")
    _write(tmp_path / "s2/sphere.WAV", "NIST_1A\n   1024\nsample_count -i 500\nend_head\n")
    _write(tmp_path / "s2/sphere.PHN", "0 500 a\n")
    _write_wav(tmp_path / "s3/stereo.wav", np.repeat(_sine(500), 2), channels=2)
    _write_wav(tmp_path / "s4/eight.wav", (_sine(500) // 256 + 128).astype(np.uint8), width=1)
    _write_wav(tmp_path / "s5/silent.wav", np.zeros(500, np.int16))
    for name, phn in [("past", "0 200 a\n200 501 b\n"), ("overlap", "0 200 a\n150 500 b\n"),
                      ("gap", "0 200 a\n\n250 500 b\n"), ("word", "0 2x0 a\n")]:
        _write_wav(tmp_path / f"s6/{name}.wav", _sine(500))
        _write(tmp_path / f"s6/{name}.phn", phn)
    for phn in ("s3/stereo.phn", "s4/eight.phn", "s5/silent.phn"):
        _write(tmp_path / phn, "0 500 a\n")
    data, log = _read(tmp_path)
    assert [u.name for split in data.splits.values() for u in split] == ["ok/good.wav"]
    assert data.skipped == {"no .phn": 1, "no .wav": 1, "bad audio": 3, "silent audio": 1, "bad .phn": 4}
    for expected in [
        "s1/nophn.wav: no .phn file beside it", "s1/nowav.phn: no .wav file beside it",
        "s2/sphere.WAV: a NIST SPHERE file", "sox in.WAV out.wav", "s3/stereo.wav: 2 channels", "(mono",
        "s4/eight.wav: 8-bit samples", "(16-bit PCM)", "s5/silent.wav: silent",
        "s6/past.phn:2: range 200-501 ends past the audio (500 samples)",
        "s6/overlap.phn:2: range 150-500 overlaps the previous one, which ends at 200",
        "s6/gap.phn:3: range 250-500 leaves a gap",
        "s6/word.phn:1: expected 'start_sample end_sample label' with non-negative integer samples",
    ]:
        assert expected in log


@pytest.mark.parametrize("text, message", [
    ("0 100 a\n100 100 b\n", ":2: expected start < end"), ("-5 100 a\n", ":1: expected 'start_sample"),
    ("0 100\n", ":1: expected 'start_sample"),
    ("0 100 a b\n", ":1: expected 'start_sample"), ("\n\n", ": the file is empty"), ("0 1000 a\n", ":1: range 0-1000"),
])
def test_read_phn_names_the_file_and_line(tmp_path, text, message):
    _write(tmp_path / "u.phn", text)
    with pytest.raises(ValueError, match=re.escape("u.phn" + message)):
        read_phn(str(tmp_path / "u.phn"), 500)


def test_read_phn_refuses_a_label_that_is_not_utf8_instead_of_making_it_a_class(tmp_path):
    (tmp_path / "u.phn").write_bytes(b"0 100 a\n100 200 \xff\xfe\n")
    with pytest.raises(ValueError, match=re.escape("u.phn:2: not UTF-8 text (byte 0xff at column 9)")):
        read_phn(str(tmp_path / "u.phn"), 500)


def test_read_phn_allows_audio_outside_the_ranges(tmp_path):
    _write(tmp_path / "u.phn", "10 20 a\n20 30 b\n")
    assert read_phn(str(tmp_path / "u.phn"), 500) == [(10, 20, "a"), (20, 30, "b")]


@pytest.mark.parametrize("contents, message", [
    (b"", "the file is empty"), (b"not audio at all", "not a readable RIFF/WAVE file"),
    (b"NIST_1A\n   1024\n", "NIST SPHERE"),
])
def test_read_wav_rejects_what_is_not_riff(tmp_path, contents, message):
    (tmp_path / "u.wav").write_bytes(contents)
    with pytest.raises(ValueError, match="u.wav: .*" + message):
        read_wav(str(tmp_path / "u.wav"), 16000)


def test_a_header_with_a_nonsense_sample_rate_is_refused_before_resampling(tmp_path):
    for rate in (1, 4_000_000_000):
        _write_wav(tmp_path / "u.wav", _sine(800))
        contents = bytearray((tmp_path / "u.wav").read_bytes())
        contents[24:28] = struct.pack("<I", rate)  # the fmt chunk's sample rate
        (tmp_path / "u.wav").write_bytes(bytes(contents))
        with pytest.raises(ValueError, match=f"u.wav: the header says {rate} samples per second"):
            read_wav(str(tmp_path / "u.wav"), 16000)


def test_a_damaged_header_reads_or_is_refused_naming_the_file_never_anything_else(tmp_path):
    _write_wav(tmp_path / "good.wav", _sine(800))
    good, rng, outcomes = (tmp_path / "good.wav").read_bytes(), np.random.default_rng(0), collections.Counter()
    for trial in range(400):
        damaged = bytearray(good)
        for _ in range(rng.integers(1, 5)):
            damaged[rng.integers(0, 44)] = rng.integers(0, 256)
        (tmp_path / "u.wav").write_bytes(bytes(damaged[:rng.integers(0, 60)] if trial % 5 == 0 else damaged))
        try:
            samples = read_wav(str(tmp_path / "u.wav"), 16000)
            assert np.all(np.isfinite(samples)) and samples.size > 0
            outcomes["read"] += 1
        except UsageError as error:
            assert str(error).startswith(str(tmp_path / "u.wav") + ": "), error
            outcomes["refused"] += 1
    assert outcomes["refused"] > 200 and outcomes["read"] > 20  # both kinds of damage were tried


def test_read_wav_rejects_a_riff_file_without_samples(tmp_path):
    _write_wav(tmp_path / "u.wav", np.zeros(0, np.int16))
    with pytest.raises(ValueError, match="u.wav: no samples"):
        read_wav(str(tmp_path / "u.wav"), 16000)


def test_fold_timit_39_follows_lee_and_hon():
    assert [fold_timit_39(p) for p in ("aa", "ao", "ax-h", "axr", "hv", "ix", "el", "nx", "eng", "zh", "ux")] == [
        "aa", "aa", "ah", "er", "hh", "ih", "l", "n", "ng", "sh", "uw"]
    assert {fold_timit_39(p) for p in ("pcl", "tcl", "kcl", "bcl", "dcl", "gcl", "h#", "pau", "epi")} == {"sil"}
    assert fold_timit_39("b") == "b" and fold_timit_39("q") is None
    assert len(TIMIT_39) == 39 and list(TIMIT_39) == sorted(TIMIT_39)
    assert {fold_timit_39(p) for p in TIMIT_61} - {None} == set(TIMIT_39)
    with pytest.raises(ValueError, match="label sil is not a TIMIT phone"):
        fold_timit_39("sil")


def test_folding_gives_q_samples_to_the_previous_segment_or_the_next_if_first(tmp_path):
    _write_wav(tmp_path / "s/mid.wav", _sine(300))
    _write(tmp_path / "s/mid.phn", "0 100 h#\n100 150 q\n150 300 ao\n")
    _write_wav(tmp_path / "s/start.wav", _sine(300))
    _write(tmp_path / "s/start.phn", "0 40 q\n40 50 q\n50 200 ix\n200 300 q\n")
    data, _ = _read(tmp_path, fold=True)
    utterances = {u.name: u.segments for split in data.splits.values() for u in split}
    assert utterances == {"s/mid.wav": [(0, 150, "sil"), (150, 300, "aa")], "s/start.wav": [(0, 300, "ih")]}
    assert data.labels == ("aa", "ih", "sil")


def test_folding_a_non_timit_label_set_skips_with_a_clear_message(tmp_path):
    _write_wav(tmp_path / "s/timit.wav", _sine(300))
    _write(tmp_path / "s/timit.phn", "0 300 aa\n")
    _write_wav(tmp_path / "s/other.wav", _sine(300))
    _write(tmp_path / "s/other.phn", "0 300 AH\n")
    data, log = _read(tmp_path, fold=True)
    assert data.skipped == {"not TIMIT": 1}
    assert "s/other.phn: label AH is not a TIMIT phone; fold_timit_39 needs TIMIT labels" in log
    unfolded, _ = _read(tmp_path)
    assert unfolded.labels == ("AH", "aa") and not unfolded.skipped


def test_a_converted_wav_beside_its_sphere_original_is_the_one_read(tmp_path):
    _write(tmp_path / "s/SA1.WAV", "NIST_1A\n   1024\n")
    _write_wav(tmp_path / "s/SA1.WAV.wav", _sine(300))
    _write(tmp_path / "s/SA1.PHN", "0 300 aa\n")
    data, log = _read(tmp_path)
    assert [u.name for split in data.splits.values() for u in split] == ["s/SA1.WAV.wav"] and log == ""


def test_a_missing_empty_or_unusable_folder_is_named(tmp_path):
    with pytest.raises(ValueError, match="/no/such/folder: not a directory"):
        read_timit("/no/such/folder")
    with pytest.raises(ValueError, match=f"{tmp_path}: no usable utterance \\(0 skipped"):
        _read(tmp_path)
    _write_wav(tmp_path / "s/u.wav", _sine(300))
    with pytest.raises(ValueError, match=f"{tmp_path}: no usable utterance \\(1 skipped"):
        _read(tmp_path)
