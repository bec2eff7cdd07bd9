"""The sequence classification recipe's data: scikit-learn's handwritten digits read row by row
(embedded), or a CSV / TSV of `text,label` rows (`--data FILE`), split and turned into arrays."""

import collections
import dataclasses

import numpy as np
from sklearn.model_selection import train_test_split

from zoo.data.delimited import read_rows
from zoo.data.skipped import SkippedLines
from zoo.errors import UsageError

MIN_ROWS_PER_LABEL = 3  # one each for train, validation and test
DIGIT_LEVELS = 16.0  # the digits' pixels are counts 0..16 of an 8x8 downsampling


@dataclasses.dataclass
class ClassificationData:
    """Inputs and label ids per split ("train", "validation", "test") and the label names.

    `kind` is "vectors" (float32 (examples, steps, features)) or "tokens" (int32 (examples,
    length), 0 = padding, with `vocabulary`). `skipped` counts the rows of `--data` left out.
    """

    kind: str
    splits: dict
    labels: tuple
    source: str
    vocabulary: object = None
    skipped: int = 0

    def summary(self):
        sizes = ", ".join(f"{name} {len(targets)}" for name, (_, targets) in self.splits.items())
        skipped = f"; {self.skipped} damaged rows skipped" if self.skipped else ""
        return f"{self.source}: {len(self.labels)} classes; {sizes} examples{skipped}"


def split_three(inputs, targets, validation_fraction, test_fraction, seed):
    """Stratified train / validation / test splits (scikit-learn): a dict name → (inputs, targets)."""
    rest_inputs, test_inputs, rest_targets, test_targets = train_test_split(
        inputs, targets, test_size=test_fraction, stratify=targets, random_state=seed)
    share = validation_fraction / (1 - test_fraction)
    train_inputs, validation_inputs, train_targets, validation_targets = train_test_split(
        rest_inputs, rest_targets, test_size=share, stratify=rest_targets, random_state=seed)
    return {"train": (train_inputs, train_targets), "validation": (validation_inputs, validation_targets),
            "test": (test_inputs, test_targets)}  # fmt: skip


def digit_sequences(images, reading):
    """8x8 digit images (counts 0..16) as sequences in [0, 1]: one step per row, or per column."""
    images = np.asarray(images, np.float32).reshape(-1, 8, 8) / DIGIT_LEVELS
    return images if reading == "rows" else np.transpose(images, (0, 2, 1))


def load_digits(config):
    """scikit-learn's 1,797 handwritten digits (UCI, 8x8 scans shipped with the package)."""
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    vectors = digit_sequences(digits.images, config.reading)
    splits = split_three(vectors, digits.target.astype(np.int32), config.validation_fraction, config.test_fraction,
                         config.seed)  # fmt: skip
    return ClassificationData("vectors", splits, tuple(str(d) for d in range(10)),
                              f"scikit-learn digits read by {config.reading[:-1]}")  # fmt: skip


def read_labeled_text(path, stream=None):
    """`(texts, labels, skipped)` from a CSV (`.csv`) or TSV (other names) of `text,label` rows.

    The first row is a header when its label appears in no other row (`text,label`,
    `review,verdict`, ...). A row without exactly two fields, or with an empty text or label, is
    skipped and reported on `stream` (stderr) with its line number, as are the records
    `zoo.data.delimited.read_rows` finds damaged (not UTF-8, an unclosed quote, a field too long) and
    the rows of a label with fewer than `MIN_ROWS_PER_LABEL` rows, too few to reach every split.
    """
    delimiter = "," if path.lower().endswith(".csv") else "\t"
    skip = SkippedLines(stream)
    rows = []
    for number, row in read_rows(path, delimiter, skip, "a CSV or TSV file of text,label rows", f"--data {path}"):
        if len(row) != 2:
            skip("fields", f"{path}:{number}: expected 2 fields (text{delimiter}label), found {len(row)}"
                           f"{'; quote a text that holds the delimiter' if len(row) > 2 else ''}")  # fmt: skip
            continue
        if not row[0].strip() or not row[1].strip():
            skip("fields", f"{path}:{number}: the {'text' if not row[0].strip() else 'label'} is empty")
            continue
        rows.append((number, row[0].strip(), row[1].strip()))
    counts = collections.Counter(label for _, _, label in rows)
    if rows and rows[0][0] == 1 and counts[rows[0][2]] == 1:
        counts[rows.pop(0)[2]] -= 1  # a header
    kept = []
    for number, text, label in rows:
        if counts[label] < MIN_ROWS_PER_LABEL:
            skip("rare label", f"{path}:{number}: label {label!r} has {counts[label]} row(s); a label needs "
                               f"{MIN_ROWS_PER_LABEL} to reach train, validation and test")  # fmt: skip
        else:
            kept.append((text, label))
    skipped = sum(skip.counts.values())
    if not kept:
        raise UsageError(f"--data {path}: no usable text,label rows ({skipped} skipped).")
    texts, labels = (list(column) for column in zip(*kept))
    return texts, labels, skipped


def load_text(config):
    """`--data FILE`: text,label rows, tokenized with tensorflow-text, ids cut to `max_length`."""
    from zoo.text import Vocabulary

    texts, names, skipped = read_labeled_text(config.data)
    labels = tuple(sorted(set(names)))
    if len(labels) < 2:
        raise UsageError(f"--data {config.data}: needs at least 2 labels; found {list(labels)}.")
    targets = np.array([labels.index(name) for name in names], np.int32)
    indices = np.arange(len(texts))
    try:
        splits = split_three(indices, targets, config.validation_fraction, config.test_fraction, config.seed)
    except ValueError as error:  # scikit-learn: a split too small to hold every label once
        raise UsageError(f"--data {config.data}: {len(texts)} rows of {len(labels)} labels cannot be split "
                         f"stratified into validation_fraction={config.validation_fraction} and test_fraction="
                         f"{config.test_fraction} ({error}); give more rows per label or larger fractions.") from None
    vocabulary = Vocabulary.build([texts[i] for i in splits["train"][0]], max_size=config.max_vocabulary)
    encoded = {name: (vocabulary.encode([texts[i] for i in rows], config.max_length), targets_)
               for name, (rows, targets_) in splits.items()}  # fmt: skip
    return ClassificationData("tokens", encoded, labels, config.data, vocabulary, skipped)


def load_data(config):
    return load_text(config) if config.data else load_digits(config)
