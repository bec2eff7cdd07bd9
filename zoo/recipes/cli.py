"""What every recipe's command line shares: its verbs, `--config`, `--set`, `--workdir`, `--data`, and
`--help` listing the settings of the recipe's config class.

    python -m zoo.recipes.<name>                 # train, evaluate, export
    python -m zoo.recipes.<name> train|evaluate|predict|export|tune|config [options]
"""

import argparse
import contextlib
import dataclasses
import json
import os
import pathlib
import pkgutil
import shutil
import signal
import sys
import textwrap
import threading

from zoo.arguments import non_negative
from zoo.atomic import atomic_file
from zoo.errors import UsageError
from zoo.config import load_config, typed_overrides
from zoo.settings import config_toml, default_toml, settings_help

REPOSITORY_RECIPES = pathlib.Path(__file__).resolve().parents[2] / "recipes"
# The settings `export --set` may change: how the artifacts are written and proved, not the model.
EXPORT_KEYS = ("quantizations", "agreement_threshold", "export_tolerance", "quantized_tolerance")


def default_config_path(name):
    """`recipes/<name>.toml` of the repository, or None when zoo is installed without it."""
    path = REPOSITORY_RECIPES / f"{name}.toml"
    return str(path) if path.is_file() else None


def _common_options(name, defaults=True):
    """The options of every verb. The verbs' copies have no defaults of their own (`defaults=False`),
    so an option given before the verb is not reset by the verb's parser."""

    def default(value):
        return value if defaults else argparse.SUPPRESS

    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--config", metavar="FILE", default=default(None),
                         help=f"a TOML config (default: recipes/{name}.toml)")
    options.add_argument("--set", dest="overrides", metavar="KEY=VALUE", action="append", default=default([]),
                         help="override a config value, as TOML (--set units=128 --set cell=\"gru\"); repeatable")
    options.add_argument("--workdir", default=default(os.path.join("saved_models", name)),
                         help=f"checkpoints, model and artifacts (default: saved_models/{name})")
    options.add_argument("--data", metavar="PATH", default=default(None),
                         help="train on this dataset instead of the embedded one")
    options.add_argument("--quiet", action="store_true", default=default(False), help="no progress bars")
    return options


def _strategy_option(parser, defaults=True):
    parser.add_argument("--strategy", choices=("default", "mirrored", "multi_worker"),
                        default="default" if defaults else argparse.SUPPRESS,
                        help="tf.distribute strategy of training: mirrored = every local device, multi_worker = the "
                             "workers of $TF_CONFIG (default: one device)")


CONFIG_VERB = ("print the settings of a run as TOML (the defaults, then --config, --data and --set); save it and "
               "train with --config FILE")


def parser(recipe):
    """The argparse parser of `recipe` (a `zoo.recipe.Recipe`): its verbs (and `config`), predict's
    inputs as it describes them; `--help` of the recipe, and of its verbs that read settings, lists every
    key of its config class."""
    name, config_class, description = recipe.name, recipe.config_class, recipe.description
    verbs, predict_help, predict_inputs = recipe.verbs, recipe.predict_help, recipe.predict_inputs
    width = shutil.get_terminal_size().columns - 2  # argparse's own width

    def wrapped(text):
        return textwrap.fill(text, width)

    settings = "\n".join(["settings (--set KEY=VALUE; the config verb prints a run's as TOML):",
                          *settings_help(config_class, width)])
    raw = argparse.RawDescriptionHelpFormatter  # the settings' lines stay as written
    main = argparse.ArgumentParser(prog=f"python -m zoo.recipes.{name}", description=wrapped(description),
                                   epilog=settings, formatter_class=raw, parents=[_common_options(name)])
    _strategy_option(main)
    common = _common_options(name, defaults=False)
    verbs = {**verbs, "config": CONFIG_VERB}
    commands = main.add_subparsers(dest="verb", metavar="{" + ",".join(verbs) + "}",
                                   help="what to do (default: train, evaluate and export)")
    for verb, help_text in verbs.items():
        sub = commands.add_parser(verb, help=help_text, description=wrapped(help_text), parents=[common],
                                  formatter_class=raw, epilog=settings if verb in ("train", "tune", "config") else None)
        if verb == "predict":
            sub.add_argument("inputs", nargs=predict_inputs, metavar="INPUT", help=predict_help)
            sub.add_argument("--output", metavar="FILE", help="write the predictions to FILE (default: stdout)")
            sub.add_argument("--format", choices=("text", "jsonl"), default="text",
                             help="text (default) or jsonl: one JSON object per input, its fields named (a failed "
                                  "input has \"error\")")
        if verb in ("train", "tune"):
            _strategy_option(sub, defaults=False)
        if verb == "tune":
            sub.add_argument("--tuner", choices=("random", "bayesian", "hyperband"), default="random",
                             help="keras-tuner's search algorithm (default: random)")
            sub.add_argument("--max-trials", type=int, default=10, help="most models trained (default: 10)")
            sub.add_argument("--budget-minutes", type=non_negative, default=0.0,
                             help="no trial starts after this many minutes (default: 0, no budget); each trial "
                                  "trains within the config's train_minutes")
    return main


def recipes():
    """{name: `zoo.recipe.Recipe`} of every recipe: one per module of `zoo.recipes` (cli aside), found by
    the name the module carries (`zoo.recipe.find`)."""
    import zoo.recipes
    from zoo.recipe import find

    return {module.name: find(module.name) for module in sorted(pkgutil.iter_modules(zoo.recipes.__path__),
                                                                key=lambda module: module.name)
            if module.name != "cli"}


def recipe_configs():
    """{name: config class} of every recipe."""
    return {name: recipe.config_class for name, recipe in recipes().items()}


def write_default_tomls(folder=REPOSITORY_RECIPES):
    """Writes `recipes/<name>.toml` of every recipe from its config class (`zoo.settings.default_toml`);
    tests/test_config.py checks the files equal what this writes."""
    for name, config_class in recipe_configs().items():
        with atomic_file(os.path.join(folder, f"{name}.toml")) as staging, open(staging, "w", encoding="utf-8") as file:
            file.write(default_toml(config_class, name))


def resolved_toml(name, config, args):
    """The `config` verb's output: `config` as TOML, headed by where its values come from."""
    given = [f"--config {args.config}"] if args.config else []
    given += [f"--data {args.data}"] if args.data else []
    given += [f"--set {override}" for override in args.overrides]
    return config_toml(config, name, [
        f"python -m zoo.recipes.{name}: the settings of a run: the defaults "
        f"({type(config).__module__}.{type(config).__qualname__}){', then ' + ' '.join(given) if given else ''}.",
        f"Train with them: python -m zoo.recipes.{name} train --config FILE.",
    ])


def read_config(name, config_class, args):
    """The config of a command line: the TOML, then `--data`, then the `--set` overrides."""
    overrides = list(args.overrides)
    if args.data:
        overrides.insert(0, "data=" + json.dumps(args.data))
    return load_config(config_class, args.config or default_config_path(name), overrides)


def verbosity(args):
    """Keras' verbosity: a live progress bar on a terminal, a line per epoch in a log, none with --quiet."""
    if args.quiet:
        return 0
    return 1 if sys.stdout.isatty() else 2


class Terminated(KeyboardInterrupt):
    """SIGTERM (a `kill`, a scheduler's preemption): a run stops as on Ctrl-C, the last finished epoch's
    checkpoint kept, and the same command resumes from it."""


def _stop(signal_number, frame):
    """Ctrl-C or SIGTERM: training stops at its next batch boundary (`zoo.training.request_stop`);
    anything else, or a second signal, stops at once."""
    stop = Terminated() if signal_number == signal.SIGTERM else KeyboardInterrupt()
    training = sys.modules.get("zoo.training")  # not imported: no fit runs (and no import inside a handler)
    if training is None or not training.request_stop(stop):
        raise stop


@contextlib.contextmanager
def signals_stop_cleanly():
    """Ctrl-C and SIGTERM go through `_stop` for the duration, in the main thread (elsewhere Python
    delivers no signal)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, _stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def run_command(function):
    """Runs a verb: a `UsageError` (bad input or a bad setting, named) becomes a one-line error and exit
    status 2, a refused export (the other artifacts are written) or a diverged training run exit status
    1, Ctrl-C exit status 130 and SIGTERM 143 (both resumable); any other exception is a bug and keeps its
    traceback."""
    from zoo.export.errors import ExportError
    from zoo.training import TrainingDiverged

    try:
        with signals_stop_cleanly():
            return function() or 0
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (ExportError, TrainingDiverged) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as stop:
        terminated = isinstance(stop, Terminated)
        print(f"{'terminated (SIGTERM)' if terminated else 'interrupted'}: run the same command again to resume "
              f"from the last checkpoint.", file=sys.stderr)  # fmt: skip
        return 143 if terminated else 130


def trained_model_overrides(args, config_class, allowed):
    """`--set` of a verb that reads a trained model's saved config (evaluate, export, predict), as a dict
    key → value.

    Raises:
        ValueError naming the option: `--config` and `--data` (the trained model's config.json holds
        them), or a `--set` key outside `allowed` or of the wrong type.
    """
    given = [option for option, value in (("--config", args.config), ("--data", args.data)) if value]
    if given:
        raise UsageError(f"{args.verb} reads the settings train saved in {os.path.join(args.workdir, 'config.json')}; "
                         f"{' and '.join(given)} apply to train, tune and the default run.")
    return typed_overrides(config_class, args.overrides, allowed, args.verb)


@contextlib.contextmanager
def _output(path):
    """stdout, or the file `path` written whole or not at all."""
    if path in (None, "-"):
        yield sys.stdout
        return
    with atomic_file(path) as staging, open(staging, "w", encoding="utf-8") as file:
        yield file


def read_lines(stream):
    """`(lines, skipped)`: the lines of `stream` (text, or bytes read as UTF-8); a line that is not UTF-8
    is named on stderr and skipped, and the others go on."""
    lines, skipped = [], 0
    for number, line in enumerate(getattr(stream, "buffer", stream), start=1):
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8")
            except UnicodeDecodeError as error:
                print(f"stdin line {number}: not UTF-8 ({error.reason} at byte {error.start}), skipped", file=sys.stderr)
                skipped += 1
                continue
        lines.append(line.rstrip("\r\n"))
    return lines, skipped


def write_predictions(records, output, output_format, text_of):
    """Writes predict's `records` (a dict per input: `"input"` and the recipe's result fields, or `"input"`
    and `"error"` for an input that failed) to `output`; returns the number that failed.

    "jsonl": one JSON object per record, failures included. "text": `text_of(record)`, the recipe's own
    lines; a failure for which it returns None (the recipe reports failures aside) goes to stderr.
    """
    failures = 0
    for record in records:
        failures += "error" in record
        if output_format == "jsonl":
            print(json.dumps(record, ensure_ascii=False, default=_plain), file=output)
        elif (text := text_of(record)) is not None:
            print(text, file=output)
        else:
            print(record["error"], file=sys.stderr)
        output.flush()
    return failures


def _plain(value):
    """numpy numbers and arrays as JSON values (anything else is a bug: TypeError)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def main(recipe, argv=None, stdin=None):
    """`python -m zoo.recipes.<name>` of `recipe`: parses `argv` (default: the process's) and runs the
    verb; returns the exit status. predict with no inputs reads the lines of `stdin` (default: the
    process's) when the recipe takes any number of inputs."""
    args = parser(recipe).parse_args(sys.argv[1:] if argv is None else argv)
    return run_command(lambda: run_verb(recipe, args, stdin))


def run_verb(recipe, args, stdin=None):
    """Runs the verb of `args` with `recipe`'s verbs; returns the exit status.

    evaluate, export and predict read the trained model's config: they refuse `--config` and `--data`,
    and take `--set` only for `EXPORT_KEYS` the recipe has (export) or its `predict_keys` (predict).
    `config` prints the config train would use, as TOML.
    """
    name, config_class = recipe.name, recipe.config_class
    if args.verb == "predict":
        overrides = trained_model_overrides(args, config_class, recipe.predict_keys)
        inputs, unreadable = (args.inputs, 0) if args.inputs else read_lines(stdin or sys.stdin)
        with _output(args.output) as output:
            failures = write_predictions(recipe.predict(args.workdir, inputs, overrides), output, args.format,
                                         recipe.predict_text)
        return 1 if failures or unreadable else 0
    if args.verb == "config":
        print(resolved_toml(name, read_config(name, config_class, args), args), end="")
        return 0
    if args.verb == "evaluate":
        trained_model_overrides(args, config_class, ())
        recipe.evaluate(args.workdir)
        return 0
    if args.verb == "export":
        fields = {field.name for field in dataclasses.fields(config_class)}
        allowed = [key for key in EXPORT_KEYS if key in fields]
        recipe.export(args.workdir, overrides=trained_model_overrides(args, config_class, allowed))
        return 0
    from zoo import distribute

    config = read_config(name, config_class, args)
    strategy_name = getattr(args, "strategy", "default")
    if args.verb == "tune" and strategy_name == "multi_worker":  # trial by trial: keras-tuner's own mode
        os.environ.update(distribute.keras_tuner_environment(distribute.read_tf_config()))
        recipe.tune(config, args.workdir, args.tuner, args.max_trials, args.budget_minutes, verbose=verbosity(args))
        return 0
    strategy = distribute.make_strategy(strategy_name)
    workdir = distribute.worker_directory(args.workdir, strategy)  # a cluster's other workers write elsewhere
    if args.verb == "tune":  # keras-tuner builds each trial's model in the strategy's scope
        recipe.tune(config, workdir, args.tuner, args.max_trials, args.budget_minutes, verbose=verbosity(args),
                    strategy=None if strategy_name == "default" else strategy)
        if workdir != args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        return 0
    with strategy.scope():  # models built here are distributed; fit picks the loop from them
        if args.verb == "train" or strategy_name != "default":
            recipe.train(config, workdir, verbose=verbosity(args))
        else:
            recipe.run(config, workdir, verbose=verbosity(args))
            return 0
    if workdir != args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
        print("worker done: the chief writes the model" + (", evaluates and exports." if args.verb is None else "."))
        return 0
    if args.verb is None:  # a distributed default run: the chief evaluates and exports what it wrote
        recipe.evaluate(args.workdir)
        recipe.export(args.workdir)
    return 0
