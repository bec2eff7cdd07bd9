import numpy as np
import pytest
import tensorflow as tf

from zoo.language_model.data import UNKNOWN, CharacterVocabulary, input_positions, stream_windows


def test_vocabulary_orders_by_frequency_and_reads_rare_characters_as_unknown():
    vocabulary = CharacterVocabulary.build("aaaabbbcc\u00e9", min_count=2)
    assert vocabulary.characters == ["a", "b", "c"] and vocabulary.size == 5
    np.testing.assert_array_equal(vocabulary.encode("abc\u00e9z"), [2, 3, 4, UNKNOWN, UNKNOWN])
    assert vocabulary.decode([2, 0, 3, 1]) == "ab\ufffd"
    assert CharacterVocabulary.build("aaab", max_size=3).characters == ["a"]


def test_vocabulary_round_trips_through_its_file_and_its_tensorflow_table(tmp_path):
    vocabulary = CharacterVocabulary.build("line one\n\tline two: é\n")
    vocabulary.save(tmp_path / "characters.json")
    loaded = CharacterVocabulary.load(tmp_path / "characters.json")
    assert loaded.characters == vocabulary.characters
    text = "tone\t\né?"
    table_ids = vocabulary.lookup_table().lookup(tf.strings.unicode_split(text, "UTF-8")).numpy()
    np.testing.assert_array_equal(table_ids, vocabulary.encode(text))
    with pytest.raises(ValueError, match="not found"):
        CharacterVocabulary.load(tmp_path / "missing.json")


def test_windows_continue_where_the_previous_batch_stopped():
    ids = np.arange(1000)
    inputs, targets = stream_windows(ids, streams=4, window=10)
    assert inputs.shape == targets.shape == (24, 4, 10)
    np.testing.assert_array_equal(targets, inputs + 1)
    for batch in range(len(inputs) - 1):  # each stream reads on: window n+1 starts after window n
        np.testing.assert_array_equal(inputs[batch + 1][:, 0], inputs[batch][:, -1] + 1)
    np.testing.assert_array_equal(inputs[0][:, 0], [0, 249, 498, 747])
    np.testing.assert_array_equal(np.sort(input_positions(1000, 4, 10).reshape(-1)), np.sort(inputs.reshape(-1)))
    with pytest.raises(ValueError, match="too short"):
        stream_windows(np.arange(30), streams=4, window=10)
