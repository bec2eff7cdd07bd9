"""Tokenization with tensorflow-text and vocabularies with reserved tokens.

Text is case-folded (`tensorflow_text.case_fold_utf8`) and split on whitespace
(`tensorflow_text.WhitespaceTokenizer`), the same ops on the Python side and inside a SavedModel.
"""

import collections
import os

import numpy as np
import tensorflow as tf
import tensorflow_text as tf_text

from zoo.errors import UsageError

PAD, UNKNOWN, START, END = "[PAD]", "[UNK]", "[START]", "[END]"
RESERVED = (PAD, UNKNOWN, START, END)  # ids 0, 1, 2, 3


def tokenize(texts):
    """Case-folded whitespace tokens: a `tf.RaggedTensor` of strings (batch, None)."""
    return tf_text.WhitespaceTokenizer().tokenize(tf_text.case_fold_utf8(tf.convert_to_tensor(texts)))


def trim_to_longest(ids):
    """A right-padded batch of ids (batch, length) cut to its longest row, in TensorFlow."""
    return ids[:, : tf.reduce_max(tf.reduce_sum(tf.cast(ids > 0, tf.int32), axis=1))]


def ids_to_text(tokens, ids, separator=" "):
    """Texts (batch,) from ids (batch, length) in TensorFlow: the tokens before the first [END],
    [PAD]/[START]/[END] dropped ([UNK] kept), joined by `separator`.

    Args:
        tokens: string tensor (vocab_size,), the vocabulary's tokens in id order.
        ids: int (batch, length).
        separator: str, default " ".
    """
    ids = tf.cast(ids, tf.int32)
    end_id = RESERVED.index(END)
    before_end = tf.math.cumsum(tf.cast(tf.equal(ids, end_id), tf.int32), axis=1, exclusive=True) == 0
    dropped = tf.reduce_any(tf.equal(ids[..., None], [RESERVED.index(PAD), RESERVED.index(START), end_id]), axis=-1)
    return tf.strings.reduce_join(tf.ragged.boolean_mask(tf.gather(tokens, ids), before_end & ~dropped), axis=1,
                                  separator=separator)


class Vocabulary:
    """Token ↔ id mapping with [PAD]=0, [UNK]=1, [START]=2, [END]=3 reserved.

    Args:
        tokens: the non-reserved tokens, most frequent first.

    Example:
        >>> vocab = Vocabulary.build(["a red circle", "a blue square"])
        >>> vocab.encode(["a red square"], max_length=6)
        array([[2, 4, 7, 8, 3, 0]], dtype=int32)
        >>> vocab.decode([[2, 4, 7, 8, 3, 0]])
        ['a red square']
    """

    def __init__(self, tokens):
        tokens = list(tokens)
        clashes = [t for t in tokens if t in RESERVED]
        if clashes or len(set(tokens)) != len(tokens):
            raise UsageError(f"`tokens` must be unique and exclude the reserved {RESERVED}; received {clashes or 'duplicates'}.")
        self.tokens = list(RESERVED) + tokens
        self.ids = {token: index for index, token in enumerate(self.tokens)}

    @classmethod
    def build(cls, texts, min_count=1, max_size=None):
        """A vocabulary of the tokens of `texts` seen at least `min_count` times, most frequent first."""
        counts = collections.Counter(
            token.decode() for row in tokenize(list(texts)).to_list() for token in row
        )
        ranked = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
        return cls(ranked[:max_size] if max_size else ranked)

    @property
    def size(self):
        return len(self.tokens)

    def encode(self, texts, max_length):
        """int32 (batch, max_length): [START] tokens [END], padded with 0, cut to `max_length`."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, max_length), np.int32)
        rows = []
        for row in tokenize(texts).to_list():
            ids = [self.ids[START]] + [self.ids.get(t.decode(), self.ids[UNKNOWN]) for t in row] + [self.ids[END]]
            rows.append(ids[:max_length] + [0] * max(0, max_length - len(ids)))
        return np.asarray(rows, dtype=np.int32).reshape(len(rows), max_length)

    def lookup_table(self):
        """A `tf.lookup.StaticHashTable` token → id ([UNK] for the rest), for graphs (a SavedModel)."""
        initializer = tf.lookup.KeyValueTensorInitializer(
            tf.constant(self.tokens), tf.range(self.size, dtype=tf.int32))
        return tf.lookup.StaticHashTable(initializer, default_value=self.ids[UNKNOWN])

    def encode_tf(self, table, texts, max_length):
        """`encode` in TensorFlow, with `table = self.lookup_table()`: int32 (batch, max_length)."""
        ids = table.lookup(tokenize(texts))
        start = tf.fill([ids.nrows(), 1], self.ids[START])
        end = tf.fill([ids.nrows(), 1], self.ids[END])
        ids = tf.concat([start, ids, end], axis=1)[:, :max_length]
        return ids.to_tensor(default_value=0, shape=[None, max_length])

    def decode(self, ids):
        """Texts from id rows: stops at [END], drops [PAD] and [START]."""
        texts = []
        for row in np.asarray(ids).tolist():
            words = []
            for index in row:
                if index == self.ids[END]:
                    break
                if index not in (self.ids[PAD], self.ids[START]):
                    words.append(self.tokens[index] if 0 <= index < self.size else UNKNOWN)
            texts.append(" ".join(words))
        return texts

    def save(self, path):
        """Writes one token per line (reserved first): the vocabulary file beside exported models."""
        with open(path, "w", encoding="utf-8") as file:
            file.write("\n".join(self.tokens) + "\n")

    @classmethod
    def load(cls, path):
        if not os.path.isfile(path):
            raise UsageError(f"vocabulary file {path} not found.")
        with open(path, encoding="utf-8") as file:
            tokens = [line.rstrip("\n") for line in file if line.rstrip("\n")]
        if tuple(tokens[: len(RESERVED)]) != RESERVED:
            raise UsageError(f"{path}: expected the reserved tokens {RESERVED} on its first lines.")
        return cls(tokens[len(RESERVED) :])
