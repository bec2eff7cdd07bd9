import pytest

from zoo.recipes import cli

VERBS = {"train": "t", "predict": "p", "tune": "u"}


def test_options_given_before_or_after_the_verb_both_count():
    parser = cli.parser("toy", "a toy recipe", VERBS, "inputs")
    before = parser.parse_args(["--workdir", "W", "--quiet", "--set", "units=8", "train"])
    assert (before.workdir, before.quiet, before.overrides, before.verb) == ("W", True, ["units=8"], "train")
    after = parser.parse_args(["train", "--workdir", "V", "--set", "depth=2"])
    assert (after.workdir, after.quiet, after.overrides) == ("V", False, ["depth=2"])
    plain = parser.parse_args([])
    assert (plain.verb, plain.workdir, plain.overrides) == (None, "saved_models/toy", [])


def test_tune_options():
    args = cli.parser("toy", "a toy recipe", VERBS, "inputs").parse_args(
        ["tune", "--tuner", "hyperband", "--max-trials", "3", "--budget-minutes", "2.5"])
    assert (args.tuner, args.max_trials, args.budget_minutes) == ("hyperband", 3, 2.5)


class RecordingWorkflow:
    """Stands in for a recipe's workflow module: records what the verbs were given."""

    def __init__(self):
        self.calls = []

    def evaluate(self, workdir):
        self.calls.append(("evaluate", workdir))

    def export(self, workdir, overrides=None):
        self.calls.append(("export", workdir, overrides))


def _run(argv, predict_keys=()):
    from zoo.captioning.config import CaptioningConfig

    workflow = RecordingWorkflow()
    args = cli.parser("toy", "a toy recipe", {"evaluate": "e", "export": "x", "predict": "p"}, "inputs").parse_args(argv)
    status = cli.run_verb("toy", args, workflow, CaptioningConfig, lambda: workflow.calls.append(("predict",)),
                          predict_keys)
    return status, workflow.calls


def test_export_takes_the_export_settings_of_set(capsys):
    status, calls = _run(["export", "--workdir", "W", "--set", "quantizations=[]", "--set", "agreement_threshold=1"])
    assert status == 0
    assert calls == [("export", "W", {"quantizations": (), "agreement_threshold": 1.0})]


def test_verbs_of_a_trained_model_refuse_what_they_would_ignore(capsys):
    refusals = {
        ("evaluate", "--set", "units=8"): "--set units=8: evaluate takes no --set",
        ("export", "--set", "units=8"): "--set units=8: export takes only --set quantizations, agreement_threshold, "
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
    assert (status, calls) == (0, [("predict",)])


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
