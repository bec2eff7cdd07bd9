"""Subword tokenization with tensorflow-text that turns back into the exact text.

A text is first split into pre-tokens — runs of letters, single digits, single other characters
(punctuation, symbols, no-break spaces) and "▁" for each space — and every pre-token is then cut
into WordPiece subwords ("dreihundertsiebenundvierzig" → "drei", "##hundert", "##sieben", ...)
with a vocabulary learned on the training side (`tensorflow_text`'s `bert_vocab_from_dataset`).
Decoding glues the pieces, drops "##" and turns "▁" back into spaces, so detokenized text equals
the original ("22 ноября 2026 г." ↔ 2 2 ▁ ноября ▁ 2 0 2 6 ▁ г .). Digits are tokens of their
own, so numbers never seen in training are written from digits that were. The same TensorFlow
ops run in Python and inside a SavedModel (which then needs `import tensorflow_text` to load).
"""

import tensorflow as tf
import tensorflow_text as tf_text

from zoo.text import END, RESERVED, START, UNKNOWN, Vocabulary
from zoo.text import ids_to_text as text_from_ids

SPACE = "▁"
PRETOKEN = r"(\p{L}+|\d|▁|[^\p{L}\d▁])"
SUFFIX = "##"


def pretokenize(texts):
    """Pre-tokens of each text (`tf.RaggedTensor` of strings): letter runs, digits, other characters,
    and "▁" for each run of spaces (leading and trailing spaces dropped)."""
    texts = tf.strings.regex_replace(tf.strings.strip(tf.convert_to_tensor(texts, dtype=tf.string)), " +", SPACE)
    return tf_text.regex_split(texts, PRETOKEN, PRETOKEN)


def learn_vocabulary(texts, vocab_size=2000, min_count=2):
    """WordPiece tokens learned on `texts` with tensorflow-text, the reserved tokens first.

    Args:
        texts: the training sentences of one language.
        vocab_size: int, default 2000. The size the learner aims at.
        min_count: int, default 2. Pieces seen fewer times are left out (single characters stay).
    """
    from tensorflow_text.tools.wordpiece_vocab import bert_vocab_from_dataset as learner

    pieces = tf.data.Dataset.from_tensor_slices(pretokenize(list(texts)).flat_values).batch(4096)
    tokens = learner.bert_vocab_from_dataset(
        pieces, vocab_size=vocab_size, reserved_tokens=list(RESERVED), bert_tokenizer_params={"lower_case": False},
        learn_params={"lower_thresh": min_count},
    )
    return tokens


class SubwordVocabulary(Vocabulary):
    """A `zoo.text.Vocabulary` of WordPiece tokens whose `encode`/`decode` round-trip exact text.

    Args:
        tokens: the non-reserved tokens (single characters, "##" suffix pieces, "▁").

    Example:
        >>> vocab = SubwordVocabulary.learn(["22 ноября 2026 г.", "5 литров"])
        >>> vocab.decode(vocab.encode(["22 ноября"], max_length=12))
        ['22 ноября']
    """

    def __init__(self, tokens):
        super().__init__(tokens)
        self.tokenizer = tf_text.FastWordpieceTokenizer(
            self.tokens, suffix_indicator=SUFFIX, unknown_token=UNKNOWN, no_pretokenization=True,
            token_out_type=tf.int32,
        )

    @classmethod
    def learn(cls, texts, vocab_size=2000, min_count=2):
        """The vocabulary learned on `texts` (see `learn_vocabulary`)."""
        return cls(learn_vocabulary(texts, vocab_size, min_count)[len(RESERVED):])

    def ids_tf(self, texts):
        """Token ids of each text, in TensorFlow: int32 `tf.RaggedTensor` (batch, None)."""
        return self.tokenizer.tokenize(pretokenize(texts)).merge_dims(-2, -1)

    def encode(self, texts, max_length):
        """int32 (batch, max_length): [START] tokens [END], padded with 0, cut to `max_length`."""
        ids = self.ids_tf(list(texts))
        start = tf.fill([ids.nrows(), 1], self.ids[START])
        end = tf.fill([ids.nrows(), 1], self.ids[END])
        rows = tf.concat([start, ids, end], axis=1)
        return rows.to_tensor(default_value=0, shape=[None, max_length]).numpy()

    def lengths(self, texts):
        """The number of tokens of each text (without [START] and [END])."""
        return self.ids_tf(list(texts)).row_lengths().numpy()

    def decode(self, ids):
        """Texts from id rows: the tokens up to [END], reserved ones dropped, glued back."""
        return [text.decode("utf-8") for text in ids_to_text(tf.constant(self.tokens), tf.constant(ids)).numpy()]


def ids_to_text(tokens, ids):
    """Texts (batch,) from subword ids (batch, length) in TensorFlow: the tokens before the first
    [END], reserved ones dropped, pieces glued ("##" removed) and "▁" turned into spaces.

    Args:
        tokens: string tensor (vocab_size,), the vocabulary's tokens in id order.
        ids: int (batch, length).
    """
    text = text_from_ids(tokens, ids, separator="")
    return tf.strings.regex_replace(tf.strings.regex_replace(text, SUFFIX, ""), SPACE, " ")
