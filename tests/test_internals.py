"""The internals zoo relies on still exist and behave as zoo needs (each failure names the internal), and
no module but `zoo._internals` reaches into another library's private parts."""

import ast
import os

import keras
import keras_tuner as kt
import numpy as np
import pytest
import tensorflow as tf

from zoo import _internals

PRIVATE_MODULES = ("keras.src", "tensorflow.python")
ZOO_ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "zoo")


def private_uses(root, allowed=("_internals.py",)):
    """`path:line: what` for each import of a private module and each `x._name` read of an object that
    is not `self` / `cls`, in the .py files under `root` except the `allowed` file names."""
    found = []
    for folder, _, files in os.walk(root):
        for name in sorted(files):
            if not name.endswith(".py") or name in allowed:
                continue
            path = os.path.join(folder, name)
            for node in ast.walk(ast.parse(open(path, encoding="utf-8").read(), path)):
                modules = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                           else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                for module in modules:
                    if any(module == m or module.startswith(m + ".") for m in PRIVATE_MODULES):
                        found.append(f"{path}:{node.lineno}: import {module}")
                if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
                    found.append(f"{path}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_only_the_internals_module_uses_private_apis():
    uses = private_uses(ZOO_ROOT)
    assert not uses, "private APIs outside zoo/_internals.py (move them there, with why and a test):\n" + "\n".join(uses)


def test_the_check_finds_a_private_import_and_a_private_attribute(tmp_path):
    (tmp_path / "sneaky.py").write_text(
        "from keras.src.layers import Layer\nimport tensorflow.python.ops\n\ndef f(model):\n"
        "    self_ish = model._initial_epoch\n    return self_ish, model.__class__\n")
    (tmp_path / "_internals.py").write_text("import tensorflow.python\n")
    uses = private_uses(str(tmp_path))
    assert [use.split(": ", 1)[1] for use in uses] == [
        "import keras.src.layers", "import tensorflow.python.ops", "model._initial_epoch"]


def test_the_dropout_mixin_is_what_keras_rnn_resets_masks_for():
    assert isinstance(keras.layers.LSTMCell(2), _internals.RNN_CELL_DROPOUT_MIXIN), (
        "keras' own cells no longer derive from keras.src...DropoutRNNCell: check how keras.layers.RNN "
        "resets dropout masks now and update zoo._internals.RNN_CELL_DROPOUT_MIXIN")
    for method in ("get_dropout_mask", "get_recurrent_dropout_mask", "reset_dropout_mask",
                   "reset_recurrent_dropout_mask"):
        assert callable(getattr(_internals.RNN_CELL_DROPOUT_MIXIN, method, None)), f"DropoutRNNCell lost {method}"


def test_in_xla_context_tells_jit_compiled_tracing_apart():
    seen = {}

    @tf.function(jit_compile=True)
    def compiled(x):
        seen["jit"] = _internals.in_xla_context()
        return x + 1

    @tf.function
    def plain(x):
        seen["plain"] = _internals.in_xla_context()
        return x + 1

    compiled(tf.constant(1.0))
    plain(tf.constant(1.0))
    assert seen == {"jit": True, "plain": False}, "TensorFlow's XLA-context helper changed behaviour"
    assert _internals.in_xla_context() is False


def test_the_gradient_registry_holds_each_traced_custom_gradient():
    before = set(_internals.gradient_registry())

    @tf.custom_gradient
    def doubled(x):
        return 2 * x, lambda upstream: 2 * upstream

    tf.function(lambda x: doubled(x)).get_concrete_function(tf.TensorSpec([], tf.float32))
    added = set(_internals.gradient_registry()) - before
    assert added and all(name.startswith("CustomGradient-") for name in added), (
        "TensorFlow's gradient registry no longer records traced custom gradients as CustomGradient-*")


def test_backup_and_restore_reports_the_restored_epoch(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.zeros((4, 2), "float32"), np.zeros((4, 1), "float32")
    backup = str(tmp_path / "backup")
    model.fit(x, y, epochs=2, verbose=0,
              callbacks=[keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False)])
    _internals.clear_restored_epoch(model)
    assert _internals.restored_epoch(model) is None
    restore = keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False)
    restore.set_model(model)
    restore.on_train_begin()
    assert _internals.restored_epoch(model) == 2, "BackupAndRestore no longer sets model._initial_epoch"


def test_an_oracle_stops_at_the_trials_it_is_given_mid_search(tmp_path):
    tuner = kt.RandomSearch(lambda hp: _tiny_model(hp), objective="loss", max_trials=10, directory=str(tmp_path),
                            project_name="search", seed=0)
    _internals.stop_search_after(tuner.oracle, 2)
    tuner.search(np.zeros((4, 2), "float32"), np.zeros((4, 1), "float32"), epochs=1, verbose=0)
    assert len(tuner.oracle.trials) == 2, "keras-tuner no longer honours max_trials set after construction"


def _tiny_model(hp):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(hp.Int("units", 1, 4))])
    model.compile("sgd", "mse")
    return model
