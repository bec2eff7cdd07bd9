"""Hostile command lines, for every recipe, in-process through `main(argv)`: each is refused with exit
status 2 and one line that names the option, key or path, and no traceback. (The table grows with the
reliability work; the per-recipe readers and SavedModel boundaries have their own tests.)"""

import importlib
import json

import pytest

from zoo.recipes import cli

RECIPES = sorted(cli.recipes())


def _cases(name, tmp_path):
    other = "forecasting" if name != "forecasting" else "captioning"
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "config.json").write_text(json.dumps({"recipe": other}))
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "config.json").write_text('{"recipe": "' + name + '", "uni')
    a_file = tmp_path / "a_file"
    a_file.write_text("not a directory")
    predict_refusal = "predict takes only" if cli.recipes()[name].predict_keys else "predict takes no --set"
    return {
        "evaluate ignores --set": (["evaluate", "--set", "units=8"], "--set units=8: evaluate takes no --set"),
        "export ignores a model key": (["export", "--set", "units=8"], "--set units=8: export takes only"),
        "predict ignores a model key": (["predict", "x", "--set", "units=8"], f"--set units=8: {predict_refusal}"),
        "evaluate ignores --data": (["evaluate", "--data", "elsewhere"], "--data apply to train, tune and the default run"),
        "export ignores --config": (["export", "--config", "other.toml"], "--config apply to train, tune and"),
        "an unknown key": (["train", "--set", "unit=3"], "--set unit=3: unknown key(s) ['unit']"),
        "a nan learning rate": (["train", "--set", "learning_rate=nan"], "learning_rate = nan: every number setting"),
        "an infinite budget": (["train", "--set", "train_minutes=inf"], "train_minutes = inf: every number setting"),
        "a negative budget": (["train", "--set", "train_minutes=-1"], "train_minutes must be >= 0"),
        "another recipe's workdir": (["evaluate", "--workdir", str(foreign)], f"holds a run of the {other} recipe"),
        "a damaged config.json": (["evaluate", "--workdir", str(damaged)], f"{damaged / 'config.json'} is damaged"),
        "a workdir that is a file": (["train", "--workdir", str(a_file), "--set", "epochs=1"], "is a file"),
        "an empty workdir": (["export", "--workdir", str(tmp_path / "empty")], "not found: train a model"),
    }


@pytest.mark.parametrize("name", RECIPES)
def test_each_hostile_command_line_is_one_line_exit_2_and_no_traceback(name, tmp_path, capsys):
    main = importlib.import_module(f"zoo.recipes.{name}").main
    for case, (argv, message) in _cases(name, tmp_path).items():
        assert main(argv) == 2, case
        captured = capsys.readouterr()
        assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, (case, captured.err)
        assert message in captured.err, (case, captured.err)
        assert "Traceback" not in captured.err + captured.out, case
