"""Argument checks shared by zoo's layers: each raises ValueError naming the argument."""

import keras

from zoo.errors import UsageError


def positive_int(name, value):
    """Returns `value` if it is an int >= 1, else raises ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"`{name}` must be a positive integer; received {name}={value!r}.")
    return value


def rate(name, value):
    """Returns `value` as a float if it lies in [0, 1), else raises ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise UsageError(f"`{name}` must be a float in [0, 1); received {name}={value!r}.")
    return float(value)


def one_of(name, value, allowed):
    """Returns `value` if it is in `allowed`, else raises ValueError listing the choices."""
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise UsageError(f"`{name}` must be one of {choices}; received {name}={value!r}.")
    return value


def activation(name, value):
    """Resolves a Keras activation identifier, raising ValueError naming `name` if unknown."""
    try:
        return keras.activations.get(value)
    except (ValueError, TypeError) as error:
        raise UsageError(
            f"`{name}` must be a Keras activation (e.g. 'tanh', 'relu', 'sigmoid'); "
            f"received {name}={value!r}."
        ) from error


def split_fractions(validation_fraction, test_fraction):
    """Raises ValueError unless both fractions lie in (0, 1) and leave a training share (sum below 1)."""
    if not (0 < validation_fraction < 1 and 0 < test_fraction < 1 and validation_fraction + test_fraction < 1):
        raise UsageError("validation_fraction and test_fraction must lie in (0, 1) with a sum below 1; received "
                         f"{validation_fraction} and {test_fraction}.")
