"""Word dropout hides input words, never [START], padding or a target."""

import numpy as np
import tensorflow as tf

from zoo.captioning.data import caption_dataset, drop_words
from zoo.data.flickr8k import CaptionedImages
from zoo.text import Vocabulary

UNK = 1


def test_drop_words_hides_about_the_rate_of_words_and_nothing_else():
    rng = np.random.default_rng(0)
    tokens = rng.integers(4, 30, size=(400, 12)).astype(np.int32)
    tokens[:, 0] = 2  # [START]
    tokens[:, 9:] = 0  # padding
    dropped = drop_words(tf.constant(tokens), 0.3, UNK, tf.constant([7, 8], tf.int64)).numpy()

    hidden = dropped != tokens
    assert np.all(dropped[hidden] == UNK)
    assert not hidden[:, 0].any() and not hidden[:, 9:].any()
    assert abs(hidden[:, 1:9].mean() - 0.3) < 0.03  # 3,200 draws: 4 standard deviations is 0.032
    assert np.array_equal(drop_words(tf.constant(tokens), 0.0, UNK, tf.constant([7, 8], tf.int64)).numpy(), tokens)


def test_caption_dataset_drops_input_words_only_and_anew_each_epoch():
    vocabulary = Vocabulary.build(["a red circle left of a blue square", "two green squares"])
    images = np.zeros((2, 8, 8, 3), np.uint8)
    data = CaptionedImages(images, [["a red circle left of a blue square"] * 40, ["two green squares"] * 40],
                           ["one.jpg", "two.jpg"])
    whole = next(iter(caption_dataset(data, vocabulary, 80, 12)))
    dataset = caption_dataset(data, vocabulary, 80, 12, word_dropout=0.5, seed=3)
    first, second = next(iter(dataset)), next(iter(dataset))

    np.testing.assert_array_equal(first[1], whole[1])  # targets whole
    tokens = first[0]["tokens"].numpy()
    changed = tokens != whole[0]["tokens"].numpy()
    assert changed.any() and np.all(tokens[changed] == UNK)
    assert not np.array_equal(first[0]["tokens"], second[0]["tokens"])  # new draws each epoch
