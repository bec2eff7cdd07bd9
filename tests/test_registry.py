import keras
import numpy as np
import pytest

from zoo import registry
from zoo.registry import create_model, example_batch, list_models, register_model


@pytest.mark.parametrize("name", list_models())
def test_every_registered_model_builds_trains_and_round_trips(name, tmp_path):
    model = create_model(name)
    inputs, targets = example_batch(name, model)
    loss = model.train_on_batch(inputs, targets, return_dict=True)["loss"]
    assert np.isfinite(loss)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    restored = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(restored.predict(inputs, verbose=0), model.predict(inputs, verbose=0))


@pytest.mark.parametrize("name", list_models())
def test_the_cell_is_a_hyperparameter(name):
    model = create_model(name, cell="gru", units=6)
    inputs, _ = example_batch(name, model, batch_size=2)
    assert np.isfinite(model.predict(inputs, verbose=0)).all()


def test_registering_a_name_twice_fails():
    with pytest.raises(ValueError, match="already registered"):
        register_model("sequence_classifier", example_batch=None)(lambda: None)


def test_unknown_names_list_the_known_ones():
    with pytest.raises(ValueError, match="Unknown model 'nope'.*sequence_classifier"):
        create_model("nope")


def test_registered_names_are_sorted_and_unique():
    names = list_models()
    assert names == sorted(set(names)) == sorted(registry._MODELS)
    assert {"sequence_classifier", "sequence_tagger"} <= set(names)
