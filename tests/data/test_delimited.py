import io

import pytest

from zoo.data.delimited import MAX_RECORD_LINES, read_rows
from zoo.data.skipped import SkippedLines


def _read(tmp_path, content, delimiter=","):
    path = tmp_path / "rows.csv"
    path.write_bytes(content)
    stream = io.StringIO()
    skip = SkippedLines(stream)
    return list(read_rows(str(path), delimiter, skip, "rows")), skip.counts, stream.getvalue(), path


def test_a_quoted_field_may_span_lines_and_a_bom_or_crlf_changes_nothing(tmp_path):
    rows, counts, _, _ = _read(tmp_path, b'\xef\xbb\xbfa,b\r\nx,"two\r\nlines, one field"\r\n\r\ny,"say ""hi"""\r\n')
    assert rows == [(1, ["a", "b"]), (2, ["x", "two\r\nlines, one field"]), (5, ["y", 'say "hi"'])]
    assert not counts


def test_a_stray_quote_costs_only_its_own_line(tmp_path):
    content = b'a,1\nb,"stray\nc,3\nd,"closed\nlater"\ne,5\n'
    rows, counts, log, path = _read(tmp_path, content)
    assert rows == [(1, ["a", "1"]), (3, ["c", "3"]), (4, ["d", "closed\nlater"]), (6, ["e", "5"])]
    assert counts == {"unclosed quote": 1}
    assert f"{path}:2: a quote opened on this line is never closed (the quotes on line 4 do not pair" in log


def test_an_unclosed_quote_at_the_end_or_over_the_span_limit_is_one_damaged_line(tmp_path):
    rows, counts, log, path = _read(tmp_path, b'a,1\nb,"open\nc,3\n')
    assert rows == [(1, ["a", "1"]), (3, ["c", "3"])] and counts == {"unclosed quote": 1}
    assert f"{path}:2: a quote opened on this line is never closed (the file ends first)" in log
    many = b"".join(b"r%d,%d\n" % (i, i) for i in range(MAX_RECORD_LINES + 5))
    rows, counts, log, path = _read(tmp_path, b'a,"open\n' + many + b'z,"last"\n')
    assert len(rows) == MAX_RECORD_LINES + 6 and rows[-1] == (MAX_RECORD_LINES + 7, ["z", "last"])
    assert counts == {"unclosed quote": 1} and f"still open after {MAX_RECORD_LINES} lines" in log


def test_a_line_that_is_not_utf8_or_too_long_is_skipped_and_named(tmp_path):
    content = b'a,1\nb,caf\xe9\nc,"' + b"x" * 200_000 + b'"\nd,4\ne,"open\n\xff\nf,6\n'
    rows, counts, log, path = _read(tmp_path, content)
    assert rows == [(1, ["a", "1"]), (4, ["d", "4"]), (7, ["f", "6"])]
    assert counts == {"not UTF-8": 2, "field too long": 1, "unclosed quote": 1}
    assert f"{path}:2: not UTF-8 text (byte 0xe9 at column 6)" in log
    assert f"{path}:3: field larger than field limit" in log
    assert f"{path}:5: a quote opened on this line is never closed (line 6 is not UTF-8)" in log


def test_a_missing_file_or_a_directory_is_one_error_naming_it(tmp_path):
    with pytest.raises(ValueError, match=f"--data {tmp_path}/none.csv: no such file; expected rows"):
        list(read_rows(str(tmp_path / "none.csv"), ",", SkippedLines(), "rows", f"--data {tmp_path}/none.csv"))
    with pytest.raises(ValueError, match=f"{tmp_path} is a directory; expected rows"):
        list(read_rows(str(tmp_path), ",", SkippedLines(), "rows"))
