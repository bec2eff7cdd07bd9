"""The long-memory tasks recurrent networks are tested with, generated from a seed.

- The adding problem (Hochreiter & Schmidhuber, 1997): `length` steps of two channels, a random
  value in [0, 1) and a marker that is 1 at exactly two steps, one in each half; the target is
  the sum of the two marked values. Predicting the mean (1.0) scores an MSE of 1/6.
- The copy task (Arjovsky et al., 2016): `symbols` random symbols, then `length` blanks with a
  delimiter at the last one, then the model must output the symbols in order; blank elsewhere.
  Guessing scores 1/`alphabet` of the symbols.
"""

import numpy as np

from zoo.errors import UsageError

ADDING_BASELINE_MSE = 1.0 / 6.0  # the variance of the sum of two uniform values: MSE of always answering 1.0
BLANK = 0  # the copy task's token ids: 0 blank, 1 delimiter, 2.. the symbols
DELIMITER = 1


def adding_problem(count, length, rng):
    """`(inputs float32 (count, length, 2), targets float32 (count,))`."""
    if length < 2:
        raise UsageError(f"the adding problem needs length >= 2; received {length}.")
    inputs = np.zeros((count, length, 2), np.float32)
    inputs[..., 0] = rng.random((count, length))
    rows = np.arange(count)
    first, second = rng.integers(0, length // 2, count), rng.integers(length // 2, length, count)
    inputs[rows, first, 1] = inputs[rows, second, 1] = 1.0
    return inputs, (inputs[rows, first, 0] + inputs[rows, second, 0]).astype(np.float32)


def copy_task(count, length, rng, symbols=5, alphabet=8):
    """`(inputs int32 (count, steps), targets int32 (count, steps))` with steps = 2 * symbols + length.

    Inputs: the symbols (ids 2..alphabet+1), `length - 1` blanks, the delimiter, `symbols` blanks.
    Targets: blanks, then the symbols over the last `symbols` steps.
    """
    if length < 1 or symbols < 1 or alphabet < 2:
        raise UsageError(f"the copy task needs length >= 1, symbols >= 1, alphabet >= 2; received {length}, "
                         f"{symbols}, {alphabet}.")
    steps = 2 * symbols + length
    sequence = rng.integers(2, alphabet + 2, size=(count, symbols)).astype(np.int32)
    inputs = np.full((count, steps), BLANK, np.int32)
    targets = np.full((count, steps), BLANK, np.int32)
    inputs[:, :symbols] = sequence
    inputs[:, symbols + length - 1] = DELIMITER
    targets[:, -symbols:] = sequence
    return inputs, targets
