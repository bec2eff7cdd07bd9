"""Reader of tab-separated sentence pairs, Tatoeba / Anki style: `source<TAB>target[<TAB>...]`.

Bad lines never stop the read: an empty line, a line with one column, a line that is not UTF-8,
an empty source or target, and a repeated pair are skipped, reported with the file and line, and
counted. A missing file, or one with no usable line, is an error.
"""

import os
import sys

from zoo.errors import UsageError
from zoo.data.skipped import SkippedLines


def read_sentence_pairs(path, reverse=False, stream=sys.stderr):
    """The (source, target) pairs of a TSV file, in file order, without repeats.

    Args:
        path: str. A UTF-8 text file, one pair per line: source, a tab, target, then optional
            further columns (e.g. Tatoeba's attribution), which are ignored.
        reverse: bool. Swap the columns (translate target → source).
        stream: where skipped lines are reported.

    Returns:
        `(pairs, skipped)`: a list of string pairs and a Counter of the skipped lines by kind.

    Raises:
        ValueError naming the file if it is missing or holds no usable pair.
    """
    if not os.path.isfile(path):
        raise UsageError(f"--data {path}: no such file; expected tab-separated pairs (source<TAB>target).")
    skip, pairs, seen = SkippedLines(stream), [], set()
    with open(path, "rb") as file:
        for number, raw in enumerate(file, start=1):
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                skip("invalid UTF-8", f"{path}:{number}: not valid UTF-8")
                continue
            if not line.strip():
                skip("empty line", f"{path}:{number}: empty line")
                continue
            columns = line.split("\t")
            if len(columns) < 2:
                skip("one column", f"{path}:{number}: one column; expected source<TAB>target")
                continue
            source, target = columns[0].strip(), columns[1].strip()
            if reverse:
                source, target = target, source
            if not source or not target:
                skip("empty sentence", f"{path}:{number}: empty {'source' if not source else 'target'} sentence")
                continue
            if (source, target) in seen:
                skip("duplicate", f"{path}:{number}: repeats an earlier pair")
                continue
            seen.add((source, target))
            pairs.append((source, target))
    if not pairs:
        raise UsageError(f"{path}: no usable sentence pairs (see the skipped lines above).")
    return pairs, skip.counts
