"""Types for `argparse` options that take numbers with a bound, so every command line words the
refusal the same way (`argument --port: must be > 0; received 0`)."""

import argparse


def non_negative(text):
    """A float ≥ 0."""
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0; received {text}")
    return value


def positive(kind):
    """The `argparse` type of a number of `kind` (int or float) > 0."""

    def parse(text):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0; received {text}")
        return value

    parse.__name__ = f"positive {kind.__name__}"
    return parse
