"""Skipped records: counted by kind, the first few of each kind reported with file and line."""

import collections
import sys

MESSAGES_PER_KIND = 5  # the rest of a kind is only counted


class SkippedLines:
    """Call it with `(kind, message)` for each record a reader skips; `counts` holds the totals.

    Args:
        stream: where the messages go (default stderr).
    """

    def __init__(self, stream=sys.stderr):
        self.counts, self.stream = collections.Counter(), stream

    def __call__(self, kind, message):
        self.counts[kind] += 1
        if self.counts[kind] <= MESSAGES_PER_KIND:
            print(f"skipped: {message}", file=self.stream)
        elif self.counts[kind] == MESSAGES_PER_KIND + 1:
            print(f"skipped: further '{kind}' records are only counted", file=self.stream)
