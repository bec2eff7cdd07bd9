"""A refusal carries the artifact it refused as data."""

from zoo.export.errors import ExportError
from zoo.export.exporter import refusal_row


def test_a_refusal_row_names_the_artifact_from_the_error_not_its_message():
    error = ExportError(artifact="model_int8.tflite", reason="agrees on 91.0 % of positions: below 98.0 %")
    assert refusal_row(error) == {"artifact": "model_int8.tflite",
                                  "refused": "model_int8.tflite: agrees on 91.0 % of positions: below 98.0 %"}
    assert ExportError("TFLite conversion (int8) failed: x: y").artifact is None
    assert refusal_row(ExportError("conversion: timed out")) == {"artifact": None, "refused": "conversion: timed out"}
