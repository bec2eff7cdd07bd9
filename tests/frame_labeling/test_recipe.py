import json

import pytest

from zoo.errors import UsageError
from zoo.frame_labeling.config import FrameLabelingConfig
from zoo.frame_labeling.recipe import MAIN, RECIPE, STREAMING

SMALL = dict(train_utterances=4, validation_utterances=2, test_utterances=2)


def test_the_models_are_the_comparisons_the_main_one_and_the_streaming_one_in_table_order():
    config = FrameLabelingConfig(compare=("mlp", "unidirectional", "gru"), cell="lstm")
    assert RECIPE.model_names(config) == ["mlp", "unidirectional", "gru", MAIN, STREAMING]
    assert [RECIPE.describe(name, config) for name in RECIPE.model_names(config)] == [
        "per-frame MLP", "unidirectional lstm", "bidirectional gru", "bidirectional lstm (main)",
        "streaming lstm (causal)"]
    assert RECIPE.model_names(FrameLabelingConfig(compare=(), streaming=False)) == [MAIN]


def test_train_saves_the_labels_and_the_other_verbs_refuse_data_with_other_labels(tmp_path):
    config = FrameLabelingConfig(**SMALL)
    data = RECIPE.load_data(config, str(tmp_path), training=True)
    assert json.loads((tmp_path / "labels.json").read_text()) == list(data.labels)
    assert RECIPE.load_data(config, str(tmp_path), training=False).labels == data.labels
    assert RECIPE.load_data(config, None, training=False).labels == data.labels  # tune: no workdir
    (tmp_path / "labels.json").write_text(json.dumps(list(reversed(data.labels))))
    with pytest.raises(UsageError, match="differ from the trained model's"):
        RECIPE.load_data(config, str(tmp_path), training=False)
    (tmp_path / "labels.json").unlink()
    with pytest.raises(UsageError, match="labels.json not found"):
        RECIPE.load_data(config, str(tmp_path), training=False)


def test_tuning_maximizes_validation_frame_accuracy():
    config = FrameLabelingConfig(**SMALL)
    target = RECIPE.tuning_target(RECIPE.load_data(config, None, training=False), config)
    assert (target.recipe, target.objective) == ("frame_labeling", "val_frame_accuracy")
