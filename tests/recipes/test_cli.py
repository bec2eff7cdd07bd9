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
