"""The translation recipe's data: the embedded phrases or a TSV of pairs, WordPiece vocabularies
learned on the training side, and `tf.data` pipelines for teacher forcing."""

import collections
import dataclasses

import tensorflow as tf

from zoo.errors import UsageError
from zoo.data import phrases
from zoo.data.cache import cached
from zoo.data.sentence_pairs import read_sentence_pairs
from zoo.data.splits import assign_splits, describe_moves
from zoo.subwords import SubwordVocabulary
from zoo.text import trim_to_longest

SPLITS = ("train", "validation", "test")


@dataclasses.dataclass
class Vocabularies:
    """The source and target vocabularies: all that translating needs besides the model."""

    source_vocabulary: SubwordVocabulary
    target_vocabulary: SubwordVocabulary


@dataclasses.dataclass
class TranslationData(Vocabularies):
    """The three splits (lists of (source, target) pairs), both vocabularies, and what was skipped."""

    splits: dict = None
    skipped: collections.Counter = None
    source: str = ""

    def summary(self):
        sizes = ", ".join(f"{name} {len(self.splits[name])} pairs" for name in SPLITS)
        skipped = ", ".join(f"{count} {kind}" for kind, count in sorted(self.skipped.items())) or "none"
        return (f"data: {self.source}: {sizes}; vocabularies {self.source_vocabulary.size} / "
                f"{self.target_vocabulary.size} tokens; skipped: {skipped}")


def embedded_pairs(config):
    """The phrases of `zoo.data.phrases`, generated once per seed, language and size, then cached."""
    splits = {}
    for name, count in zip(SPLITS, (config.train_pairs, config.validation_pairs, config.test_pairs)):
        key = f"phrases-v{phrases.VERSION}-{config.target_lang}-seed{config.seed}-{name}-{count}"
        _, pairs = cached(key, lambda name=name, count=count: (
            {}, phrases.generate(name, count, config.target_lang, config.seed)))
        splits[name] = [tuple(pair) for pair in pairs]
    return splits


def file_pairs(config):
    """The pairs of `config.data` split by a hash of each source sentence (a held-out split the hash leaves
    empty gets one training sentence), and the skipped lines."""
    pairs, skipped = read_sentence_pairs(config.data, reverse=config.reverse)
    assignment, moved = assign_splits([source for source, _ in pairs], config.validation_fraction, config.test_fraction)
    if moved:
        print(f"split: {describe_moves(moved, 'source sentence')}")
    splits = {name: [] for name in SPLITS}
    for pair in pairs:
        splits[assignment[pair[0]]].append(pair)
    return splits, skipped


def _drop_long(pairs, data, config, skipped):
    """The pairs that fit max_source_length / max_target_length; the others are counted."""
    if not pairs:
        return pairs
    source_lengths = data.source_vocabulary.lengths([s for s, _ in pairs])
    target_lengths = data.target_vocabulary.lengths([t for _, t in pairs])
    fits = (source_lengths <= config.max_source_length) & (target_lengths + 1 <= config.max_target_length)
    skipped["too long"] += int((~fits).sum())
    return [pair for pair, keep in zip(pairs, fits) if keep]


def load_data(config, vocabularies=None):
    """The recipe's `TranslationData`: `config.data` (a TSV file) or the embedded phrases.

    Args:
        config: a `TranslationConfig`.
        vocabularies: optional `(source, target)` SubwordVocabulary pair (a trained model's); learned
            on the training pairs when None.
    """
    if config.data:
        splits, skipped = file_pairs(config)
        origin = config.data
    else:
        splits, skipped, origin = embedded_pairs(config), collections.Counter(), f"embedded phrases (en → {config.target_lang})"
    if vocabularies is None:
        vocabularies = tuple(
            SubwordVocabulary.learn([pair[side] for pair in splits["train"]], config.vocab_size, config.min_token_count)
            for side in (0, 1)
        )
    data = TranslationData(vocabularies[0], vocabularies[1], skipped=skipped, source=origin)
    data.splits = {name: _drop_long(pairs, data, config, skipped) for name, pairs in splits.items()}
    empty = [name for name in SPLITS if not data.splits[name]]
    if empty:
        raise UsageError(f"{origin}: the {' and '.join(empty)} split(s) hold no pair within max_source_length / "
                         "max_target_length; give more data, larger fractions or longer limits.")
    return data


def source_ids(vocabulary, texts, max_length):
    """int32 (count, max_length): the source tokens (no [START]/[END]), cut to max_length, padded with 0."""
    return vocabulary.ids_tf(list(texts)).to_tensor(default_value=0, shape=[None, max_length]).numpy()


def translation_dataset(pairs, data, config, shuffle=False):
    """A `tf.data.Dataset` of ({"source", "tokens"}, targets) batches for teacher forcing: tokens are
    [START] y_1 ... y_n and targets y_1 ... y_n [END], each batch cut to its longest sentences."""
    sources = source_ids(data.source_vocabulary, [s for s, _ in pairs], config.max_source_length)
    targets = data.target_vocabulary.encode([t for _, t in pairs], config.max_target_length + 1)
    dataset = tf.data.Dataset.from_tensor_slices((sources, targets))
    if shuffle:
        dataset = dataset.shuffle(len(pairs), seed=config.seed, reshuffle_each_iteration=True)

    def to_example(source, target):
        target = trim_to_longest(target)
        return {"source": trim_to_longest(source), "tokens": target[:, :-1]}, target[:, 1:]

    return dataset.batch(config.batch_size).map(to_example, num_parallel_calls=tf.data.AUTOTUNE).prefetch(
        tf.data.AUTOTUNE)
