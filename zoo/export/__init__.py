"""Export to SavedModel (serving) and TFLite (mobile), each artifact proved against Keras first.

    from zoo.export import export_model
    export_model(model, "saved_models/my_model", example_inputs=test_batch)

`python -m zoo.export --workdir DIR` exports the `model.keras` a recipe left in DIR.
"""

from zoo.export.errors import ExportError
from zoo.export.exporter import export_model, report_table

__all__ = ["ExportError", "export_model", "report_table"]
