"""Reading a TFLite file: the ops of every subgraph, and running its signature."""

import numpy as np


def operator_names(data):
    """Sorted names of the ops used in every subgraph of a TFLite model (WHILE bodies included).

    Custom ops (Flex / SELECT_TF_OPS among them) appear as "CUSTOM:<code>".
    """
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.tools import flatbuffer_utils

    builtin_names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(data))
    names = set()
    for subgraph in model.subgraphs:
        for operator in subgraph.operators or []:
            code = model.operatorCodes[operator.opcodeIndex]
            builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
            if builtin == schema.BuiltinOperator.CUSTOM:
                custom = code.customCode.decode() if isinstance(code.customCode, bytes) else code.customCode
                names.add(f"CUSTOM:{custom}")
            else:
                names.add(builtin_names.get(builtin, str(builtin)))
    return sorted(names)


def subgraph_count(data):
    from ai_edge_litert.tools import flatbuffer_utils

    return len(flatbuffer_utils.convert_bytearray_to_object(bytearray(data)).subgraphs)


class TFLiteModel:
    """Runs the signature of a TFLite model with ai-edge-litert: named arrays in, named arrays out.

    Args:
        data: bytes of the .tflite file.
        signature: optional str, the signature key (default: the model's only signature).
    """

    def __init__(self, data, signature=None):
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter = Interpreter(model_content=data)
        if signature is None:
            signature = next(iter(self.interpreter.get_signature_list()))
        self.signature = signature
        self.runner = self.interpreter.get_signature_runner(signature)

    def __call__(self, **inputs):
        return {name: np.asarray(value) for name, value in self.runner(**inputs).items()}

    def tensors(self):
        """The signature's tensors as the runtime sees them, in the signature's order.

        Returns:
            `{"inputs": {name: {"dtype": "float32", "shape": [1, 7, 3]}}, "outputs": {...}}`; -1 in a
            shape marks a free dimension.
        """
        order = self.interpreter.get_signature_list()[self.signature]
        details = {"inputs": self.runner.get_input_details(), "outputs": self.runner.get_output_details()}
        return {side: {name: {"dtype": np.dtype(details[side][name]["dtype"]).name,
                              "shape": [int(size) for size in details[side][name]["shape_signature"]]}
                       for name in order[side]}
                for side in ("inputs", "outputs")}
