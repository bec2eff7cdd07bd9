"""The captioning recipe's data: the embedded scenes or a Flickr8k folder, a vocabulary built on
the training captions, and `tf.data` pipelines of (image, caption) pairs for teacher forcing."""

import collections
import dataclasses

import numpy as np
import tensorflow as tf

from zoo.errors import UsageError
from zoo.data import flickr8k, scenes
from zoo.data.cache import cached
from zoo.data.flickr8k import CaptionedImages
from zoo.text import UNKNOWN, Vocabulary, trim_to_longest

SPLITS = ("train", "validation", "test")
TEST_SEEN = "test_seen"  # the embedded data's in-distribution test split (new scenes of seen pairs)


@dataclasses.dataclass
class CaptioningData:
    """The three splits, the vocabulary of the training captions, and the skipped records."""

    splits: dict
    vocabulary: Vocabulary
    skipped: collections.Counter
    source: str

    def summary(self):
        sizes = ", ".join(
            f"{name} {len(self.splits[name].references)} images / "
            f"{sum(map(len, self.splits[name].references))} captions" for name in self.splits
        )
        skipped = ", ".join(f"{count} {kind}" for kind, count in sorted(self.skipped.items())) or "none"
        return f"data: {self.source}: {sizes}; vocabulary {self.vocabulary.size} tokens; skipped: {skipped}"


def embedded_scenes(config):
    """The scenes of `zoo.data.scenes`, generated once per seed and size and then read from the cache."""
    splits = {}
    counts = (config.train_images, config.validation_images, config.test_images, config.test_seen_images)
    for name, count in zip((*SPLITS, TEST_SEEN), counts):
        key = f"scenes-v{scenes.VERSION}-seed{config.seed}-{name}-{count}-{config.image_size}"

        def build(name=name, count=count):
            images, references = scenes.generate(name, count, seed=config.seed, image_size=config.image_size)
            return {"images": images}, references

        arrays, references = cached(key, build)
        names = [f"{name}-{index:05d}.png" for index in range(count)]
        splits[name] = CaptionedImages(arrays["images"], references, names)
    return splits


def load_data(config, data_path=None, progress=True, vocabulary=None):
    """The recipe's `CaptioningData`: `data_path` (a Flickr8k folder) or the embedded scenes, with
    `vocabulary` (a trained model's) or one built on the training captions."""
    skipped = collections.Counter()
    if data_path:
        everything, skipped = flickr8k.read_flickr8k(data_path, config.image_size, progress=progress)
        splits = flickr8k.split(everything, config.validation_fraction, config.test_fraction)
        empty = [name for name in SPLITS if not splits[name].references]
        if empty:
            raise UsageError(
                f"--data {data_path}: the {' and '.join(empty)} split(s) of its {len(everything.names)} images are "
                "empty; give more images or larger validation_fraction / test_fraction."
            )
        source = data_path
    else:
        splits, source = embedded_scenes(config), "embedded scenes"
    if vocabulary is None:
        training_captions = [caption for captions in splits["train"].references for caption in captions]
        vocabulary = Vocabulary.build(training_captions, min_count=config.min_token_count)
    return CaptioningData(splits, vocabulary, skipped, source)


def pairs(data, vocabulary, max_length):
    """Every (image index, caption ids) pair of a split: int32 (pairs,) and (pairs, max_length + 1),
    the ids [START] w_1 ... w_n [END] cut to max_length + 1 and padded with 0."""
    indices = np.repeat(np.arange(len(data.references), dtype=np.int32), [len(refs) for refs in data.references])
    captions = [caption for refs in data.references for caption in refs]
    return indices, vocabulary.encode(captions, max_length + 1)


def drop_words(tokens, rate, unknown_id, seed):
    """Word dropout (Bowman et al., 2016): each input word of `tokens` (batch, time), [START] and padding
    excepted, becomes [UNK] with probability `rate`, so the decoder learns to lean on the image
    rather than on the word before."""
    keep = tf.random.stateless_uniform(tf.shape(tokens), seed) >= rate
    droppable = tf.logical_and(tf.not_equal(tokens, 0), tf.range(tf.shape(tokens)[1])[None, :] > 0)
    return tf.where(tf.logical_and(droppable, tf.logical_not(keep)), tf.cast(unknown_id, tokens.dtype), tokens)


def caption_dataset(data, vocabulary, batch_size, max_length, shuffle=False, seed=0, word_dropout=0.0):
    """A `tf.data.Dataset` of ({"image", "tokens"}, targets) batches for teacher forcing.

    Each element pairs an image with one of its captions: tokens are [START] w_1 ... w_n and
    targets w_1 ... w_n [END], padded with 0 to the longest caption of the batch. With
    `word_dropout`, that share of the input words is [UNK] (`drop_words`, drawn anew every epoch);
    the targets stay whole.
    """
    indices, ids = pairs(data, vocabulary, max_length)
    images = tf.constant(data.images)
    dataset = tf.data.Dataset.from_tensor_slices((indices, ids))
    if shuffle:
        dataset = dataset.shuffle(len(indices), seed=seed, reshuffle_each_iteration=True)
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)  # per batch, new each epoch

    def to_example(batch, batch_seed):
        index, ids = batch
        ids = trim_to_longest(ids)
        tokens = ids[:, :-1]
        if word_dropout > 0:
            tokens = drop_words(tokens, word_dropout, vocabulary.ids[UNKNOWN], batch_seed)
        return {"image": tf.cast(tf.gather(images, index), tf.float32), "tokens": tokens}, ids[:, 1:]

    batches = tf.data.Dataset.zip(dataset.batch(batch_size), seeds)
    return batches.map(to_example, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def training_datasets(data, config):
    """The (train, validation) datasets a captioner trains on, from `config` (batch size, caption
    length, seed; word dropout on the training split only)."""
    return tuple(
        caption_dataset(data.splits[split], data.vocabulary, config.batch_size, config.max_caption_length,
                        shuffle=split == "train", seed=config.seed,
                        word_dropout=config.word_dropout if split == "train" else 0.0)
        for split in ("train", "validation"))
