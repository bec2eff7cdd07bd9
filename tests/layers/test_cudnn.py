"""`Recurrent(implementation="cudnn")`, forced on this CPU-only machine: the graph holds cuDNN's kernel, and
TensorFlow's implementation selector runs zoo's own loop in its place, with the same results; a SavedModel
traced with it loads and runs here. (The GPU side itself needs a GPU: none in CI.)"""

import numpy as np
import pytest
import keras
import tensorflow as tf

from tests.parity import random_sequences, right_padded_mask
from zoo.cells import make_cell
from zoo.errors import UsageError
from zoo.layers import Recurrent


def _graph_ops(function, *arguments):
    graph = function.get_concrete_function(*arguments).graph.as_graph_def()
    return {node.op for node in graph.node} | {node.op for f in graph.library.function for node in f.node_def}


def _pair(cell, **layer_options):
    """A cuDNN-path layer and an autodiff one holding the same weights."""
    cudnn, plain = (Recurrent(make_cell(cell, 5), implementation=implementation, **layer_options)
                    for implementation in ("cudnn", "autodiff"))  # fmt: skip
    inputs = random_sequences(time=6)
    cudnn(inputs), plain(inputs)
    plain.set_weights(cudnn.get_weights())
    return cudnn, plain, inputs


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("options", [dict(return_sequences=True), dict(return_sequences=False, return_state=True),
                                     dict(return_sequences=True, go_backwards=True), dict(masked=True)])
def test_the_graph_holds_cudnn_and_runs_zoo_s_loop_on_a_cpu(cell, options):
    options = dict(options)
    masked = options.pop("masked", False)
    cudnn, plain, inputs = _pair(cell, **options)
    mask = tf.constant(right_padded_mask([6, 3, 1], 6)) if masked else None

    traced = tf.function(lambda x: cudnn(x, mask=mask))
    assert "CudnnRNNV3" in _graph_ops(traced, tf.constant(inputs))
    expected = plain(inputs, mask=mask)
    for got, want in zip(tf.nest.flatten(traced(tf.constant(inputs))), tf.nest.flatten(expected)):
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-5)


def test_auto_takes_cudnn_only_where_a_gpu_is_visible():
    layer = Recurrent(make_cell("lstm", 5))
    inputs = tf.constant(random_sequences())
    assert "CudnnRNNV3" not in _graph_ops(tf.function(lambda x: layer(x)), inputs)


def test_a_saved_model_traced_with_cudnn_loads_and_runs_on_a_cpu(tmp_path):
    cudnn, plain, inputs = _pair("gru", return_sequences=True)
    model = keras.Sequential([keras.Input((None, inputs.shape[-1])), cudnn])
    model.export(str(tmp_path / "served"), verbose=False)
    saved = tf.saved_model.load(str(tmp_path / "served"))
    serve = saved.signatures["serving_default"]
    assert "CudnnRNNV3" in _graph_ops(saved.serve, tf.TensorSpec((None, None, inputs.shape[-1]), tf.float32))
    served = next(iter(serve(tf.constant(inputs)).values())).numpy()
    np.testing.assert_allclose(served, plain(inputs).numpy(), atol=1e-5)


@pytest.mark.parametrize("cell, options", [("lstm", dict(peephole=True)), ("lstm", dict(variant="cifg")),
                                           ("layernorm_lstm", {}), ("simple_rnn", {}), ("gru", dict(reset_after=False)),
                                           ("lstm", dict(recurrent_dropout=0.1)), ("lstm", dict(transition_depth=2))])
def test_cells_cudnn_does_not_compute_are_refused_naming_the_requirement(cell, options):
    with pytest.raises(UsageError, match="plain LSTMCell or GRUCell"):
        Recurrent(make_cell(cell, 4, **options), implementation="cudnn")


def test_training_through_cudnn_without_a_gpu_and_backwards_padding_are_refused():
    cudnn, _, inputs = _pair("lstm")
    with pytest.raises(UsageError, match="needs a GPU"):
        cudnn(inputs, training=True)
    backwards = Recurrent(make_cell("lstm", 5), implementation="cudnn", go_backwards=True)
    with pytest.raises(UsageError, match="backwards over a padded batch"):
        backwards(inputs, mask=right_padded_mask([6, 3, 1], 6))


def test_the_implementation_survives_get_config():
    layer = Recurrent(make_cell("gru", 4), implementation="cudnn")
    assert Recurrent.from_config(layer.get_config()).implementation == "cudnn"
