"""Zoo's metadata inside every .tflite file (`zoo.export.tflite_metadata`): written before the proof, read
back as given, refused when it is not zoo's, and filled from the `describing` context."""

import dataclasses
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo.cells import make_cell
from zoo.config import RecipeConfig, save_config
from zoo.export import export_model, tflite_metadata
from zoo.export.tflite_metadata import FORMAT, described_fields, describing, read_metadata, with_metadata
from zoo.export.tflite_model import TFLiteModel
from zoo.layers import Recurrent
from zoo.recipe import Recipe, Trained


@pytest.fixture(scope="module")
def doubling():
    """A tiny TFLite file converted in this process: y = 2 x, x float32 [1, 3]."""
    module = tf.Module()
    module.double = tf.function(double, input_signature=[tf.TensorSpec([1, 3], tf.float32, name="x")])
    return tf.lite.TFLiteConverter.from_concrete_functions([module.double.get_concrete_function()], module).convert()


def double(x):
    return {"y": 2.0 * x}


def with_raw_entry(data, payload):
    """`data` with a `zoo_metadata` entry holding `payload` bytes as they are."""
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model_from_bytearray(bytearray(data))
    model.buffers.append(schema.BufferT(data=np.frombuffer(payload, np.uint8)))
    model.metadata.append(schema.MetadataT(name="zoo_metadata", buffer=len(model.buffers) - 1))
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def test_metadata_round_trips_and_the_file_still_runs_the_same(doubling, tmp_path):
    given = {"artifact": "model.tflite", "labels": ["no", "sí", "日本"], "normalization": {"mean": 0.5, "scale": 2}}
    data = with_metadata(doubling, given)
    assert read_metadata(data) == {"format": FORMAT, **given}
    assert read_metadata(with_metadata(doubling, read_metadata(data))) == read_metadata(data)
    path = tmp_path / "model.tflite"
    path.write_bytes(data)
    assert read_metadata(path) == read_metadata(str(path)) == read_metadata(data)
    x = np.array([[1.0, -2.0, 3.5]], np.float32)
    np.testing.assert_array_equal(TFLiteModel(data)(x=x)["y"], TFLiteModel(doubling)(x=x)["y"])


def test_writing_again_replaces_the_entry_and_keeps_the_converters_own(doubling):
    from ai_edge_litert.tools import flatbuffer_utils

    twice = with_metadata(with_metadata(doubling, {"artifact": "a"}), {"artifact": "b"})
    assert read_metadata(twice) == {"format": FORMAT, "artifact": "b"}
    names = [entry.name for entry in flatbuffer_utils.read_model_from_bytearray(bytearray(twice)).metadata]
    assert names.count(b"zoo_metadata") == 1 and b"min_runtime_version" in names


def test_a_file_without_the_entry_reads_as_none(doubling):
    assert read_metadata(doubling) is None


def test_an_entry_that_is_not_zoos_json_is_refused_naming_it(doubling, tmp_path):
    path = tmp_path / "other.tflite"
    path.write_bytes(with_raw_entry(doubling, b"\x00\xffnot json"))
    with pytest.raises(ValueError, match=f"zoo_metadata entry of {path} is not zoo's metadata: not UTF-8 JSON"):
        read_metadata(path)
    with pytest.raises(ValueError, match="zoo_metadata entry .* JSON list, not an object"):
        read_metadata(with_raw_entry(doubling, b"[1, 2]"))
    with pytest.raises(ValueError, match="zoo_metadata entry .* its format is 'other/2'"):
        read_metadata(with_raw_entry(doubling, b'{"format": "other/2"}'))


def test_what_is_not_a_tflite_file_or_not_json_is_refused(doubling):
    with pytest.raises(ValueError, match="not a TFLite file"):
        read_metadata(b"PK\x03\x04 a zip file")
    with pytest.raises(ValueError, match="not a TFLite file"):
        with_metadata(b"{}", {})
    with pytest.raises(ValueError, match="must hold JSON values"):
        with_metadata(doubling, {"scale": float("nan")})
    with pytest.raises(ValueError, match="is not zoo's"):
        with_metadata(doubling, {"format": "tflite_support"})


def test_describing_nests_and_refuses_the_files_own_fields():
    assert described_fields() == {}
    with describing(recipe="captioning", labels=["a"]):
        with describing(labels=["b"], sample_rate=16000):
            assert described_fields() == {"recipe": "captioning", "labels": ["b"], "sample_rate": 16000}
        assert described_fields() == {"recipe": "captioning", "labels": ["a"]}
    assert described_fields() == {}
    with pytest.raises(ValueError, match=r"\['artifact'\] come from the TFLite file itself"):
        with describing(artifact="mine.tflite"):
            pass
    with pytest.raises(ValueError, match="must hold JSON values"):
        with describing(config=object()):
            pass


def test_metadata_of_a_file_reads_its_signature_and_adds_the_context(doubling):
    with describing(recipe="doubler", descriptions={"x": "three numbers", "z": "not in this file"}):
        metadata = tflite_metadata.metadata_of(doubling, "double.tflite", {"unit": "m"})
    assert metadata == {
        "format": FORMAT, "zoo_version": zoo.__version__, "artifact": "double.tflite", "signature": "serving_default",
        "inputs": {"x": {"dtype": "float32", "shape": [1, 3], "description": "three numbers"}},
        "outputs": {"y": {"dtype": "float32", "shape": [1, 3], "description": None}},
        "recipe": "doubler", "unit": "m",
    }


@pytest.mark.slow
def test_an_exported_model_tflite_carries_its_metadata_and_runs_like_the_file_without(tmp_path, monkeypatch):
    inputs = keras.Input((5, 2), name="frames")
    outputs = keras.layers.Dense(3, activation="softmax")(Recurrent(make_cell("gru", 4))(inputs))
    model = keras.Model(inputs, outputs)
    frames = np.random.default_rng(0).normal(size=(2, 5, 2)).astype(np.float32)
    converted = {}
    add_metadata = tflite_metadata.described

    def spy(data, artifact, fields=None):
        converted[artifact] = data
        return add_metadata(data, artifact, fields)

    monkeypatch.setattr(tflite_metadata, "described", spy)
    with describing(recipe="tiny", labels=["a", "b", "c"], descriptions={"frames": "5 frames of 2 features"}):
        rows = export_model(model, str(tmp_path), {"frames": frames}, quantizations=(), verbose=False)

    path = tmp_path / "model.tflite"
    metadata = read_metadata(path)
    output = next(iter(metadata["outputs"]))
    assert metadata == {
        "format": FORMAT, "zoo_version": zoo.__version__, "artifact": "model.tflite", "signature": "serving_default",
        "inputs": {"frames": {"dtype": "float32", "shape": [2, 5, 2], "description": "5 frames of 2 features"}},
        "outputs": {output: {"dtype": "float32", "shape": [2, 3], "description": None}},
        "recipe": "tiny", "labels": ["a", "b", "c"],
    }
    row = next(row for row in rows if row["artifact"] == "model.tflite")
    assert row["bytes"] == os.path.getsize(path), "the bytes proved and timed are the bytes written"
    written, plain = TFLiteModel(path.read_bytes()), TFLiteModel(converted["model.tflite"])
    np.testing.assert_array_equal(written(frames=frames)[output], plain(frames=frames)[output])
    assert read_metadata(converted["model.tflite"]) is None


@dataclasses.dataclass(frozen=True)
class TinyConfig(RecipeConfig):
    pass


class DescribedRecipe(Recipe):
    """A recipe whose export only records the metadata context it ran in."""

    name = "described"
    config_class = TinyConfig

    def export_metadata(self, trained):
        return {"labels": ["yes", "no"]}

    def export_models(self, trained, verbose):
        return described_fields()


def test_a_recipes_export_describes_its_files_with_its_name_config_and_fields(tmp_path):
    config = TinyConfig(epochs=3)
    save_config(config, str(tmp_path / "config.json"), DescribedRecipe.name)  # the model card reads it
    fields = DescribedRecipe().export(Trained(DescribedRecipe(), config, str(tmp_path), {}))
    assert fields == {"recipe": "described", "config": dataclasses.asdict(config), "labels": ["yes", "no"]}
    assert described_fields() == {}
