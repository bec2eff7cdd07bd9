"""The error a request gets: an HTTP status and one message, answered as `{"error": message}`."""


class RequestError(Exception):
    """A request the server refuses, with TensorFlow Serving's status code for it.

    Args:
        status: int. 400 (a bad request), 404 (no such model or version), 413 (body too large),
            504 (past the request timeout), 503 (shutting down).
        message: str. What was wrong and what was expected.

    Example:
        >>> raise RequestError(404, "Servable not found for request: Latest(captioning)")
    """

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message
