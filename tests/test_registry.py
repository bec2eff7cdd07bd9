import keras
import numpy as np
import pytest

from zoo import registry
from zoo.precision import dtype_policy, float32_copy, uses_mixed_precision
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


DEEP = dict(input_layers=1, transition_depth=2, output_layers=1, clipping="value",
            cell_options={"shortcut": True, "variant": "cifg", "peephole": True})


@pytest.mark.parametrize("name", [name for name in list_models() if not name.startswith("keras_")])
def test_every_zoo_model_takes_the_deep_rnn_options(name, tmp_path):
    shallow = {"depth": 1} if name in ("sequence_tagger", "frame_tagger") else {}  # stacks of 2 by default: slow
    model = create_model(name, units=6, **shallow, **DEEP)
    paths = [weight.path for weight in model.weights]
    for part in ("deep_input", "deep_output", "transition_2/kernel", "transition_1/peephole_output"):
        assert any(part in path for path in paths), (part, paths)
    assert model.optimizer.clipvalue == 1.0 and model.optimizer.global_clipnorm is None
    inputs, targets = example_batch(name, model, batch_size=2)
    assert np.isfinite(model.train_on_batch(inputs, targets, return_dict=True)["loss"])
    if name not in ("captioner", "char_language_model", "forecaster"):
        return  # their configs cover the decoder, the deep MLPs and the cells: the rest adds minutes, not checks
    model.save(tmp_path / "deep.keras")
    restored = keras.models.load_model(tmp_path / "deep.keras", safe_mode=True)
    np.testing.assert_allclose(restored.predict(inputs, verbose=0), model.predict(inputs, verbose=0), atol=1e-6)


def test_the_deep_input_passes_the_padding_mask_on():
    model = create_model("sequence_classifier", units=6, **DEEP)
    tokens = np.array([[3, 4, 5, 0, 0]], dtype="int32")
    np.testing.assert_allclose(model.predict(tokens, verbose=0), model.predict(tokens[:, :3], verbose=0), atol=1e-6)


# mixed_float16: every cell's training step in tests/layers/test_mixed_precision.py; here the models' own layers.
@pytest.mark.parametrize("policy", ["mixed_bfloat16"])
@pytest.mark.parametrize("name", list_models())
def test_every_registered_model_trains_under_a_mixed_policy_and_exports_a_float32_copy(name, policy):
    with dtype_policy(policy):
        model = create_model(name, units=6)
    inputs, targets = example_batch(name, model, batch_size=2)
    assert np.isfinite(model.train_on_batch(inputs, targets, return_dict=True)["loss"])
    assert all(weight.dtype == "float32" for weight in model.weights if "float" in weight.dtype)
    predicted = model.predict(inputs, verbose=0)
    assert predicted.dtype == "float32"  # logits, sums and forecasts leave in float32

    copy = float32_copy(model)
    assert copy is not model and not uses_mixed_precision(copy) and uses_mixed_precision(model)
    assert keras.mixed_precision.dtype_policy().name == "float32"
    # Same weights, float32 arithmetic: the gap is the policy's rounding (see tests/layers/test_mixed_precision.py).
    gap = np.abs(copy.predict(inputs, verbose=0) - predicted).max()
    assert gap < (3e-2 if policy == "mixed_bfloat16" else 4e-3) * max(1.0, np.abs(predicted).max())
    assert float32_copy(copy) is copy
