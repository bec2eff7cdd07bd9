"""SavedModel export: a `tf.Module` with named serving signatures, and the ops of its graph."""

import os

import tensorflow as tf

from zoo.export import boundary

CUDNN_OP_PREFIX = "Cudnn"


def input_specs(model, fixed_shapes=None):
    """One `tf.TensorSpec` per model input, named after it; batch and time free unless fixed
    (`fixed_shapes`: a dict input name → shape)."""
    specs = []
    for tensor in model.inputs:
        name = input_name(tensor)
        shape = (None,) + tuple(tensor.shape[1:]) if fixed_shapes is None else tuple(fixed_shapes[name])
        specs.append(tf.TensorSpec(shape, tensor.dtype, name=name))
    return specs


def input_name(tensor):
    return tensor.name.split(":")[0]


def output_names(model):
    return list(model.output_names)


def numeric_function(model, specs):
    """A tf.function of `model` (inference mode) returning a dict output name → tensor."""
    names = output_names(model)
    input_names = [spec.name for spec in specs]

    @tf.function(input_signature=specs)
    def serve(*inputs):
        outputs = model(dict(zip(input_names, inputs)) if len(inputs) > 1 else inputs[0], training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        return dict(zip(names, outputs))

    return serve


def serving_function(model, specs):
    """`numeric_function` with the SavedModel's boundary checks (`zoo.export.boundary`): each input's rank
    and fixed sizes, finite numbers in float inputs, at least one step along each free axis after the
    batch (a recurrent layer has nothing to read in zero steps)."""
    compute = numeric_function(model, specs)

    @tf.function(input_signature=specs)
    def serve(*inputs):
        checked = []
        for tensor, spec in zip(inputs, specs):
            tensor = boundary.checked(tensor, spec)
            if spec.dtype.is_floating:
                tensor = boundary.finite(tensor, spec.name)
            for axis in range(1, spec.shape.rank):
                if spec.shape[axis] is None:
                    tensor = boundary.require(tf.shape(tensor)[axis] > 0, tensor,
                                              f"{spec.name} needs at least one step along axis {axis}")
            checked.append(tensor)
        return compute(*checked)

    return serve


def save(model, directory, signatures):
    """Writes a SavedModel of `model` with `signatures` (name → tf.function with an input signature)."""
    module = tf.Module()
    module.model = model
    for name, function in signatures.items():
        setattr(module, name, function)
    tf.saved_model.save(module, directory, signatures=signatures)


def graph_op_types(directory):
    """Every op type in a SavedModel's graph, functions (loop bodies) included."""
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    with open(os.path.join(directory, "saved_model.pb"), "rb") as file:
        proto.ParseFromString(file.read())
    ops = set()
    for meta_graph in proto.meta_graphs:
        ops.update(node.op for node in meta_graph.graph_def.node)
        for function in meta_graph.graph_def.library.function:
            ops.update(node.op for node in function.node_def)
    return sorted(ops)


def cudnn_ops(op_types):
    return [op for op in op_types if op.startswith(CUDNN_OP_PREFIX)]
