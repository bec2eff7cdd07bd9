"""What train writes beside the models (labels, vocabulary) is written whole or not at all."""

import os
import types

import pytest

from zoo.sequence_classification import recipe as classification
from zoo.text import Vocabulary


class BrokenVocabulary(Vocabulary):
    def save(self, path):
        with open(path, "w", encoding="utf-8") as file:
            file.write("[PAD]\n")
        raise OSError("disk full")


def test_a_failed_vocabulary_write_keeps_the_previous_file_whole(tmp_path):
    good = types.SimpleNamespace(labels=["no", "yes"], vocabulary=Vocabulary(["good"]))
    classification._save_vocabularies(good, tmp_path)
    before = (tmp_path / classification.VOCABULARY_FILE).read_text()
    broken = types.SimpleNamespace(labels=["no", "yes"], vocabulary=BrokenVocabulary(["bad"]))
    with pytest.raises(OSError, match="disk full"):
        classification._save_vocabularies(broken, tmp_path)
    assert (tmp_path / classification.VOCABULARY_FILE).read_text() == before
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".")], "no staging file left behind"


def test_tune_maximizes_the_main_model_s_validation_accuracy():
    from zoo.sequence_classification.config import SequenceClassificationConfig
    from zoo.sequence_classification.data import load_data

    config = SequenceClassificationConfig()
    assert classification.RECIPE.tuning_target(load_data(config), config).objective == "val_accuracy"
    assert classification.RECIPE.model_names(config) == ["simple_rnn", "gru", "main"]
