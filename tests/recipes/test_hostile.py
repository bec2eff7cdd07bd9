"""Hostile command lines, for every recipe, in-process through `main(argv)`: each is refused with exit
status 2 and one line that names the option, key or path, and no traceback. (The table grows with the
reliability work; the per-recipe readers and SavedModel boundaries have their own tests.)"""

import importlib
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.workdir_holder import holding
from zoo.epoch_policy import read_history_rows
from zoo.recipes import cli

RECIPES = sorted(cli.recipes())
UNWRITABLE = "/sys/zoo-workdir"  # sysfs refuses new entries to every user, root included (CI runs as root)


@pytest.fixture(scope="module")
def held_workdir(tmp_path_factory):
    """A workdir whose lock another process holds for the module's tests (two concurrent runs)."""
    workdir = str(tmp_path_factory.mktemp("held"))
    with holding(workdir):
        yield workdir


def _cases(name, tmp_path, held):
    other = "forecasting" if name != "forecasting" else "captioning"
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "config.json").write_text(json.dumps({"recipe": other}))
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "config.json").write_text('{"recipe": "' + name + '", "uni')
    a_file = tmp_path / "a_file"
    a_file.write_text("not a directory")
    with open(os.path.join(held, "config.json"), "w") as file:  # the holder's run, of this recipe
        json.dump({"recipe": name}, file)
    binary, truncated = tmp_path / "binary.toml", tmp_path / "truncated.toml"
    binary.write_bytes(b"\xff\xfe units = 8")
    truncated.write_text("units = [")
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
        "a workdir under a file": (["train", "--workdir", str(a_file / "run"), "--set", "epochs=1"],
                                   f"--workdir {a_file / 'run'} cannot be written (Not a directory)"),
        "a workdir that cannot be created": (["train", "--workdir", UNWRITABLE, "--set", "epochs=1"],
                                             f"--workdir {UNWRITABLE} cannot be written"),
        "a clip_threshold of -inf": (["train", "--set", "clip_threshold=-inf"],
                                     "clip_threshold = -inf: every number setting"),
        "a learning rate that overflows": (["train", "--set", "learning_rate=1e400"], "learning_rate = inf: every"),
        "a nan inside the tune space": (["tune", "--set", "tune.learning_rate=[0.01, nan]"],
                                        "tune.learning_rate[1] = nan: every number setting"),
        "predict ignores --data": (["predict", "x", "--data", "elsewhere"], "--data apply to train, tune and"),
        "predict on another recipe's workdir": (["predict", "x", "--workdir", str(foreign)], f"run of the {other} recipe"),
        "export on another recipe's workdir": (["export", "--workdir", str(foreign)], f"run of the {other} recipe"),
        "a --config that is not UTF-8": (["train", "--config", str(binary)], f"--config {binary}: not UTF-8 text"),
        "a --config cut short": (["train", "--config", str(truncated)], f"--config {truncated}: not valid TOML"),
        "a --config that is a directory": (["train", "--config", str(tmp_path)], f"--config {tmp_path} is a directory"),
        "a workdir another run holds": (["train", "--workdir", held, "--set", "epochs=1"], "is in use by pid"),
        "an export into a workdir another run holds": (["export", "--workdir", held], "is in use by pid"),
        "tune into a workdir that cannot be created": (["tune", "--workdir", UNWRITABLE, "--max-trials", "1"],
                                                       f"--workdir {UNWRITABLE} cannot be written"),
        "an empty workdir": (["export", "--workdir", str(tmp_path / "empty")], "not found: train a model"),
    }


@pytest.mark.parametrize("name", RECIPES)
def test_each_hostile_command_line_is_one_line_exit_2_and_no_traceback(name, tmp_path, held_workdir, capsys):
    main = importlib.import_module(f"zoo.recipes.{name}").main
    for case, (argv, message) in _cases(name, tmp_path, held_workdir).items():
        assert main(argv) == 2, case
        captured = capsys.readouterr()
        assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, (case, captured.err)
        assert message in captured.err, (case, captured.err)
        assert "Traceback" not in captured.err + captured.out, case


def _python_m(module, *arguments):
    return subprocess.Popen([sys.executable, "-m", module, *arguments], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONFAULTHANDLER": "1"})


def _history_rows(workdir):
    return len(read_history_rows(os.path.join(workdir, "history.csv")))


def test_sigterm_during_training_stops_like_ctrl_c_and_the_same_command_resumes(tmp_path):
    """A subprocess: SIGTERM once an epoch is saved gives exit status 143, one line, no traceback, and the
    same command run again continues from the saved epochs."""
    workdir = str(tmp_path / "run")
    arguments = ["train", "--workdir", workdir, "--quiet", "--set", "units=8", "--set", "batch_size=64",
                 "--set", "compare=[]", "--set", "train_minutes=0", "--set", "patience=0"]
    process = _python_m("zoo.recipes.sequence_classification", *arguments, "--set", "epochs=400")
    deadline = time.monotonic() + 240
    while _history_rows(workdir) < 1 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 143, err[-2000:]
    assert err.strip().splitlines()[-1] == ("terminated (SIGTERM): run the same command again to resume from the "
                                            "last checkpoint.")
    assert "Traceback" not in out + err
    saved = _history_rows(workdir)
    assert saved >= 1
    resumed = _python_m("zoo.recipes.sequence_classification", *arguments, "--set", f"epochs={saved + 1}")
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err[-2000:]
    assert [row["epoch"] for row in read_history_rows(os.path.join(workdir, "history.csv"))] == list(range(saved + 1))


@pytest.mark.parametrize("name, argv, message", [
    ("captioning", ["train", "--set", "learning_rate=nan"], "learning_rate = nan: every number setting"),
    ("frame_labeling", ["train", "--data", "/nonexistent/timit"], "/nonexistent/timit: not a directory"),
    ("translation", ["predict", "hello", "--workdir", "/nonexistent/run"], "not found: train a model"),
])
def test_a_refusal_in_a_real_process_prints_one_line_and_no_traceback(name, argv, message):
    """What `main(argv)` in-process cannot see: TensorFlow's and Python's own output at start and exit."""
    process = _python_m(f"zoo.recipes.{name}", *argv)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 2, err[-2000:]
    assert "Traceback" not in out + err and "Fatal Python error" not in err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and message in errors[0], err[-2000:]
