"""Deterministic train / validation / test splits of data read from files.

A record's split comes from a hash of its key (a file name, a speaker, a source sentence), so it
always lands in the same split whatever else the data holds. On a small corpus the hash can leave a
held-out split empty; `assign_splits` then moves the training key nearest to that split's range
into it, and says so.
"""

import zlib

HELD_OUT = ("test", "validation")


def _bucket(key):
    return zlib.crc32(key.encode("utf-8")) % 10_000 / 10_000


def split_of(key, validation_fraction, test_fraction):
    """"train", "validation" or "test" for a record, from a hash of its key (a file name, a source
    sentence): a record always lands in the same split, whatever else the data holds."""
    bucket = _bucket(key)
    if bucket < test_fraction:
        return "test"
    return "validation" if bucket < test_fraction + validation_fraction else "train"


def assign_splits(keys, validation_fraction, test_fraction, fixed_test=frozenset()):
    """The split of each distinct key, by `split_of`, with empty held-out splits repaired.

    Args:
        keys: iterable of str (repeats are fine: a speaker of many utterances).
        validation_fraction, test_fraction: float. The share of keys each held-out split aims at.
        fixed_test: keys the data itself puts in test (TIMIT's TEST folder); the others are then
            split between train and validation only.

    Returns:
        `(assignment, moved)`: {key: "train" | "validation" | "test"}, and the `(key, split)` pairs moved
        out of train to fill a held-out split the hash left empty (a key is moved only while train
        keeps at least one). A held-out split can still be empty when there are too few keys: the
        caller refuses or splits by a finer unit.
    """
    assignment = {}
    for key in sorted(set(keys)):
        if key in fixed_test:
            assignment[key] = "test"
        elif fixed_test:
            assignment[key] = "validation" if split_of(key, validation_fraction, 0.0) == "validation" else "train"
        else:
            assignment[key] = split_of(key, validation_fraction, test_fraction)
    wanted = [split for split, fraction in zip(HELD_OUT, (test_fraction, validation_fraction)) if fraction > 0]
    moved = []
    for split in wanted:
        if split in assignment.values():
            continue
        train = sorted((key for key, where in assignment.items() if where == "train"), key=_bucket)
        if len(train) > 1:
            assignment[train[0]] = split
            moved.append((train[0], split))
    return assignment, moved


def empty_splits(assignment, validation_fraction, test_fraction):
    """The held-out splits (with a fraction above 0) that `assignment` leaves without a key, and train if empty."""
    used = set(assignment.values())
    wanted = [split for split, fraction in zip(HELD_OUT, (test_fraction, validation_fraction)) if fraction > 0]
    return [split for split in ["train", *wanted] if split not in used]


def describe_moves(moved, unit):
    """One line for the data summary: which keys were moved to fill an empty split."""
    if not moved:
        return ""
    return "; ".join(f"the hash left {split} empty: moved {unit} {key!r} there" for key, split in moved)
