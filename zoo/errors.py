"""The error type of bad input and bad settings."""


class UsageError(ValueError):
    """Bad input or a bad setting, named with what was expected: a recipe's command line prints its
    message alone and exits with status 2. Any other exception is a bug (in zoo or below it) and keeps
    its traceback. A `ValueError`, so Python callers catch it as one.

    Example:
        >>> raise UsageError("--set units=0: units must be a positive integer.")
    """
