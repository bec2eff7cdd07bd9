"""The error an export raises when it refuses to write an artifact."""


class ExportError(RuntimeError):
    """An artifact failed its check (parity, ops, conversion) and was not written.

    Args:
        reason: str. What failed.
        artifact: optional str. The file refused (e.g. "model_int8.tflite"), as data for reports; None
            when the failure is not one file's (a conversion run, the whole export).

    Example:
        >>> error = ExportError(artifact="model_int8.tflite", reason="picks the Keras token at 91.0 % of steps")
        >>> error.artifact, str(error)
        ('model_int8.tflite', 'model_int8.tflite: picks the Keras token at 91.0 % of steps')
    """

    def __init__(self, reason, artifact=None):
        self.reason, self.artifact = reason, artifact
        super().__init__(f"{artifact}: {reason}" if artifact else reason)
