"""Zoo's own metadata inside every `.tflite` file it writes: what the file is and how to feed it, for
the app that receives the file alone.

The flatbuffer `Model.metadata` list gets one entry named `zoo_metadata`; its buffer holds one UTF-8
JSON object (not tflite-support's format, whose library pins an old protobuf). Format
`zoo.tflite_metadata/1`, field by field:

    format        "zoo.tflite_metadata/1" (always)
    zoo_version   the zoo that wrote the file ("unknown" when zoo is not installed as a package)
    artifact      the file's name, e.g. "model_int8.tflite", "decoder_step_fp16.tflite"
    signature     the key of the file's signature, for the interpreter's signature runner
    inputs        {name: {"dtype": "float32", "shape": [1, 7, 3], "description": str or null}}, in the
                  signature's order; -1 in a shape marks a free dimension
    outputs       the same, for the outputs
    recipe        (a recipe's export) the recipe's name, e.g. "captioning"
    config        (a recipe's export) the settings it was trained and exported with (its config.json)
    ...           any other field the export describes: "labels" and "vocabulary" (lists of strings,
                  index = id), input normalization (e.g. {"image_size": 64, "mean": ..., "scale": ...}),
                  "sample_rate", a forecast's "window" / "horizon" / scaling, ...

Zoo writes the first six itself (the inputs and outputs as the TFLite interpreter reads them from the
file); the others come from `describing(...)` around the export, whose `descriptions={tensor name:
text}` fills the inputs' and outputs' "description". A file exported outside any `describing` block
still carries the first six.

    from zoo.export.tflite_metadata import describing, read_metadata
    with describing(recipe="sequence_classification", labels=["negative", "positive"]):
        export_model(model, workdir, example_inputs=batch)
    read_metadata(f"{workdir}/model.tflite")["labels"]   # ["negative", "positive"]
"""

import contextlib
import contextvars
import importlib.metadata
import json
import os

import numpy as np

ENTRY = "zoo_metadata"
FORMAT = "zoo.tflite_metadata/1"
FILE_FIELDS = ("format", "zoo_version", "artifact", "signature", "inputs", "outputs")  # read from the file itself
DESCRIPTIONS = "descriptions"  # the context field naming what each input and output means

_described = contextvars.ContextVar("zoo_tflite_metadata", default=None)


@contextlib.contextmanager
def describing(**fields):
    """Every TFLite file exported inside this block carries `fields` in its zoo metadata.

    Blocks nest: an inner block's fields add to (and replace) the outer ones.

    Args:
        **fields: JSON values, e.g. `recipe="captioning"`, `config={...}`, `labels=[...]`,
            `vocabulary=[...]`, `normalization={...}`, `sample_rate=16000`, and
            `descriptions={tensor name: what it means}` for the files' inputs and outputs. The
            fields the file itself gives (`FILE_FIELDS`: format, artifact, inputs, ...) are refused.

    Raises:
        ValueError: a field is one of `FILE_FIELDS`, or not a JSON value.

    Example:
        >>> with describing(recipe="frame_labeling", labels=["silence", "speech"], sample_rate=16000):
        ...     export_model(model, workdir, example_inputs=waveforms)
    """
    fields = _checked_fields(fields, "describing()")
    token = _described.set({**(_described.get() or {}), **fields})
    try:
        yield
    finally:
        _described.reset(token)


def described_fields():
    """The fields of the `describing` blocks around this call (a copy; empty outside any)."""
    return dict(_described.get() or {})


def metadata_of(data, artifact, fields=None):
    """The zoo metadata of the TFLite file `data` named `artifact`: its own fields (format, zoo version,
    artifact, signature, inputs and outputs), the `describing` context's, then `fields` (a dict).

    Example:
        >>> metadata_of(data, "model.tflite")["inputs"]
        {'frames': {'dtype': 'float32', 'shape': [8, 7, 3], 'description': None}}
    """
    from zoo.export.tflite_model import TFLiteModel

    given = {**described_fields(), **_checked_fields(fields or {}, f"the metadata of {artifact}")}
    descriptions = given.pop(DESCRIPTIONS, None) or {}
    model = TFLiteModel(data)
    tensors = model.tensors()
    for entries in tensors.values():
        for name, entry in entries.items():
            entry["description"] = descriptions.get(name)
    return {"format": FORMAT, "zoo_version": zoo_version(), "artifact": artifact, "signature": model.signature,
            **tensors, **given}


def described(data, artifact, fields=None):
    """`data` (a TFLite file named `artifact`) with its `metadata_of` written in (`with_metadata`)."""
    return with_metadata(data, metadata_of(data, artifact, fields))


def with_metadata(data, metadata):
    """The TFLite file `data` with `metadata` as its `zoo_metadata` entry (added, or replacing the old one).

    Rewritten with ai-edge-litert's flatbuffer object API; every other part of the file is kept.

    Args:
        data: bytes of a .tflite file.
        metadata: dict of JSON values; "format" is set to `FORMAT` (another value is refused).

    Returns:
        bytes of the new file.

    Raises:
        ValueError: `data` is not a TFLite file, or `metadata` is not zoo's (another format, not JSON).

    Example:
        >>> read_metadata(with_metadata(data, {"artifact": "model.tflite"}))
        {'format': 'zoo.tflite_metadata/1', 'artifact': 'model.tflite'}
    """
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.tools import flatbuffer_utils

    if metadata.get("format", FORMAT) != FORMAT:
        raise ValueError(f"metadata of format {metadata['format']!r} is not zoo's ({FORMAT!r})")
    payload = _json_bytes({"format": FORMAT, **metadata}, "the metadata")
    _check_tflite(data, "the data")
    model = flatbuffer_utils.read_model_from_bytearray(bytearray(data))
    buffer = schema.BufferT(data=np.frombuffer(payload, np.uint8))
    model.metadata = model.metadata or []
    entry = next((entry for entry in model.metadata if _text(entry.name) == ENTRY), None)
    if entry is None:
        entry = schema.MetadataT(name=ENTRY)
        model.metadata.append(entry)
    if entry.buffer:  # an old entry's own buffer (buffer 0 is the shared empty one)
        model.buffers[entry.buffer] = buffer
    else:
        model.buffers.append(buffer)
        entry.buffer = len(model.buffers) - 1
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def read_metadata(data_or_path):
    """The zoo metadata of a TFLite file, or None when it has no `zoo_metadata` entry.

    Args:
        data_or_path: bytes of a .tflite file, or its path.

    Returns:
        The metadata dict (see the module's docstring), or None.

    Raises:
        ValueError: naming the file, when it is not a TFLite file or its `zoo_metadata` entry is not
            zoo's JSON (not UTF-8 JSON, not an object, or another format).

    Example:
        >>> read_metadata("saved_models/captioning/encoder.tflite")["recipe"]
        'captioning'
    """
    from ai_edge_litert import schema_py_generated as schema

    if isinstance(data_or_path, (str, os.PathLike)):
        where = os.fspath(data_or_path)
        with open(data_or_path, "rb") as file:
            data = file.read()
    else:
        where, data = "the TFLite data", bytes(data_or_path)
    _check_tflite(data, where)
    model = schema.Model.GetRootAs(data, 0)
    for index in range(model.MetadataLength()):
        entry = model.Metadata(index)
        if _text(entry.Name()) == ENTRY:
            return _parsed(_buffer_bytes(data, model.Buffers(entry.Buffer())), where)
    return None


def zoo_version():
    """The installed zoo's version ("unknown" when zoo runs without being installed)."""
    try:
        return importlib.metadata.version("zoo")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _checked_fields(fields, where):
    reserved = sorted(set(fields) & set(FILE_FIELDS))
    if reserved:
        raise ValueError(f"{where}: {reserved} come from the TFLite file itself and cannot be given")
    _json_bytes(fields, where)
    return dict(fields)


def _json_bytes(value, where):
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where} must hold JSON values (strings, numbers, lists, dicts): {error}") from error


def _check_tflite(data, where):
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ValueError(f"{where} is not a TFLite file (no TFL3 flatbuffer identifier)")


def _text(name):
    return name.decode("utf-8", "replace") if isinstance(name, bytes) else name


def _buffer_bytes(data, buffer):
    if buffer.Offset() > 1:  # a large model's buffer stored after the flatbuffer
        return data[buffer.Offset() : buffer.Offset() + buffer.Size()]
    return buffer.DataAsNumpy().tobytes() if not buffer.DataIsNone() else b""


def _parsed(payload, where):
    refused = f"the {ENTRY} entry of {where} is not zoo's metadata"
    try:
        metadata = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{refused}: not UTF-8 JSON ({error})") from error
    if not isinstance(metadata, dict):
        raise ValueError(f"{refused}: it holds a JSON {type(metadata).__name__}, not an object")
    if metadata.get("format") != FORMAT:
        raise ValueError(f"{refused}: its format is {metadata.get('format')!r}, not {FORMAT!r}")
    return metadata
