import numpy as np
import pytest

from zoo.sequence_classification.config import SequenceClassificationConfig
from zoo.sequence_classification.data import digit_sequences, load_digits, read_labeled_text, split_three


def test_digits_are_read_as_rows_or_columns_in_unit_range():
    image = np.arange(64).reshape(8, 8) % 17
    rows, columns = digit_sequences(image[None], "rows")[0], digit_sequences(image[None], "columns")[0]
    np.testing.assert_allclose(rows, image / 16.0)
    np.testing.assert_allclose(columns, image.T / 16.0)


def test_the_embedded_digits_split_without_overlap_and_keep_every_class():
    data = load_digits(SequenceClassificationConfig())
    sizes = {name: len(targets) for name, (_, targets) in data.splits.items()}
    assert sum(sizes.values()) == 1797 and sizes["test"] == 360
    for inputs, targets in data.splits.values():
        assert inputs.shape[1:] == (8, 8) and set(targets) == set(range(10))


def test_split_three_is_stratified_and_deterministic():
    targets = np.repeat([0, 1], 50)
    first = split_three(np.arange(100), targets, 0.1, 0.2, seed=3)
    again = split_three(np.arange(100), targets, 0.1, 0.2, seed=3)
    assert [len(first[name][1]) for name in ("train", "validation", "test")] == [70, 10, 20]
    assert np.bincount(first["test"][1]).tolist() == [10, 10]
    assert all(np.array_equal(first[name][0], again[name][0]) for name in first)
    assert sorted(np.concatenate([split[0] for split in first.values()]).tolist()) == list(range(100))


def test_labeled_text_reader_skips_and_names_damaged_rows(tmp_path, capsys):
    path = tmp_path / "reviews.tsv"
    path.write_text("text\tlabel\ngood film\tpos\nfine film\tpos\nnice film\tpos\n\tneg\nonly text\n"
                    "bad film\tneg\ndull film\tneg\npoor film\tneg\na\tb\tc\n")
    texts, labels, skipped = read_labeled_text(str(path))
    assert texts == ["good film", "fine film", "nice film", "bad film", "dull film", "poor film"]
    assert labels == ["pos"] * 3 + ["neg"] * 3 and skipped == 3
    messages = capsys.readouterr().err.splitlines()
    assert [line.split(": ")[1] for line in messages] == [f"{path}:5", f"{path}:6", f"{path}:10"]
    assert messages[0].endswith(f"{path}:5: the text is empty")  # what is wrong with the row, not a field count
    assert messages[1].endswith("expected 2 fields (text\tlabel), found 1")
    assert "found 3; quote a text that holds the delimiter" in messages[2]


def test_any_header_is_recognized_and_a_label_too_rare_to_split_is_skipped_by_name(tmp_path, capsys):
    path = tmp_path / "reviews.csv"
    path.write_text("review,verdict\n" + "".join(f"good {i},liked\nbad {i},disliked\n" for i in range(3)) +
                    "odd one,maybe\n")
    texts, labels, skipped = read_labeled_text(str(path))
    assert sorted(set(labels)) == ["disliked", "liked"] and len(texts) == 6 and skipped == 1
    assert f"{path}:8: label 'maybe' has 1 row(s); a label needs 3" in capsys.readouterr().err


def test_a_label_that_is_not_utf8_or_a_stray_quote_is_a_damaged_row_not_a_class(tmp_path, capsys):
    path = tmp_path / "reviews.csv"
    path.write_bytes(b'text,label\ngood film,pos\nbad film,ne\xffg\n"awful,neg\nfine film,pos\ndull film,neg\n'
                    b'nice film,pos\npoor film,neg\nsad film,neg\n')
    texts, labels, skipped = read_labeled_text(str(path))
    assert labels == ["pos", "pos", "neg", "pos", "neg", "neg"] and skipped == 2
    assert texts == ["good film", "fine film", "dull film", "nice film", "poor film", "sad film"]
    log = capsys.readouterr().err
    assert f"{path}:3: not UTF-8 text" in log and f"{path}:4: a quote opened on this line is never closed" in log


def test_labeled_text_reader_names_a_missing_or_empty_file(tmp_path):
    with pytest.raises(ValueError, match="--data .*missing.csv: no such file"):
        read_labeled_text(str(tmp_path / "missing.csv"))
    empty = tmp_path / "empty.csv"
    empty.write_text("text,label\n")
    with pytest.raises(ValueError, match="no usable text,label rows"):
        read_labeled_text(str(empty))


def test_config_rejects_bad_fractions_and_readings():
    with pytest.raises(ValueError, match="validation_fraction and test_fraction"):
        SequenceClassificationConfig(validation_fraction=0.5, test_fraction=0.6)
    with pytest.raises(ValueError, match="reading"):
        SequenceClassificationConfig(reading="diagonals")
