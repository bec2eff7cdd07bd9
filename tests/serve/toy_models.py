"""Small SavedModels with the shapes TensorFlow Serving's REST documentation uses in its examples."""

import os

import tensorflow as tf


class _Toy(tf.Module):
    def __init__(self, offset):
        super().__init__()
        self.offset = tf.Variable(offset)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
    def half_plus(self, x):
        return {"y": 0.5 * x + self.offset}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def echo(self, text):
        return {"echo_bytes": text, "length": tf.strings.length(text)}

    @tf.function(input_signature=[tf.TensorSpec([None, 1, 2], tf.float32, name="pairs")])
    def pairs(self, pairs):
        return {"sum": tf.reduce_sum(pairs, axis=[1, 2])}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="tag"),
                                  tf.TensorSpec([None, 5], tf.int32, name="signal"),
                                  tf.TensorSpec([None, 2, 2], tf.float32, name="sensor")])
    def named(self, tag, signal, sensor):
        return {"tag": tag, "total": tf.cast(tf.reduce_sum(signal, 1), tf.float32) + tf.reduce_sum(sensor, [1, 2])}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
    def busy(self, x):
        with tf.control_dependencies([tf.debugging.assert_less(x, 1000.0, message="x must be below 1000")]):
            _, y = tf.while_loop(lambda i, y: i < 20000, lambda i, y: (i + 1, y * 0.5 + 1.0), (0, tf.zeros_like(x)))
        return {"y": x + y}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x"), tf.TensorSpec([], tf.int32, name="steps")])
    def slow(self, x, steps):
        _, y = tf.while_loop(lambda i, y: i < steps, lambda i, y: (i + 1, y * 0.5 + 1.0), (0, x))
        return {"y": y}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x"), tf.TensorSpec([], tf.float32, name="scale")])
    def scaled(self, x, scale):
        return {"y": x * scale}


def save_half_plus(base, version, offset=3.0):
    """`<base>/<version>/`: `serving_default` is TF Serving's half_plus_three example (y = x / 2 + offset);
    also `echo` (strings, a `_bytes` output), `pairs` ([batch, 1, 2]), `named` (three inputs) and `scaled`
    (a scalar input), `slow` (`steps` loop steps: y → y / 2 + 1), `busy` (x + 2 after 20,000 loop
    steps, refusing x ≥ 1000)."""
    toy = _Toy(offset)
    signatures = {"serving_default": toy.half_plus, "echo": toy.echo, "pairs": toy.pairs, "named": toy.named,
                  "scaled": toy.scaled, "slow": toy.slow, "busy": toy.busy}
    tf.saved_model.save(toy, os.path.join(str(base), str(version)), signatures=signatures)
