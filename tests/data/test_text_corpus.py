import io

import pytest

from zoo.data.skipped import SkippedLines
from zoo.data.text_corpus import SPLITS, load_corpus, read_text_file, split_by_file, stdlib_source_files


def test_damaged_lines_are_skipped_counted_and_named(tmp_path):
    path = tmp_path / "damaged.txt"
    path.write_bytes(b"first line\r\n\xff\xfe broken\nsecond\x00line\nthird line\n")
    stream = io.StringIO()
    skipped = SkippedLines(stream)
    assert read_text_file(str(path), skipped) == "first line\nthird line\n"
    assert skipped.counts == {"undecodable": 1, "binary": 1}
    assert f"{path}:2: not UTF-8" in stream.getvalue() and f"{path}:3: holds NUL bytes" in stream.getvalue()


def _write_files(folder, count, size=400):
    folder.mkdir()
    for index in range(count):
        (folder / f"part{index}.txt").write_text(f"text number {index}. " * (size // 16), encoding="utf-8")


def test_a_folder_is_split_by_whole_files(tmp_path):
    _write_files(tmp_path / "books", 10)
    (tmp_path / "books" / "notes.md").write_text("not a .txt file")
    (tmp_path / "books" / "broken.txt").write_bytes(b"\xff\xff\n")
    corpus = load_corpus(str(tmp_path / "books"), 0.1, 0.1, seed=0, stream=io.StringIO())
    files = [name for split in SPLITS for name in corpus.files[split]]
    assert sorted(files) == sorted(f"part{index}.txt" for index in range(10))  # each file in one split only
    assert all(corpus.files[split] for split in SPLITS)
    for split in SPLITS:
        assert all(f"text number {name[4:-4]}." in corpus.texts[split] for name in corpus.files[split])
    assert corpus.skipped == 2  # the undecodable line, then its file, left empty
    assert "2 damaged lines skipped" in corpus.summary()
    assert load_corpus(str(tmp_path / "books"), 0.1, 0.1, seed=0, stream=io.StringIO()).files == corpus.files


def test_one_file_is_cut_by_position(tmp_path):
    path = tmp_path / "one.txt"
    path.write_text("".join(f"line {i}\n" for i in range(1000)))
    corpus = load_corpus(str(path), 0.1, 0.2, seed=0)
    assert "".join(corpus.texts[split] for split in SPLITS) == path.read_text()
    assert len(corpus.texts["test"]) == pytest.approx(0.2 * len(path.read_text()), abs=2)
    assert corpus.texts["test"].endswith("line 999\n")


def test_split_by_file_leaves_every_split_a_file():
    assignment = split_by_file(["x" * 1000, "y" * 10, "z" * 10], 0.5, 0.5, seed=0)
    assert sorted(sum(assignment.values(), [])) == [0, 1, 2]
    assert all(len(assignment[split]) == 1 for split in SPLITS)


def test_the_default_corpus_is_python_source_split_by_file():
    assert stdlib_source_files() and all(path.endswith(".py") for path in stdlib_source_files())
    corpus = load_corpus("", 0.05, 0.05, seed=0, max_characters=150_000)
    assert all(corpus.texts[split] for split in SPLITS)
    assert "standard library" in corpus.summary()
    assert not set(corpus.files["train"]) & set(corpus.files["test"])


@pytest.mark.parametrize("make, message", [
    (lambda path: None, "no such file or folder"),
    (lambda path: path.mkdir(), "holds no .txt files"),
    (lambda path: path.write_text("ab"), "too little text"),
])  # fmt: skip
def test_bad_data_is_a_clear_error(tmp_path, make, message):
    path = tmp_path / "data.txt"
    make(path)
    with pytest.raises(ValueError, match=message):
        load_corpus(str(path), 0.1, 0.1, seed=0)
