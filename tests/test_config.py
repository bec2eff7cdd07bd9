"""Recipe configs: TOML files, --set overrides, and errors that name what is wrong."""

import dataclasses
import json
import os

import pytest

from zoo.captioning.config import CaptioningConfig
from zoo.forecasting.config import ForecastingConfig
from zoo.frame_labeling.config import FrameLabelingConfig
from zoo.language_model.config import LanguageModelConfig
from zoo.long_memory.config import LongMemoryConfig
from zoo.sequence_classification.config import SequenceClassificationConfig
from zoo.translation.config import TranslationConfig
from zoo.config import load_config, parse_override, read_saved_config, replace_values, save_config, saved_recipe
from zoo.config import body_description, model_options, with_overrides
from zoo.recipes.cli import default_config_path, recipe_configs
from zoo.settings import default_toml


RECIPE_CONFIGS = {
    "captioning": CaptioningConfig,
    "forecasting": ForecastingConfig,
    "frame_labeling": FrameLabelingConfig,
    "language_model": LanguageModelConfig,
    "long_memory": LongMemoryConfig,
    "sequence_classification": SequenceClassificationConfig,
    "translation": TranslationConfig,
}


@dataclasses.dataclass(frozen=True)
class Toy:
    units: int = 8
    rate: float = 0.5
    cell: str = "lstm"
    names: tuple[str, ...] = ("a",)
    tune: dict = dataclasses.field(default_factory=dict)


def test_overrides_are_toml_values_and_bare_words_are_strings():
    assert parse_override("units=128") == (["units"], 128)
    assert parse_override('cell="gru"') == (["cell"], "gru")
    assert parse_override("cell=gru") == (["cell"], "gru")
    assert parse_override("tune.max_depth=3") == (["tune", "max_depth"], 3)
    assert parse_override("names=['x', 'y']") == (["names"], ["x", "y"])


def test_load_applies_file_then_overrides(tmp_path):
    path = tmp_path / "toy.toml"
    path.write_text("units = 16\nrate = 1\n")
    config = load_config(Toy, str(path), ["cell=gru", "tune.max_depth=3", "names=['x']"])
    assert config == Toy(units=16, rate=1.0, cell="gru", names=("x",), tune={"max_depth": 3})
    assert isinstance(config.rate, float)


@pytest.mark.parametrize(
    "contents, overrides, message",
    [
        ("unit = 3\n", [], r"toy.toml: unknown key\(s\) \['unit'\]"),
        ('units = "many"\n', [], "toy.toml: units = 'many' has the wrong type"),
        ("units = \n", [], "toy.toml: not valid TOML"),
        ("", ["units=1.5"], "--set units=1.5: units = 1.5 has the wrong type"),
        ("", ["nope=1"], r"--set nope=1: unknown key"),
        ("", ["units"], "expected key=value"),
    ],
)
def test_errors_name_the_file_or_the_override(tmp_path, contents, overrides, message):
    path = tmp_path / "toy.toml"
    path.write_text(contents)
    with pytest.raises(ValueError, match=message):
        load_config(Toy, str(path), overrides)


def test_a_missing_config_file_is_named():
    with pytest.raises(ValueError, match="--config /nonexistent.toml: no such file"):
        load_config(Toy, "/nonexistent.toml")




@pytest.mark.parametrize("name", RECIPE_CONFIGS)
def test_the_recipe_toml_holds_the_dataclass_defaults(name):
    config_class = RECIPE_CONFIGS[name]
    path = default_config_path(name)
    assert path is not None
    assert load_config(config_class, path) == config_class()


@pytest.mark.parametrize("name", RECIPE_CONFIGS)
def test_the_recipe_toml_is_the_one_written_from_its_class(name):
    with open(default_config_path(name), encoding="utf-8") as file:
        assert file.read() == default_toml(RECIPE_CONFIGS[name], name), (
            f"recipes/{name}.toml differs from its class: write it again with "
            "python -c 'from zoo.recipes.cli import write_default_tomls; write_default_tomls()'")


def test_every_recipe_module_is_found_with_its_config_class():
    assert recipe_configs() == RECIPE_CONFIGS


WITH_DATA = [c for c in RECIPE_CONFIGS.values() if "data" in {field.name for field in dataclasses.fields(c)}]


@pytest.mark.parametrize("config_class", WITH_DATA)
def test_a_relative_data_path_is_saved_absolute_so_other_directories_find_it(config_class, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(config_class, None, ["data=corpus/pairs.tsv"])
    expected = os.path.abspath(os.path.join("corpus", "pairs.tsv"))
    save_config(config, "config.json", "recipe")
    monkeypatch.chdir(tmp_path.parent)  # evaluate, run from another directory
    assert read_saved_config(config_class, str(tmp_path / "config.json")).data == expected


def test_config_values_are_validated():
    with pytest.raises(ValueError, match="cell"):
        load_config(CaptioningConfig, None, ["cell=transformer"])
    with pytest.raises(ValueError, match="beam_width"):
        load_config(CaptioningConfig, None, ["beam_width=0"])


def test_saved_config_round_trips_with_its_recipe(tmp_path):
    config = load_config(CaptioningConfig, None, ["units=32", "quantizations=['int8']"])
    path = str(tmp_path / "config.json")
    save_config(config, path, "captioning")
    assert saved_recipe(path) == "captioning"
    assert read_saved_config(CaptioningConfig, path) == config


def test_a_dotted_override_changes_one_key_of_a_table_the_class_fills():
    assert load_config(LongMemoryConfig, None, ["tune.max_depth=2"]).tune == {"min_depth": 1, "max_depth": 2}


def test_overrides_that_must_agree_are_checked_together_in_any_order():
    config = load_config(CaptioningConfig, None, ["tune.min_depth=5", "tune.max_depth=6"])
    assert config.tune == {"min_depth": 5, "max_depth": 6}
    with pytest.raises(ValueError, match="tune.min_depth"):
        load_config(CaptioningConfig, None, ["tune.min_depth=5"])


def test_a_saved_config_takes_only_the_overrides_a_verb_allows():
    from zoo.language_model.config import LanguageModelConfig

    config = LanguageModelConfig()
    changed = with_overrides(config, ["temperature=0.5", "top_k=5"], ("temperature", "top_k"))
    assert (changed.temperature, changed.top_k, changed.units) == (0.5, 5, config.units)
    with pytest.raises(ValueError, match="--set units=3: this verb takes only temperature, top_k"):
        with_overrides(config, ["units=3"], ("temperature", "top_k"))
    with pytest.raises(ValueError, match="top_p"):
        with_overrides(config, ["top_p=2.0"], ("top_p",))  # checked again: (0, 1]


def test_replaced_values_must_be_the_configs_own():
    config = CaptioningConfig()
    assert replace_values(config, {"units": 8}).units == 8
    with pytest.raises(ValueError, match="agreement_thresholds do\\(es\\) not apply to CaptioningConfig"):
        replace_values(config, {"agreement_thresholds": 0.5})


@pytest.mark.parametrize("name", sorted(recipe_configs()))
def test_every_float_setting_refuses_nan_and_inf(name):
    from zoo.errors import UsageError

    config_class = recipe_configs()[name]
    floats = [field.name for field in dataclasses.fields(config_class)
              if isinstance(getattr(config_class(), field.name), float)]
    assert "train_minutes" in floats and "learning_rate" in floats
    for key in floats:
        for text in ("nan", "inf", "-inf"):
            with pytest.raises(UsageError, match=f"^{key} = {text}: every "
                                                 "number setting must be finite"):
                load_config(config_class, None, [f"{key}={text}"])
    with pytest.raises(UsageError, match=r"^tune.max_learning_rate = inf: every number"):
        load_config(config_class, None, ["tune.max_learning_rate=inf"])


@pytest.mark.parametrize("overrides, message", [
    (["clipnorm=0.5"], "clipnorm is now two keys: clipping"),
    (["clipping=sometimes"], "clipping"),
    (["shortcut=true"], "transition_depth >= 2"),
    (["cell=gru", "peephole=true"], 'apply to cell = "lstm"'),
    (["lstm_variant=no_gates"], "lstm_variant"),
    (["input_layers=-1"], "input_layers"),
])
def test_the_deep_rnn_and_clipping_keys_are_checked(overrides, message):
    with pytest.raises(ValueError, match=message):
        load_config(SequenceClassificationConfig, None, overrides)


def test_a_config_saved_before_the_clipping_key_reads_its_clipnorm_as_the_threshold(tmp_path):
    path = tmp_path / "config.json"
    save_config(load_config(ForecastingConfig, None, ["clip_threshold=0.25"]), path, "forecasting")
    values = json.loads(path.read_text())
    values["clipnorm"] = values.pop("clip_threshold")
    path.write_text(json.dumps(values))
    config = read_saved_config(ForecastingConfig, path)
    assert (config.clipping, config.clip_threshold) == ("global_norm", 0.25)


def test_model_options_reach_only_the_cells_they_belong_to():
    config = load_config(SequenceClassificationConfig, None, ["lstm_variant=cifg", "peephole=true",
                                                              "transition_depth=2", "shortcut=true"])
    assert model_options(config)["cell_options"] == {"shortcut": True, "variant": "cifg", "peephole": True}
    assert model_options(config, "gru")["cell_options"] == {"shortcut": True}
    assert model_options(config)["clipping"] == "global_norm" and model_options(config)["transition_depth"] == 2


def test_the_body_description_names_the_deep_parts_that_are_set():
    plain = load_config(LanguageModelConfig, None, ["cell=lstm", "depth=2", "units=32"])
    assert body_description(plain) == "lstm 2×32"
    deep = load_config(LanguageModelConfig, None, ["cell=lstm", "units=32", "lstm_variant=cifg", "peephole=true",
                                                   "transition_depth=2", "shortcut=true", "output_layers=1"])
    assert body_description(deep) == "lstm (cifg, peepholes) 1×32, transition depth 2 (shortcut), deep output 1"
