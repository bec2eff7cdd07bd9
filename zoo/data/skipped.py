"""Skipped records: counted by kind, the first few of each kind reported with file and line."""

import collections
import sys

MESSAGES_PER_KIND = 5  # the rest of a kind is only counted


class SkippedLines:
    """Call it with `(kind, message)` for each record a reader skips; `counts` holds the totals.

    Args:
        stream: where the messages go (default: sys.stderr at the time of each message).
    """

    def __init__(self, stream=None):
        self.counts, self._stream = collections.Counter(), stream

    @property
    def stream(self):
        return self._stream or sys.stderr

    def __call__(self, kind, message):
        self.counts[kind] += 1
        if self.counts[kind] <= MESSAGES_PER_KIND:
            print(f"skipped: {message}", file=self.stream)
        elif self.counts[kind] == MESSAGES_PER_KIND + 1:
            print(f"skipped: further '{kind}' records are only counted", file=self.stream)
