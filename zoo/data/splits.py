"""Deterministic train / validation / test splits of data read from files."""

import zlib


def split_of(key, validation_fraction, test_fraction):
    """"train", "validation" or "test" for a record, from a hash of its key (a file name, a source
    sentence): a record always lands in the same split, whatever else the data holds."""
    bucket = zlib.crc32(key.encode("utf-8")) % 10_000 / 10_000
    if bucket < test_fraction:
        return "test"
    return "validation" if bucket < test_fraction + validation_fraction else "train"
