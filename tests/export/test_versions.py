"""Each export writes the next `serving/<n>/` and keeps the newest three; a refused one writes nothing."""

import os

import pytest
import tensorflow as tf

from zoo.export import versions
from zoo.export.errors import ExportError
from zoo.export.exporter import write_saved_model


def _save_constant(value):
    def save(directory):
        module = tf.Module()
        module.serve = tf.function(lambda x: {"y": x + value}, input_signature=[tf.TensorSpec([None], tf.float32)])
        tf.saved_model.save(module, directory, signatures={"serving_default": module.serve})
    return save


def _accept(loaded):
    return {}, lambda: None


def _answer(workdir, number):
    loaded = tf.saved_model.load(os.path.join(workdir, "serving", str(number)))
    return float(loaded.signatures["serving_default"](x=tf.constant([0.0]))["y"][0])


def test_exports_take_the_next_number_and_keep_the_newest_three(tmp_path):
    rows = [write_saved_model(str(tmp_path), _save_constant(float(i)), _accept) for i in range(1, 5)]
    assert [row["artifact"] for row in rows] == ["serving/1", "serving/2", "serving/3", "serving/4"]
    assert versions.versions(str(tmp_path / "serving")) == [2, 3, 4]
    assert sorted(os.listdir(tmp_path / "serving")) == ["2", "3", "4"]  # no staging folder left behind
    assert [_answer(str(tmp_path), n) for n in (2, 3, 4)] == [2.0, 3.0, 4.0]


def test_a_refused_export_takes_no_number(tmp_path):
    write_saved_model(str(tmp_path), _save_constant(1.0), _accept)

    def refuse(loaded):
        raise ExportError(artifact="serving/2", reason="disagrees")

    with pytest.raises(ExportError):
        write_saved_model(str(tmp_path), _save_constant(2.0), refuse)
    assert sorted(os.listdir(tmp_path / "serving")) == ["1"] and versions.next_version(str(tmp_path)) == 2


def test_only_numbered_folders_with_a_saved_model_are_versions(tmp_path):
    for name in ("1", "7", "latest", "12"):
        (tmp_path / "serving" / name).mkdir(parents=True)
    for name in ("7", "12", "latest"):
        (tmp_path / "serving" / name / "saved_model.pb").write_bytes(b"")
    assert versions.versions(str(tmp_path / "serving")) == [7, 12] and versions.next_version(str(tmp_path)) == 13
