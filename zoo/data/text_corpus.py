"""Plain-text corpora for character-level language models: the source files of Python's own
standard library (on every machine that runs zoo, written by hundreds of people), or the `.txt`
files a user names, split into train / validation / test by file."""

import dataclasses
import os
import random
import sysconfig

from zoo.errors import UsageError
from zoo.data.skipped import SkippedLines

SPLITS = ("train", "validation", "test")


@dataclasses.dataclass
class Corpus:
    """Texts per split ("train", "validation", "test"), where they came from, and what was skipped.

    `files` maps each split to the names of its files (empty when one file was cut by position).
    """

    texts: dict
    source: str
    files: dict
    skipped: int = 0

    def summary(self):
        sizes = ", ".join(f"{name} {len(self.texts[name]):,}" for name in SPLITS)
        counted = "; ".join(f"{name} {len(self.files[name])} file{'s' if len(self.files[name]) > 1 else ''}"
                            for name in SPLITS if self.files[name])
        skipped = f"; {self.skipped} damaged line{'s' * (self.skipped > 1)} skipped" if self.skipped else ""
        return f"{self.source}: {sizes} characters" + (f" ({counted})" if counted else "") + skipped


def stdlib_source_files():
    """The top-level `.py` files of the running Python's standard library, sorted by name."""
    directory = sysconfig.get_path("stdlib")
    names = sorted(name for name in os.listdir(directory) if name.endswith(".py"))
    return [os.path.join(directory, name) for name in names]


def read_text_file(path, skipped):
    """The text of `path` (UTF-8). A line that is not UTF-8 or holds NUL bytes (a damaged or binary
    line) is skipped and reported through `skipped` with its file and line number."""
    lines = []
    with open(path, "rb") as file:
        for number, raw in enumerate(file, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                skipped("undecodable", f"{path}:{number}: not UTF-8 ({error.reason} at byte {error.start})")
                continue
            if "\x00" in line:
                skipped("binary", f"{path}:{number}: holds NUL bytes (a binary file?)")
                continue
            lines.append(line.replace("\r\n", "\n"))
    return "".join(lines)


def text_files_at(path):
    """The `.txt` files a `--data PATH` names: the file itself, or every `.txt` under a folder (sorted)."""
    if os.path.isfile(path):
        return [path]
    if not os.path.isdir(path):
        raise UsageError(f"--data {path}: no such file or folder; expected a .txt file or a folder of .txt files.")
    files = sorted(os.path.join(root, name) for root, _, names in os.walk(path) for name in names
                   if name.endswith(".txt"))  # fmt: skip
    if not files:
        raise UsageError(f"--data {path}: the folder holds no .txt files.")
    return files


def split_by_file(texts, validation_fraction, test_fraction, seed):
    """`{split: [file index, ...]}`: files in a seeded random order fill test, then validation, up to
    their share of the characters; the rest is train. Every split gets at least one file."""
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    total = sum(len(texts[i]) for i in order)
    assignment, position = {name: [] for name in SPLITS}, 0
    for name, fraction, kept_for_later in (("test", test_fraction, 2), ("validation", validation_fraction, 1)):
        filled = 0
        while position < len(order) - kept_for_later and (not assignment[name] or filled < fraction * total):
            filled += len(texts[order[position]])
            assignment[name].append(order[position])
            position += 1
    assignment["train"] = order[position:]
    return assignment


def split_by_position(text, validation_fraction, test_fraction):
    """One text cut in three: train first, then validation, then test (the end of the text)."""
    validation_start = int(len(text) * (1 - validation_fraction - test_fraction))
    test_start = int(len(text) * (1 - test_fraction))
    return {"train": text[:validation_start], "validation": text[validation_start:test_start],
            "test": text[test_start:]}  # fmt: skip


def load_corpus(data, validation_fraction, test_fraction, seed, max_characters=0, stream=None):
    """The corpus of `--data` (a .txt file or a folder of them), or Python's standard library source.

    With three files or more, whole files go to each split (`split_by_file`), so no test text was
    seen in training; one or two files are cut by position instead. `max_characters` (0 = all)
    keeps the first files of the seeded order until that many characters.

    Raises:
        ValueError naming `--data` if it is missing, holds no .txt file, or holds too little text.
    """
    skipped = SkippedLines(stream)
    paths = text_files_at(data) if data else stdlib_source_files()
    source = data or f"Python {sysconfig.get_python_version()} standard library ({sysconfig.get_path('stdlib')})"
    order = list(range(len(paths)))
    random.Random(seed).shuffle(order)
    texts, names, total = [], [], 0
    for index in order:
        text = read_text_file(paths[index], skipped)
        if not text.strip():
            skipped("empty", f"{paths[index]}: no text")
            continue
        texts.append(text)
        names.append(os.path.relpath(paths[index], data if data and os.path.isdir(data) else os.path.dirname(
            paths[index])))  # fmt: skip
        total += len(text)
        if max_characters and total >= max_characters:
            break
    if len(texts) >= 3:
        assignment = split_by_file(texts, validation_fraction, test_fraction, seed)
        split_texts = {name: "".join(texts[i] for i in assignment[name]) for name in SPLITS}
        files = {name: [names[i] for i in assignment[name]] for name in SPLITS}
    else:
        split_texts = split_by_position("".join(texts)[: max_characters or None], validation_fraction, test_fraction)
        files = {name: [] for name in SPLITS}
    short = [name for name in SPLITS if len(split_texts[name]) < 2]
    if short:
        where = f"--data {data}" if data else source
        raise UsageError(f"{where}: too little text; the {', '.join(short)} split(s) would be empty.")
    return Corpus(split_texts, source, files, sum(skipped.counts.values()))
