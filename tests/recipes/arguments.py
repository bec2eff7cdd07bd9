"""Command lines of the recipe tests: a workdir, quiet, and a shrunken config."""


def recipe_arguments(workdir, overrides, *extra):
    """`["--workdir", workdir, "--quiet", "--set", o1, "--set", o2, ..., *extra]`."""
    arguments = ["--workdir", str(workdir), "--quiet"]
    for override in overrides:
        arguments += ["--set", override]
    return arguments + list(extra)
