"""The check every recipe test makes of its TFLite files: each carries zoo's metadata, naming the recipe."""

import glob
import os

from zoo.export.tflite_metadata import read_metadata
from zoo.export.tflite_model import TFLiteModel


def assert_described(workdir, recipe, fields):
    """Every `.tflite` file in `workdir` holds zoo metadata of `recipe` with its config, the `fields` given
    (name → expected value, or None for "present"), and inputs/outputs that match the file's signature."""
    files = sorted(glob.glob(os.path.join(str(workdir), "*.tflite")))
    assert files, f"no .tflite file in {workdir}"
    for path in files:
        metadata = read_metadata(path)
        assert metadata["recipe"] == recipe and metadata["artifact"] == os.path.basename(path), path
        assert metadata["config"], path
        with open(path, "rb") as file:
            tensors = TFLiteModel(file.read()).tensors()
        assert {side: {name: {key: spec[key] for key in ("dtype", "shape")} for name, spec in metadata[side].items()}
                for side in ("inputs", "outputs")} == tensors, path
        for name, expected in fields.items():
            assert name in metadata and (expected is None or metadata[name] == expected), (path, name)
