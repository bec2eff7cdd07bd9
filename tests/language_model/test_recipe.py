import pytest

from zoo.errors import UsageError
from zoo.language_model.config import SAMPLING_KEYS, LanguageModelConfig
from zoo.language_model.recipe import RECIPE, VOCABULARY_FILE

TEXT = "def main():\n    return 0\n" * 200


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(TEXT)
    return LanguageModelConfig(data=str(path), min_count=1)


def test_train_saves_the_vocabulary_and_the_other_verbs_read_it_back(config, tmp_path):
    workdir = tmp_path / "run"
    workdir.mkdir()
    data = RECIPE.load_data(config, str(workdir), training=True)
    assert set(data.vocabulary.characters) == set(TEXT)
    (workdir / VOCABULARY_FILE).write_text('["d", "e", "f"]')  # the trained model's, not the corpus'
    reread = RECIPE.load_data(config, str(workdir), training=False)
    assert reread.vocabulary.characters == ["d", "e", "f"] and reread.vocabulary.size == 5
    assert RECIPE.load_data(config, None, training=False).vocabulary.characters == data.vocabulary.characters  # tune
    (workdir / VOCABULARY_FILE).unlink()
    with pytest.raises(UsageError, match="characters.json not found"):
        RECIPE.load_data(config, str(workdir), training=False)


def test_predict_takes_only_the_sampling_settings_and_tuning_maximizes_negative_bits_per_character(config):
    assert RECIPE.predict_keys == SAMPLING_KEYS and RECIPE.predict_inputs == "+"
    target = RECIPE.tuning_target(RECIPE.load_data(config, None, training=False), config)
    assert (target.recipe, target.objective) == ("language_model", "val_neg_bits_per_character")
