"""The SavedModel boundary checks, through a saved and loaded signature (where a spec alone checks
nothing)."""

import numpy as np
import pytest
import tensorflow as tf

from zoo.export import boundary

TEXT = tf.TensorSpec([None], tf.string, name="text")
VALUES = tf.TensorSpec([None, None], tf.float32, name="values")


class _Module(tf.Module):
    def __init__(self):
        super().__init__()
        self.runs = tf.Variable(0)

        @tf.function(input_signature=[TEXT])
        def shout(text):
            text = boundary.utf8(boundary.checked(text, TEXT), "text")

            def compute():
                self.runs.assign_add(1)
                return {"loud": tf.strings.upper(text), "length": tf.strings.length(text)}

            return boundary.answered(boundary.blank_strings(text), compute,
                                     lambda batch: {"loud": tf.fill([batch], "-"), "length": tf.fill([batch], -1)})

        @tf.function(input_signature=[VALUES])
        def total(values):
            values = boundary.finite(boundary.checked(values, VALUES), "values")
            values = boundary.require(tf.shape(values)[1] > 0, values, "values needs at least one step")
            return {"total": tf.reduce_sum(values, axis=1)}

        self.shout, self.total = shout, total


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    module = _Module()
    directory = str(tmp_path_factory.mktemp("boundary") / "serving")
    tf.saved_model.save(module, directory, signatures={"shout": module.shout, "total": module.total})
    return tf.saved_model.load(directory)


def test_a_wrong_rank_is_refused_naming_the_input(loaded):
    shout, total = loaded.signatures["shout"], loaded.signatures["total"]
    for wrong in (tf.constant("one"), tf.constant([["a", "b"]])):
        with pytest.raises(tf.errors.InvalidArgumentError, match="Shape of tensor text .* not compatible"):
            shout(text=wrong)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Shape of tensor values .* not compatible"):
        total(values=tf.zeros([3]))


def test_values_are_refused_with_the_checks_message(loaded):
    shout, total = loaded.signatures["shout"], loaded.signatures["total"]
    with pytest.raises(tf.errors.InvalidArgumentError, match="text holds strings that are not UTF-8 text"):
        shout(text=tf.constant([b"ok", b"caf\xe9"]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="values holds NaN or infinite values"):
        total(values=tf.constant([[1.0, np.nan]]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="values needs at least one step"):
        total(values=tf.zeros([2, 0]))
    np.testing.assert_allclose(total(values=tf.constant([[1.0, 2.0]]))["total"].numpy(), [3.0])


def test_blank_rows_get_the_empty_answer_and_an_all_blank_batch_does_not_run_the_model(loaded):
    shout = loaded.signatures["shout"]
    before = int(loaded.runs.numpy())
    empty = shout(text=tf.constant([], tf.string))
    assert empty["loud"].shape == (0,) and empty["length"].shape == (0,)
    blanks = shout(text=tf.constant(["", "  "]))
    assert blanks["loud"].numpy().tolist() == [b"-", b"-"] and blanks["length"].numpy().tolist() == [-1, -1]
    assert int(loaded.runs.numpy()) == before
    mixed = shout(text=tf.constant(["hi", "", "ok"]))
    assert mixed["loud"].numpy().tolist() == [b"HI", b"-", b"OK"] and mixed["length"].numpy().tolist() == [2, -1, 2]
    assert int(loaded.runs.numpy()) == before + 1
