"""A config class's settings: each key's meaning in the class, inherited by a redeclared key, and the
TOML text written from it reading back to the same config."""

import dataclasses
import sys
import typing

import pytest

from zoo.config import RecipeConfig, load_config
from zoo.recipes.cli import recipe_configs
from zoo.settings import config_toml, default_toml, setting, settings_help, settings_of, toml_value, type_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclasses.dataclass(frozen=True)
class ToyConfig(RecipeConfig):
    units: int = 8  # redeclared for its default only: keeps "hidden size"
    depth: int = setting(2, "layers of the toy")
    EMBEDDED_EPOCHS: typing.ClassVar[int] = 7
    bidirectional: bool = setting(False, "both directions", group="Model")
    names: tuple[str, ...] = setting(("a", 'b "quoted"\\'), "some names")
    rate: float = setting(1e-4, "a small rate")


@pytest.mark.parametrize("name", recipe_configs())
def test_every_key_of_every_recipe_says_what_it_means_in_one_line(name):
    for described in settings_of(recipe_configs()[name]):
        assert described.help and "\n" not in described.help and "{" not in described.help, described


def test_a_redeclared_key_keeps_its_meaning_unless_restated_and_class_attributes_fill_the_help():
    described = {s.name: s for s in settings_of(ToyConfig)}
    assert (described["units"].default, described["units"].help) == (8, "hidden size")
    assert (described["depth"].default, described["depth"].help) == (2, "layers of the toy")
    assert described["seed"].group == "The keys every recipe shares" and described["bidirectional"].group == "Model"
    assert '"auto" = 7 on the embedded data, 1000 with --data' in described["epochs"].help
    assert list(described) == [field.name for field in dataclasses.fields(ToyConfig)]


def test_values_are_written_as_toml_that_reads_back():
    values = {"flag": True, "count": 3, "rate": 2e-3, "tiny": 1.5e-7, "big": 1e20, "text": 'a "b"\\ c\n\x7f é',
              "names": ("x", "y"), "empty": (), "table": {"max_depth": 2, "cells": ["gru"]}}
    text = "\n".join(f"{key} = {toml_value(value)}" for key, value in values.items())
    read = tomllib.loads(text)
    assert read == {**values, "names": ["x", "y"], "empty": []}
    assert (toml_value(2e-3), toml_value(1e-4), toml_value(0.05), toml_value(5.0)) == ("2e-3", "1e-4", "0.05", "5.0")


def test_type_names_are_those_of_toml():
    fields = {field.name: field.type for field in dataclasses.fields(ToyConfig)}
    assert [type_name(fields[name]) for name in ("units", "epochs", "names", "tune", "rate")] == [
        "int", "int | str", "list[str]", "table", "float"]


def test_a_config_as_toml_reads_back_to_itself_with_every_key_commented(tmp_path):
    config = ToyConfig(units=16, names=("x",), tune={"max_depth": 2}, epochs=3)
    text = config_toml(config, "toy", ["a header"])
    path = tmp_path / "toy.toml"
    path.write_text(text)
    assert load_config(ToyConfig, str(path)) == config
    lines = text.splitlines()
    assert lines[0] == "# a header"
    assert [line for line in lines if line.startswith("units = ")] == ["units = 16               # hidden size"]
    assert lines.index("# Model.") < lines.index(next(line for line in lines if line.startswith("bidirectional")))
    tune = lines[lines.index("[tune]"):]
    assert tune[1] == "max_depth = 2" and "# min_depth = 1" in tune and "# bidirectional = [true, false]" in tune


def test_the_default_toml_holds_the_defaults_and_its_recipe(tmp_path):
    text = default_toml(ToyConfig, "toy")
    assert text.startswith("# python -m zoo.recipes.toy: the defaults (tests.test_settings.ToyConfig).\n")
    assert "\n# [tune]\n" in text  # an empty search space: the whole table commented out
    path = tmp_path / "toy.toml"
    path.write_text(text)
    assert load_config(ToyConfig, str(path)) == ToyConfig()


def test_the_help_lines_give_each_key_its_type_default_and_meaning():
    lines = settings_help(ToyConfig, width=100)
    assert "  Model:" in lines
    units = next(line for line in lines if line.lstrip().startswith("units:"))
    assert units.split() == ["units:", "int", "=", "8", "hidden", "size"]
    assert all(len(line) <= 100 for line in lines)
