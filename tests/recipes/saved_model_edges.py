"""What every recipe's SavedModel boundary test asserts: a refusal is an `InvalidArgumentError` whose
message names the input."""

import re

import pytest
import tensorflow as tf


def refused(signature, message, **inputs):
    """`signature(**inputs)` fails with an InvalidArgumentError whose message holds `message` (plain text)."""
    with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(message)):
        signature(**inputs)


def refused_rank(signature, name, **inputs):
    """`signature(**inputs)` fails naming input `name` as being of the wrong shape."""
    with pytest.raises(tf.errors.InvalidArgumentError, match=f"Shape of tensor {name} .* is not compatible"):
        signature(**inputs)
