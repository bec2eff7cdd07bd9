import io

import pytest

from zoo.data.sentence_pairs import read_sentence_pairs


def test_reads_pairs_and_counts_every_damaged_line(tmp_path):
    path = tmp_path / "pairs.tsv"
    lines = [
        "Hello.\tПривет.\tCC-BY 2.0 (France) Attribution: tatoeba.org",
        "",
        "only one column",
        "\tно нет исходного",
        "Thanks.\tСпасибо.",
        "Hello.\tПривет.",
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode() + b"Bad \xff byte\tx\n" + "Bye.\tПока.\n".encode())
    log = io.StringIO()
    pairs, skipped = read_sentence_pairs(str(path), stream=log)
    assert pairs == [("Hello.", "Привет."), ("Thanks.", "Спасибо."), ("Bye.", "Пока.")]
    assert skipped == {"empty line": 1, "one column": 1, "empty sentence": 1, "duplicate": 1, "invalid UTF-8": 1}
    assert "pairs.tsv:3: one column" in log.getvalue() and "pairs.tsv:7: not valid UTF-8" in log.getvalue()
    reversed_pairs, _ = read_sentence_pairs(str(path), reverse=True, stream=io.StringIO())
    assert reversed_pairs[0] == ("Привет.", "Hello.")


def test_a_missing_or_useless_file_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        read_sentence_pairs(str(tmp_path / "absent.tsv"))
    empty = tmp_path / "empty.tsv"
    empty.write_text("\n\njust text\n")
    with pytest.raises(ValueError, match="no usable sentence pairs"):
        read_sentence_pairs(str(empty), stream=io.StringIO())
