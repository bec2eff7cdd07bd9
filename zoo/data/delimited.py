"""Rows of a CSV or TSV file, read so that one damaged record never costs another.

Each record is decoded and parsed on its own: a line that is not UTF-8, a field over the csv
module's size limit, or a quote left open is skipped and named with its file and line, and the
read goes on at the next line. A quoted field may span lines (as spreadsheets write them); one
still open after `MAX_RECORD_LINES` lines, or at the end of the file, is an unclosed quote, and
only its first line is lost.
"""

import csv

from zoo.errors import UsageError

MAX_RECORD_LINES = 100
OPEN, BROKEN = "open", "broken"
_OPEN_QUOTE = "unexpected end of data"  # csv's strict-mode error for a quote still open at the end


def _lines(path, name, expected):
    try:
        with open(path, "rb") as file:
            return file.read().split(b"\n")
    except FileNotFoundError:
        raise UsageError(f"{name}: no such file; expected {expected}.") from None
    except IsADirectoryError:
        raise UsageError(f"{name} is a directory; expected {expected}.") from None
    except OSError as error:
        raise UsageError(f"{name}: cannot be read ({error.strerror}); expected {expected}.") from None


def _decoded(lines, path, skip):
    """Each line as text, or None (reported) where it is not UTF-8."""
    texts = []
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            skip("not UTF-8", f"{path}:{number}: not UTF-8 text (byte {raw[error.start]:#04x} at column "
                              f"{error.start + 1})")  # fmt: skip
            text = None
        texts.append(text[1:] if number == 1 and text and text.startswith("\ufeff") else text)
    return texts


def _parse(record, delimiter, lines):
    """The one row in `record` ([] for a blank line); OPEN while a quoted field is still open; BROKEN
    for a record of several `lines` whose quotes do not pair (its first quote was a stray one)."""
    try:
        return next(csv.reader([record], delimiter=delimiter, strict=True), [])
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise
        if _OPEN_QUOTE in str(error):
            return OPEN
        if lines > 1:
            return BROKEN
        return next(csv.reader([record], delimiter=delimiter), [])  # a stray quote mid-field on one line


def _where_it_ends(row, end, lines):
    if row is BROKEN:
        return f"the quotes on line {end} do not pair with it"
    if end == len(lines):
        return "the file ends first"
    if lines[end] is None:
        return f"line {end + 1} is not UTF-8"
    return f"still open after {MAX_RECORD_LINES} lines"


def read_rows(path, delimiter, skip, expected, name=None):
    """Yields `(line number, fields)` for each non-blank record of a delimited text file.

    Args:
        path: str. The file.
        delimiter: str. "," or "\\t" (or ";").
        skip: callable `(kind, message)`, told of each damaged record (e.g. a `SkippedLines`).
        expected: str. What the file should hold, for the whole-file errors.
        name: str. How messages name the file (default `path`; e.g. "--data PATH").

    Raises:
        UsageError naming the file if it is missing, a directory or unreadable.
    """
    name = name or path
    lines = _lines(path, name, expected)
    if lines and lines[-1] == b"":
        lines.pop()
    lines = _decoded(lines, path, skip)
    start = 0
    while start < len(lines):
        if lines[start] is None:
            start += 1
            continue
        record, end, row = "", start, OPEN
        try:
            while end < len(lines) and lines[end] is not None and end - start < MAX_RECORD_LINES:
                record += lines[end] + "\n"
                end += 1
                row = _parse(record, delimiter, end - start)
                if row is not OPEN:
                    break
        except csv.Error as error:
            skip("field too long", f"{path}:{start + 1}: {error}")
            start += 1
            continue
        if row in (OPEN, BROKEN):
            where = _where_it_ends(row, end, lines)
            skip("unclosed quote", f"{path}:{start + 1}: a quote opened on this line is never closed ({where})")
            start += 1
            continue
        if row:
            yield start + 1, row
        start = end
