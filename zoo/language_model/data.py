"""Characters as ids, and text cut into the consecutive windows of truncated backpropagation
through time: the state a stateful layer keeps after one batch is where the next batch goes on."""

import collections
import json
import os

import numpy as np
import tensorflow as tf

from zoo.errors import UsageError

PAD, UNKNOWN = 0, 1
UNKNOWN_SHOWN = "\ufffd"  # how an unknown character prints


class CharacterVocabulary:
    """The characters a model reads and writes: id 0 pads, id 1 stands for every character outside
    the vocabulary, ids 2.. are the characters, most frequent first.

    Args:
        characters: the characters of ids 2, 3, ..., one string of length 1 each.

    Example:
        >>> vocabulary = CharacterVocabulary.build("abracadabra")
        >>> vocabulary.decode(vocabulary.encode("cab!"))
        'cab\ufffd'
    """

    def __init__(self, characters):
        characters = list(characters)
        if any(not isinstance(c, str) or len(c) != 1 for c in characters) or len(set(characters)) != len(characters):
            raise UsageError("`characters` must be distinct strings of one character each.")
        self.characters = characters
        self.ids = {c: i + 2 for i, c in enumerate(characters)}

    @classmethod
    def build(cls, text, min_count=1, max_size=None):
        """The characters of `text` seen at least `min_count` times, at most `max_size` of them (ids included)."""
        counts = collections.Counter(text)
        kept = sorted((c for c, n in counts.items() if n >= min_count), key=lambda c: (-counts[c], c))
        return cls(kept[: None if max_size is None else max(0, max_size - 2)])

    @property
    def size(self):
        return len(self.characters) + 2

    def encode(self, text):
        """int32 ids of every character of `text`."""
        ids = self.ids
        return np.fromiter((ids.get(c, UNKNOWN) for c in text), dtype=np.int32, count=len(text))

    def decode(self, ids):
        """The text of `ids` (padding left out, unknown characters as U+FFFD)."""
        shown = ["", UNKNOWN_SHOWN] + self.characters
        return "".join(shown[i] for i in np.asarray(ids).reshape(-1))

    def lookup_table(self):
        """A TensorFlow table character → id (unknown characters → 1), for graphs that read strings."""
        initializer = tf.lookup.KeyValueTensorInitializer(
            tf.constant(self.characters, tf.string), tf.constant(list(range(2, self.size)), tf.int64))
        return tf.lookup.StaticHashTable(initializer, default_value=UNKNOWN)

    def shown_characters(self):
        """A string tensor id → character, for graphs that write strings."""
        return tf.constant(["", UNKNOWN_SHOWN] + self.characters)

    def save(self, path):
        with open(path, "w", encoding="utf-8") as file:
            json.dump(self.characters, file, ensure_ascii=False)

    @classmethod
    def load(cls, path):
        if not os.path.isfile(path):
            raise UsageError(f"{path} not found: it is written by train.")
        with open(path, encoding="utf-8") as file:
            return cls(json.load(file))


def input_positions(length, streams, window):
    """(streams, steps): the positions in a text of `length` characters that `stream_windows` reads,
    stretch by stretch; the characters it predicts are those one position on."""
    steps = (length - 1) // streams // window * window
    if steps == 0:
        raise UsageError(f"a text of {length} characters is too short for {streams} streams of windows of {window}.")
    starts = np.arange(streams) * ((length - 1) // streams)
    return starts[:, None] + np.arange(steps)[None, :]


def stream_windows(ids, streams, window):
    """A text's ids cut for truncated BPTT: `streams` consecutive stretches of the text read side by
    side, `window` characters at a time.

    Row b of batch n is characters [n·window, (n+1)·window) of stretch b, so a stateful layer's state
    after batch n is the state at the start of batch n+1. The characters past the last whole window
    are left out.

    Returns:
        `(inputs, targets)`, int32 (batches, streams, window); targets are the inputs shifted by one.
    """
    ids = np.asarray(ids)
    positions = input_positions(len(ids), streams, window)
    inputs, targets = ids[positions], ids[positions + 1]

    def batched(rows):
        return np.ascontiguousarray(rows.reshape(streams, -1, window).transpose(1, 0, 2))

    return batched(inputs), batched(targets)


def window_dataset(ids, streams, window):
    """The windows of `stream_windows` as an ordered tf.data pipeline (never shuffled: order carries state)."""
    inputs, targets = stream_windows(ids, streams, window)
    return tf.data.Dataset.from_tensor_slices((inputs, targets)).prefetch(tf.data.AUTOTUNE)
