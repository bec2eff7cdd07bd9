"""The error an export raises when it refuses to write an artifact."""


class ExportError(RuntimeError):
    """An artifact failed its check (parity, ops, conversion) and was not written."""
