"""Every TensorFlow, Keras and keras-tuner internal zoo relies on, in one place.

Nothing else in zoo imports `keras.src` or `tensorflow.python`, or reads a private attribute of
another library's object (`tests/test_internals.py` checks both, and that each internal below still
exists and still behaves as zoo needs: it fails naming the internal when a release moves it).
"""

from keras.src.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from tensorflow.python.framework import ops as tf_ops
from tensorflow.python.ops import control_flow_util
from tensorflow.python.saved_model import save_context

# Why: `keras.layers.RNN` resets a cell's dropout masks at every call only when the cell is an
# instance of this mixin; zoo's cells inherit it so that they drop the same units as Keras' cells
# inside `keras.layers.RNN`. Keras has no public equivalent.
RNN_CELL_DROPOUT_MIXIN = DropoutRNNCell


def in_xla_context():
    """Whether the code is being traced for XLA (`jit_compile=True`).

    Why: under XLA on CPU, autodiff of the loop is faster than zoo's own loop gradient (measured with
    `python -m zoo.bench`), so `Recurrent` leaves the loop to autodiff there; TensorFlow only
    exposes this test through its private control-flow helpers.
    """
    return control_flow_util.GraphOrParentsInXlaContext(tf_ops.get_default_graph())


def in_save_context():
    """Whether the code is being traced by `tf.saved_model.save` (Keras' `model.export` included).

    Why: `Recurrent` must not put zoo's compiled kernel into a SavedModel (it would not load where zoo's
    library is absent); TensorFlow marks the tracing it does while saving only in this private module.
    """
    return save_context.in_save_context()


def gradient_registry():
    """TensorFlow's process-wide table of gradient functions, name → function.

    Why: each traced `tf.custom_gradient` adds an entry that TensorFlow never removes and that holds
    its graph; a sweep that builds model after model must delete its trials' entries
    (`zoo.layers.time_loop.released_gradient_functions`). TensorFlow has no public way to.
    """
    return tf_ops._gradient_registry._registry


def restored_epoch(model):
    """The epoch `keras.callbacks.BackupAndRestore` restored into `model` at `on_train_begin` (None if none).

    Why: zoo's multi-worker loop (`zoo.distribute`) drives Keras' callbacks itself; Keras' own `fit`
    reads this attribute to know where a resumed run starts, and nothing public reports it.
    """
    return model._initial_epoch


def clear_restored_epoch(model):
    """Forgets an epoch restored by an earlier run, before `BackupAndRestore` sets it again."""
    model._initial_epoch = None


def stop_search_after(oracle, trials):
    """Makes a keras-tuner oracle end its search after `trials` trials, also mid-search.

    Why: Hyperband has no bound of its own on the models it trains, and a sweep that spent its time
    budget must stop at once; keras-tuner reads `max_trials` at each new trial but documents it only
    as a constructor argument.
    """
    oracle.max_trials = trials
