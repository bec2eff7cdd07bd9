"""The sequence classification recipe's data: scikit-learn's handwritten digits read row by row
(embedded), or a CSV / TSV of `text,label` rows (`--data FILE`), split and turned into arrays."""

import dataclasses

import numpy as np
from sklearn.model_selection import train_test_split

from zoo.data.delimited import read_rows
from zoo.data.skipped import SkippedLines
from zoo.errors import UsageError

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

    A header row `text,label` is allowed. A row without exactly two fields, or with an empty text
    or label, is skipped and reported on `stream` (stderr) with its line number, as are the records
    `zoo.data.delimited.read_rows` finds damaged (not UTF-8, an unclosed quote, a field too long).
    """
    delimiter = "," if path.lower().endswith(".csv") else "\t"
    skip = SkippedLines(stream)
    texts, labels = [], []
    for number, row in read_rows(path, delimiter, skip, "a CSV or TSV file of text,label rows", f"--data {path}"):
        if number == 1 and [field.strip().lower() for field in row] == ["text", "label"]:
            continue
        if len(row) != 2 or not row[0].strip() or not row[1].strip():
            skip("fields", f"{path}:{number}: expected 2 non-empty fields (text{delimiter}label), found {len(row)}")
            continue
        texts.append(row[0].strip())
        labels.append(row[1].strip())
    skipped = sum(skip.counts.values())
    if not texts:
        raise UsageError(f"--data {path}: no usable text,label rows ({skipped} skipped).")
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
    splits = split_three(indices, targets, config.validation_fraction, config.test_fraction, config.seed)
    vocabulary = Vocabulary.build([texts[i] for i in splits["train"][0]], max_size=config.max_vocabulary)
    encoded = {name: (vocabulary.encode([texts[i] for i in rows], config.max_length), targets_)
               for name, (rows, targets_) in splits.items()}  # fmt: skip
    return ClassificationData("tokens", encoded, labels, config.data, vocabulary, skipped)


def load_data(config):
    return load_text(config) if config.data else load_digits(config)
