"""The checks a SavedModel makes where a request enters its graph.

A signature's `TensorSpec` is not checked when the signature runs: a loaded signature feeds whatever
tensor it is given, and the graph folds shape arithmetic with the spec's static shape (`tf.rank` of a
`[None]` input is the constant 1 whatever arrives); a server that feeds the graph the same way gets the
same checks. So each serving
function starts with these checks, in the graph, each failing with a message that names the input:

- `checked(tensor, spec)`: the spec's rank and fixed sizes (`tf.ensure_shape`, which runs);
- `finite`, `utf8`, `require`: values, each passing its tensor on only once the check has passed;
- `answered(blank, compute, empty)`: an empty batch gets an empty answer, and rows that are
  blank (an empty string) get the empty answer of their row, without running the model on them.

They are SavedModel-only: TFLite has no assertion ops (its interpreter refuses an input of another shape).
"""

import tensorflow as tf


def checked(tensor, spec):
    """`tensor` with the rank and the fixed sizes of `spec` (a `tf.TensorSpec`) enforced when it runs."""
    return tf.ensure_shape(tensor, spec.shape, name=f"{spec.name}_shape")


def _after(check, tensor):
    """`tensor`, available only once `check` has passed (so it fails before anything reads `tensor`)."""
    with tf.control_dependencies([check]):
        return tf.identity(tensor)


def finite(tensor, name):
    """`tensor`, refusing NaN and infinities."""
    return tf.debugging.assert_all_finite(tensor, f"{name} holds NaN or infinite values; expected finite numbers")


def utf8(text, name):
    """`text`, refusing strings that are not UTF-8 (a round trip through code points changes them)."""
    decoded = tf.strings.unicode_decode(text, "UTF-8", errors="replace")
    valid = tf.equal(tf.strings.unicode_encode(decoded, "UTF-8"), text)
    return _after(tf.debugging.Assert(tf.reduce_all(valid), [f"{name} holds strings that are not UTF-8 text"]), text)


def require(condition, tensor, message):
    """`tensor`, refused with `message` unless `condition` (a bool tensor, any shape) holds everywhere."""
    return _after(tf.debugging.Assert(tf.reduce_all(condition), [message]), tensor)


def blank_strings(text):
    """bool [batch]: the strings that are empty or only white space."""
    return tf.equal(tf.strings.length(tf.strings.strip(text)), 0)


def answered(blank, compute, empty):
    """The answer of a batch whose `blank` rows (bool [batch]) take `empty` answers.

    Args:
        blank: bool [batch].
        compute: `() -> dict` of tensors with a leading batch axis: the model's answer for the batch.
            Not run when every row is blank (an empty batch included).
        empty: `(batch) -> dict` of the same structure: the answers of blank rows.
    """
    batch = tf.shape(blank)[0]
    blanks = empty(batch)
    outputs = tf.cond(tf.reduce_all(blank), lambda: blanks, compute)
    answers = {}
    for key, value in outputs.items():
        keep = tf.reshape(blank, [-1] + [1] * (value.shape.rank - 1))
        answers[key] = tf.where(keep, blanks[key], value)
    return answers
