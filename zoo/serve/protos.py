"""The model status and metadata answers of TensorFlow Serving's REST API, built from its own protos
(`tensorflow-serving-api`) and printed the way its REST handler prints them: field names as in the
.proto files, and fields holding their default value printed too."""

from google.protobuf import json_format
from tensorflow.core.protobuf import error_codes_pb2, saved_model_pb2
from tensorflow_serving.apis import get_model_metadata_pb2, get_model_status_pb2

_PRINT = dict(preserving_proto_field_name=True, always_print_fields_with_no_presence=True)


def signature_defs(saved_model_pb):
    """`{name: SignatureDef}` of the serving meta graph in a SavedModel's `saved_model.pb`."""
    proto = saved_model_pb2.SavedModel()
    with open(saved_model_pb, "rb") as file:
        proto.ParseFromString(file.read())
    for meta_graph in proto.meta_graphs:
        if "serve" in meta_graph.meta_info_def.tags:
            return {name: value for name, value in meta_graph.signature_def.items() if not name.startswith("__")}
    return {}


def status_json(versions):
    """`GetModelStatusResponse` as JSON: `versions` is a list of `(number, state name, error message)`, e.g.
    `(2, "AVAILABLE", "")`; a message makes the status code UNKNOWN (a version that failed to load)."""
    response = get_model_status_pb2.GetModelStatusResponse()
    for number, state, message in versions:
        entry = response.model_version_status.add()
        entry.version = number
        entry.state = get_model_status_pb2.ModelVersionStatus.State.Value(state)
        entry.status.SetInParent()  # error_code OK, error_message "", printed as TF Serving prints them
        if message:
            entry.status.error_code = error_codes_pb2.UNKNOWN
            entry.status.error_message = message
    return json_format.MessageToDict(response, **_PRINT)


def metadata_json(name, version, signatures):
    """`GetModelMetadataResponse` as TF Serving's REST API answers it: the model spec, and the signature
    definitions under `metadata.signature_def` (a `SignatureDefMap`, printed unpacked from its `Any`)."""
    response = get_model_metadata_pb2.GetModelMetadataResponse()
    response.model_spec.name = name
    response.model_spec.version.value = version
    signature_map = get_model_metadata_pb2.SignatureDefMap()
    for key, value in signatures.items():
        signature_map.signature_def[key].CopyFrom(value)
    response.metadata["signature_def"].Pack(signature_map)
    return {"model_spec": json_format.MessageToDict(response.model_spec, **_PRINT),
            "metadata": {"signature_def": json_format.MessageToDict(signature_map, **_PRINT)}}
