import importlib
import json

import pytest

from zoo.captioning.config import CaptioningConfig
from zoo.config import load_config
from zoo.recipes import cli
from zoo.settings import settings_of, toml_value, type_name
from zoo.tables import format_table

from zoo.recipe import Recipe


class RecordingRecipe(Recipe):
    """A recipe that records what the command line asked of its verbs instead of training anything."""

    name = "toy"
    config_class = CaptioningConfig
    description = "a toy recipe"
    verbs = {"train": "t", "evaluate": "e", "export": "x", "predict": "p", "tune": "u"}
    predict_help = "inputs"

    def __init__(self, predict_keys=()):
        self.calls, self.predict_keys = [], tuple(predict_keys)

    def evaluate(self, trained):
        self.calls.append(("evaluate", trained))

    def export(self, trained, overrides=None, verbose=True):
        self.calls.append(("export", trained, overrides))

    def predict(self, workdir, inputs, overrides=None):
        self.calls.append(("predict", overrides))
        for name in inputs:
            yield {"input": name, "error": "not a readable image"} if name.startswith("bad") else {
                "input": name, "caption": f"a caption of {name}"}

    def predict_text(self, record):
        return f"{record['input']}: error: {record['error']}" if "error" in record else \
            f"{record['input']}: {record['caption']}"


def test_options_given_before_or_after_the_verb_both_count():
    parser = cli.parser(RecordingRecipe())
    before = parser.parse_args(["--workdir", "W", "--quiet", "--set", "units=8", "train"])
    assert (before.workdir, before.quiet, before.overrides, before.verb) == ("W", True, ["units=8"], "train")
    after = parser.parse_args(["train", "--workdir", "V", "--set", "depth=2"])
    assert (after.workdir, after.quiet, after.overrides) == ("V", False, ["depth=2"])
    plain = parser.parse_args([])
    assert (plain.verb, plain.workdir, plain.overrides) == (None, "saved_models/toy", [])


def test_tune_options():
    args = cli.parser(RecordingRecipe()).parse_args(
        ["tune", "--tuner", "hyperband", "--max-trials", "3", "--budget-minutes", "2.5"])
    assert (args.tuner, args.max_trials, args.budget_minutes) == ("hyperband", 3, 2.5)


def _run(argv, predict_keys=()):
    recipe = RecordingRecipe(predict_keys)
    status = cli.main(recipe, argv)
    return status, recipe.calls


def test_export_takes_the_export_settings_of_set(capsys):
    status, calls = _run(["export", "--workdir", "W", "--set", "quantizations=[]", "--set", "agreement_threshold=1"])
    assert status == 0
    assert calls == [("export", "W", {"quantizations": (), "agreement_threshold": 1.0})]
    assert _run(["evaluate", "--workdir", "W"]) == (0, [("evaluate", "W")])


def test_verbs_of_a_trained_model_refuse_what_they_would_ignore(capsys):
    refusals = {
        ("evaluate", "--set", "units=8"): "--set units=8: evaluate takes no --set",
        ("export", "--set", "units=8"): "--set units=8: export takes only quantizations, agreement_threshold, "
                                         "export_tolerance",
        ("export", "--set", "agreement_threshold=\"high\""): "has the wrong type",
        ("predict", "x.png", "--set", "beam_width=0"): "--set beam_width=0: predict takes no --set",
        ("evaluate", "--data", "elsewhere"): "--data apply to train, tune and the default run",
        ("export", "--config", "other.toml"): "--config apply to train, tune and the default run",
    }
    for argv, message in refusals.items():
        status, calls = _run(list(argv))
        assert (status, calls) == (2, []), argv
        assert message in capsys.readouterr().err, argv


def test_predict_takes_the_keys_its_recipe_lets_it_change():
    status, calls = _run(["predict", "x.png", "--set", "beam_width=2"], predict_keys=("beam_width",))
    assert (status, calls) == (0, [("predict", {"beam_width": 2})])


def test_a_usage_error_is_one_line_and_status_2_while_a_bug_keeps_its_traceback(capsys):
    from zoo.errors import UsageError

    def bad_setting():
        raise UsageError("--set units=0: units must be a positive integer.")

    def bug():
        raise ValueError("operands could not be broadcast together")

    assert cli.run_command(bad_setting) == 2
    assert capsys.readouterr().err == "error: --set units=0: units must be a positive integer.\n"
    with pytest.raises(ValueError, match="broadcast"):
        cli.run_command(bug)


RECIPES = tuple(cli.recipe_configs())


@pytest.mark.parametrize("name", RECIPES)
def test_help_lists_every_setting_with_its_type_default_and_meaning(name, capsys):
    main = importlib.import_module(f"zoo.recipes.{name}").main
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "settings (--set KEY=VALUE" in out and "{train," in out and ",config}" in out
    lines = out.splitlines()
    for setting in settings_of(cli.recipe_configs()[name]):
        entry = f"    {setting.name}: {type_name(setting.type)} = {toml_value(setting.default)}"
        line = next((line for line in lines if line.startswith(entry)), None)
        assert line is not None, entry
        first_words = setting.help.split()[:2]
        following = " ".join(lines[lines.index(line):lines.index(line) + 2])
        assert " ".join(first_words) in " ".join(following.split()), setting.name


@pytest.mark.parametrize("name", RECIPES)
def test_the_config_verb_prints_a_toml_that_loads_back_to_the_run_s_config(name, tmp_path, capsys):
    main = importlib.import_module(f"zoo.recipes.{name}").main
    config_class = cli.recipe_configs()[name]
    assert main(["config", "--set", "seed=7", "--set", "tune.max_depth=2"]) == 0
    printed = capsys.readouterr().out
    header = " ".join(line.removeprefix("# ") for line in printed.splitlines()[:3])
    assert header.startswith(f"python -m zoo.recipes.{name}: the settings of a run: the defaults (zoo.{name}.config.")
    assert "then --set seed=7 --set tune.max_depth=2." in header
    path = tmp_path / "run.toml"
    path.write_text(printed)
    expected = load_config(config_class, None, ["seed=7", "tune.max_depth=2"])
    assert load_config(config_class, str(path)) == expected
    assert main(["config", "--config", str(path), "--set", "batch_size=8"]) == 0  # a saved run, changed again
    path.write_text(capsys.readouterr().out)
    assert load_config(config_class, str(path)) == load_config(config_class, None, [
        "seed=7", "tune.max_depth=2", "batch_size=8"])


def test_the_config_verb_takes_data_as_train_does(tmp_path, capsys):
    from zoo.recipes.captioning import main

    assert main(["config", "--data", str(tmp_path / "flickr")]) == 0
    assert f'data = "{tmp_path / "flickr"}"' in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["config", "--set", "unit=3"], "--set unit=3: unknown key(s) ['unit']"),
    (["config", "--set", "units=many"], "--set units=many: units = 'many' has the wrong type; expected int."),
    (["config", "--set", "beam_width=0"], "beam_width"),
])
def test_a_bad_setting_is_one_line_and_exit_status_2(argv, message, capsys):
    from zoo.recipes.captioning import main

    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ") and message in captured.err and captured.err.count("\n") == 1


def test_predict_takes_an_output_file_and_a_format():
    parser = cli.parser(RecordingRecipe())
    args = parser.parse_args(["predict", "a.png", "--output", "out.jsonl", "--format", "jsonl"])
    assert (args.inputs, args.output, args.format) == (["a.png"], "out.jsonl", "jsonl")
    plain = parser.parse_args(["predict", "a.png"])
    assert (plain.output, plain.format) == (None, "text")
    with pytest.raises(SystemExit):
        parser.parse_args(["predict", "a.png", "--format", "csv"])


def test_predictions_are_written_as_the_recipe_s_text_or_as_json_lines(capsys):
    import io

    from zoo.frame_labeling.recipe import RECIPE

    records = [{"input": "bad.wav", "error": "bad.wav: not a RIFF WAV file"},
               {"input": "é.wav", "frames": 67, "segments": [{"start": 0.0, "end": 0.6, "label": "sil"},
                                                              {"start": 0.6, "end": 1.1, "label": "aa"}]}]
    text = io.StringIO()
    assert cli.write_predictions(records, text, "text", RECIPE.predict_text) == 1
    assert text.getvalue() == "é.wav: 67 frames\n  0.000–0.600 s  sil\n  0.600–1.100 s  aa\n"
    assert capsys.readouterr().err == "bad.wav: not a RIFF WAV file\n"  # the failure, aside
    lines = io.StringIO()
    assert cli.write_predictions(records, lines, "jsonl", RECIPE.predict_text) == 1
    assert [json.loads(line) for line in lines.getvalue().splitlines()] == records
    assert "é.wav" in lines.getvalue() and capsys.readouterr().err == ""


def test_json_lines_take_numpy_values_and_refuse_other_objects():
    import io

    import numpy as np

    output = io.StringIO()
    cli.write_predictions([{"input": "x", "probability": np.float32(0.5), "ids": np.arange(2)}], output, "jsonl", None)
    assert json.loads(output.getvalue()) == {"input": "x", "probability": 0.5, "ids": [0, 1]}
    with pytest.raises(TypeError, match="object is not JSON serializable"):
        cli.write_predictions([{"input": object()}], output, "jsonl", None)


def test_predict_writes_its_output_file_whole_and_its_status_counts_failures(tmp_path, capsys):
    path = tmp_path / "captions.jsonl"
    status, calls = _run(["predict", "a.png", "bad.png", "--output", str(path), "--format", "jsonl"])
    assert (status, calls) == (1, [("predict", {})])
    assert [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] == [
        {"input": "a.png", "caption": "a caption of a.png"}, {"input": "bad.png", "error": "not a readable image"}]
    assert capsys.readouterr().out == ""
    status, _ = _run(["predict", "a.png", "bad.png"])
    assert status == 1
    assert capsys.readouterr().out == "a.png: a caption of a.png\nbad.png: error: not a readable image\n"


PREDICT_TEXTS = {  # a record of each recipe's predict, and the text predict has always printed for it
    "captioning": ({"input": "a.png", "caption": "a red circle"}, "a.png: a red circle"),
    "translation": ({"input": "one", "translation": "один"}, "один"),
    "frame_labeling": ({"input": "a.wav", "frames": 3, "segments": [{"start": 0.0, "end": 0.04125, "label": "sil"}]},
                       "a.wav: 3 frames\n  0.000–0.041 s  sil"),
    "sequence_classification": ({"input": "zero.png", "label": 0, "probability": 0.98765431},
                                "zero.png: 0 (98.8 %)"),
    "language_model": ({"input": "def ", "text": "main():", "sampling": {"temperature": 0.7, "top_k": 5, "top_p": 0.9,
                                                                       "sample_length": 7, "sample_seed": 11}},
                       "--- temperature 0.7, top-k 5, top-p 0.9, seed 11 ---\ndef main():"),
    "forecasting": ({"input": [1.0, 2.0], "history_length": 2, "last_value": 2.0, "forecast": [3.25, 4.5]},
                    "from 2 values ending with 2: the next 2\n" + format_table(["step", "forecast"],
                                                                             [[1, "3.25"], [2, "4.5"]])),
    "long_memory": ({"input": "a.csv", "steps": 4, "predicted_sum": 0.7512, "true_sum": 0.75},
                    "a.csv: 4 steps; predicted sum 0.751, true 0.750"),
}


@pytest.mark.parametrize("name", RECIPES)
def test_each_recipe_s_predict_text_is_the_text_it_printed(name):
    recipe = importlib.import_module(f"zoo.{name}.recipe").RECIPE
    record, text = PREDICT_TEXTS[name]
    assert recipe.predict_text(record) == text
    assert json.loads(json.dumps(record)) == record  # plain JSON values


def test_stdin_lines_that_are_not_utf8_are_named_and_skipped(capsys):
    import io

    stream = io.TextIOWrapper(io.BytesIO("один\n".encode() + b"\xff\xfe bad\n" + "три\r\n".encode()), encoding="utf-8")
    assert cli.read_lines(stream) == (["один", "три"], 1)
    assert capsys.readouterr().err == "stdin line 2: not UTF-8 (invalid start byte at byte 0), skipped\n"
    assert cli.read_lines(io.StringIO("a\nb\n")) == (["a", "b"], 0)
