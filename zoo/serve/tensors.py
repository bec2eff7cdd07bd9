"""A predict request's JSON to input arrays, and output arrays back to JSON, by TensorFlow Serving's
REST rules:

- row form `{"instances": [...]}`: one item per row; an item is the input's value when the signature
  has one input, else an object of every input. Answered `{"predictions": [...]}`: per row the output's
  value, or an object of every output.
- columnar form `{"inputs": value or {name: value}}`: whole tensors, answered `{"outputs": ...}` the
  same way. A signature with scalar inputs (no batch axis) takes only this form.
- a string may be sent as `{"b64": "..."}`; outputs whose name ends in `_bytes` come back that way.
- JSON's NaN and Infinity tokens are read (TF Serving's JSON allows them) and then refused: no input
  of these models means anything with them.
"""

import base64
import binascii

import numpy as np
import tensorflow as tf

from zoo.serve.errors import RequestError

ROW, COLUMNAR = "instances", "inputs"


def request_form(body):
    """`"instances"` or `"inputs"`: which form the request body (a dict) uses."""
    if not isinstance(body, dict):
        raise RequestError(400, "the request body must be a JSON object holding \"instances\" or \"inputs\"")
    forms = [key for key in (ROW, COLUMNAR) if key in body]
    if len(forms) != 1:
        raise RequestError(400, "the request body must hold exactly one of \"instances\" (row form) or \"inputs\" "
                                f"(columnar form); it holds {sorted(body) or 'nothing'}")
    extra = sorted(set(body) - {ROW, COLUMNAR, "signature_name"})
    if extra:
        raise RequestError(400, f"unknown request field(s) {extra}; expected \"signature_name\" and \"{forms[0]}\"")
    return forms[0]


def input_arrays(body, form, specs, signature):
    """`{input name: numpy array}` of a request, checked against the signature's `specs` (name → TensorSpec).

    Raises:
        RequestError(400) naming the input and what was expected.
    """
    if form == ROW:
        values = _rows_to_columns(body[ROW], specs, signature)
    else:
        values = body[COLUMNAR]
        if len(specs) == 1 and not (isinstance(values, dict) and "b64" not in values):
            values = {next(iter(specs)): values}  # a signature of one input takes its tensor bare
    if not isinstance(values, dict):
        raise RequestError(400, f"\"inputs\" must be an object of the inputs {sorted(specs)} of signature '{signature}'")
    missing, extra = sorted(set(specs) - set(values)), sorted(set(values) - set(specs))
    if missing or extra:
        raise RequestError(400, f"signature '{signature}' takes the inputs {sorted(specs)}; "
                                + "; ".join(part for part in (f"missing {missing}" if missing else "",
                                                              f"unknown {extra}" if extra else "") if part))
    return {name: to_array(values[name], specs[name], name) for name in specs}


def _rows_to_columns(instances, specs, signature):
    if not isinstance(instances, list):
        raise RequestError(400, "\"instances\" must be a list, one item per row")
    if not instances:
        raise RequestError(400, "\"instances\" is empty: send at least one row")
    scalars = sorted(name for name, spec in specs.items() if spec.shape.rank == 0)
    if scalars:
        raise RequestError(400, f"signature '{signature}' takes scalar inputs {scalars}, which rows cannot carry: "
                                "send the columnar form {\"inputs\": {...}}")
    if len(specs) == 1:
        name = next(iter(specs))
        if all(isinstance(row, dict) and set(row) == {name} for row in instances):
            return {name: [row[name] for row in instances]}
        return {name: instances}
    for index, row in enumerate(instances):
        if not isinstance(row, dict) or "b64" in row:
            raise RequestError(400, f"instance {index}: expected an object of the inputs {sorted(specs)} "
                                    f"of signature '{signature}'")
        if set(row) != set(specs):
            raise RequestError(400, f"instance {index}: signature '{signature}' takes the inputs {sorted(specs)}; "
                                    f"it holds {sorted(row)}")
    return {name: [row[name] for row in instances] for name in specs}


def to_array(value, spec, name):
    """The numpy array of one input's JSON value, of the spec's dtype and rank (fixed sizes checked too)."""
    if spec.dtype == tf.string:
        array = _string_array(value, name)
    elif spec.dtype.is_floating or spec.dtype.is_integer or spec.dtype == tf.bool:
        array = _number_array(value, spec.dtype, name)
    else:
        raise RequestError(400, f"input '{name}' has dtype {spec.dtype.name}, which the REST API does not carry")
    shape = spec.shape
    if array.ndim != shape.rank:
        raise RequestError(400, f"input '{name}' must have rank {shape.rank} (shape {_shape_text(shape)}); "
                                f"received rank {array.ndim} (shape {list(array.shape)})")
    for axis, size in enumerate(shape):
        if size is not None and array.shape[axis] != size:
            raise RequestError(400, f"input '{name}' must have shape {_shape_text(shape)}; received {list(array.shape)}")
    return array


def _shape_text(shape):
    return "[" + ", ".join("any" if size is None else str(size) for size in shape) + "]"


def _nested_shape(value, name):
    """The shape of nested lists, refusing ragged ones (rows of different lengths)."""
    if not isinstance(value, list):
        return ()
    if not value:
        return (0,)
    inner = [_nested_shape(item, name) for item in value]
    if any(shape != inner[0] for shape in inner):
        raise RequestError(400, f"input '{name}' is ragged: its lists must have equal lengths at every depth")
    return (len(value),) + inner[0]


def _flatten(value):
    if isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    else:
        yield value


def _string_array(value, name):
    shape = _nested_shape(value, name)
    flat = [_string_bytes(item, name) for item in _flatten(value)]
    array = np.empty(len(flat), dtype=object)
    array[:] = flat
    return array.reshape(shape)


def _string_bytes(item, name):
    if isinstance(item, str):
        return item.encode("utf-8", errors="surrogatepass")
    if isinstance(item, dict) and set(item) == {"b64"} and isinstance(item["b64"], str):
        try:
            return base64.b64decode(item["b64"], validate=True)
        except (binascii.Error, ValueError):
            raise RequestError(400, f"input '{name}' holds invalid base64 in a {{\"b64\": ...}} value") from None
    raise RequestError(400, f"input '{name}' holds {type(item).__name__} {str(item)[:40]!r}; expected strings "
                            "(or {\"b64\": \"...\"} for bytes)")


def _number_array(value, dtype, name):
    kind = "true/false values" if dtype == tf.bool else "numbers"
    shape = _nested_shape(value, name)
    flat = list(_flatten(value))
    if dtype == tf.bool:
        bad = [item for item in flat if not isinstance(item, bool)]
    else:
        bad = [item for item in flat if not isinstance(item, (int, float)) or isinstance(item, bool)]
    if bad:
        bad = bad[0]
        raise RequestError(400, f"input '{name}' holds {type(bad).__name__} {str(bad)[:40]!r}; expected {kind} "
                                f"({dtype.name})")
    if dtype == tf.bool:
        return np.array(flat, dtype=bool).reshape(shape)
    numbers = np.array(flat, dtype=np.float64).reshape(shape)
    if not np.all(np.isfinite(numbers)):
        raise RequestError(400, f"input '{name}' holds NaN or Infinity: TensorFlow Serving's JSON allows those "
                                "tokens, but this model needs finite numbers")
    if dtype.is_integer:
        if np.any(numbers != np.round(numbers)):
            raise RequestError(400, f"input '{name}' holds fractions; expected whole numbers ({dtype.name})")
        if np.any(numbers < dtype.min) or np.any(numbers > dtype.max):
            raise RequestError(400, f"input '{name}' holds numbers outside {dtype.name}'s range "
                                    f"[{dtype.min}, {dtype.max}]")
    return numbers.astype(dtype.as_numpy_dtype)


def output_json(outputs, form):
    """The answer of a predict request: `{"predictions": ...}` (row form) or `{"outputs": ...}`."""
    values = {name: _json_value(array, name) for name, array in outputs.items()}
    if form == COLUMNAR:
        return {"outputs": next(iter(values.values())) if len(values) == 1 else values}
    if len(values) == 1:
        return {"predictions": next(iter(values.values()))}
    rows = len(next(iter(values.values())))
    return {"predictions": [{name: value[row] for name, value in values.items()} for row in range(rows)]}


def _json_value(array, name):
    array = np.asarray(array)
    if array.dtype == object or array.dtype.kind == "S":
        binary = name.endswith("_bytes")
        return _map(array.tolist(), lambda item: {"b64": base64.b64encode(item).decode("ascii")} if binary
                    else item.decode("utf-8", errors="replace"))
    return array.tolist()


def _map(value, function):
    return [_map(item, function) for item in value] if isinstance(value, list) else function(value)
