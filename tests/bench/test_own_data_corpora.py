"""The own-data corpora: zoo's readers read each one, the damaged rows are skipped and counted, and
the same call writes the same bytes."""

import collections
import io
import os

import pytest

from zoo.bench.own_data import corpora
from zoo.bench.own_data.corpora import numbers_tsv, synthetic_speech
from zoo.bench.own_data.corpora.__main__ import main
from zoo.data import flickr8k
from zoo.data.sentence_pairs import read_sentence_pairs
from zoo.data.skipped import SkippedLines
from zoo.data.timit import read_timit

SCALE = 0.05  # 40 pairs, 30 images, 7 speakers × 3 utterances
COUNTS = corpora.scaled_counts(SCALE)
UTTERANCE_COUNT = len(synthetic_speech.SPEAKERS) * COUNTS["utterances_per_speaker"]


@pytest.fixture(scope="module")
def corpus_directory(tmp_path_factory):
    directory = tmp_path_factory.mktemp("corpora")
    corpora.write_corpora(str(directory), SCALE)
    return directory


def _files(directory):
    """{path relative to `directory`: bytes} of every file under it."""
    return {str(path.relative_to(directory)): path.read_bytes() for path in directory.rglob("*") if path.is_file()}


def test_scale_shrinks_the_counts_down_to_their_minimums():
    assert corpora.scaled_counts(1.0) == {"pairs": 800, "images": 600, "utterances_per_speaker": 10}
    assert COUNTS == {"pairs": 40, "images": 30, "utterances_per_speaker": 3}
    assert corpora.scaled_counts(0.001) == corpora.MINIMUM_COUNTS
    for scale in (0, -1, 1.5):
        with pytest.raises(ValueError, match="scale"):
            corpora.scaled_counts(scale)


def test_the_translation_reader_reads_every_pair(corpus_directory):
    path = corpus_directory / corpora.NUMBERS_FILE
    pairs, skipped = read_sentence_pairs(str(path), stream=io.StringIO())
    assert len(pairs) == COUNTS["pairs"] and not skipped
    assert len({english for english, _ in pairs}) == len(pairs)
    assert not any(character.isdigit() for _, french in pairs for character in french)  # numbers in words


def test_the_attribution_column_says_generated_and_imitates_no_tatoeba_line(corpus_directory):
    text = (corpus_directory / corpora.NUMBERS_FILE).read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) == COUNTS["pairs"]
    assert {line.split("\t")[2] for line in lines} == {numbers_tsv.ATTRIBUTION}
    assert all(line.count("\t") == 2 for line in lines)
    assert "generated" in numbers_tsv.ATTRIBUTION
    assert "tatoeba.org #" not in text.lower() and "#" not in text


def test_french_numbers_agree_with_feminine_nouns():
    assert numbers_tsv.french_number(1, "f") == "une"
    assert numbers_tsv.french_number(21, "f") == "vingt et une"
    assert numbers_tsv.french_number(81, "f") == "quatre-vingt-une"
    assert numbers_tsv.french_number(21, "m") == "vingt et un"
    assert numbers_tsv.french_number(11, "f") == "onze"


def test_the_flickr8k_reader_keeps_every_good_image_and_counts_each_damaged_row(corpus_directory):
    folder = str(corpus_directory / corpora.PICTURES_FOLDER)
    data, skipped = flickr8k.read_flickr8k(folder, image_size=32, progress=False, stream=io.StringIO())
    assert skipped == collections.Counter({"unreadable image": 1, "missing image": 1, "empty caption": 1})
    assert len(data.names) == COUNTS["images"] == len(os.listdir(os.path.join(folder, "Images"))) - 1
    assert all(len(captions) == 3 for captions in data.references)
    assert data.images.shape == (COUNTS["images"], 32, 32, 3)
    rows = (corpus_directory / corpora.PICTURES_FOLDER / "captions.txt").read_text().splitlines()
    assert rows[0] == "image,caption" and len(rows) == 1 + 3 * COUNTS["images"] + 3
    splits = flickr8k.split(data, validation_fraction=0.1, test_fraction=0.1)
    assert all(splits[name].names for name in ("train", "validation", "test"))


def test_the_timit_reader_reads_every_utterance_with_the_test_folder_as_test(corpus_directory):
    skip = SkippedLines(io.StringIO())
    timit = read_timit(str(corpus_directory / corpora.TIMIT_FOLDER), skip=skip)
    assert not skip.counts and not timit.skipped
    assert sum(map(len, timit.splits.values())) == UTTERANCE_COUNT
    assert timit.split_unit == "speaker"
    test_speakers = {speaker for speaker, (folder, _, _) in synthetic_speech.SPEAKERS.items() if folder == "TEST"}
    assert {u.speaker for u in timit.splits["test"]} == test_speakers
    assert set(timit.labels) == {*synthetic_speech.PHONES, synthetic_speech.SILENCE}
    folded = read_timit(str(corpus_directory / corpora.TIMIT_FOLDER), fold=True, skip=skip)
    assert not skip.counts and "sil" in folded.labels  # every phone is a TIMIT phone


def test_the_flat_layout_holds_the_same_utterances_without_train_and_test(corpus_directory):
    nested = _files(corpus_directory / corpora.TIMIT_FOLDER)
    flat = _files(corpus_directory / corpora.FLAT_FOLDER)
    assert len(flat) == len(nested) == 2 * UTTERANCE_COUNT
    assert all(path.split(os.sep)[0] in ("TRAIN", "TEST") for path in nested)
    assert {os.path.join(*path.split(os.sep)[-2:]): content for path, content in nested.items()} == flat
    skip = SkippedLines(io.StringIO())
    timit = read_timit(str(corpus_directory / corpora.FLAT_FOLDER), skip=skip)
    assert not skip.counts
    assert sum(map(len, timit.splits.values())) == UTTERANCE_COUNT
    assert all(timit.splits.values())


def test_writing_again_gives_the_same_bytes(corpus_directory, tmp_path, capsys):
    assert main([str(tmp_path), "--scale", str(SCALE)]) == 0
    printed = capsys.readouterr().out.splitlines()
    names = (corpora.NUMBERS_FILE, corpora.PICTURES_FOLDER, corpora.TIMIT_FOLDER, corpora.FLAT_FOLDER)
    assert [line.split(":")[0] for line in printed[:4]] == list(names)
    first, second = _files(corpus_directory), _files(tmp_path)
    assert len(first) == 1 + (COUNTS["images"] + 2) + 4 * UTTERANCE_COUNT
    assert first.keys() == second.keys()
    assert [path for path in first if first[path] != second[path]] == []
