"""Recipe configs: a TOML file fills a frozen dataclass; `--set key=value` overrides a field.

    config = load_config(CaptioningConfig, "recipes/captioning.toml", ["units=128", 'cell="gru"'])

Values of `--set` are TOML values (`units=128`, `cell="gru"`, `beam_width=1`); a bare word
that is not valid TOML is taken as a string (`cell=gru`). Dotted keys reach tables
(`tune.max_depth=3`). Unknown keys and values of the wrong type are errors that name the file or
the `--set` argument.
"""

import dataclasses
import json
import math
import os
import sys
import types
import typing

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from zoo.errors import UsageError
from zoo import checks
from zoo.atomic import atomic_file
from zoo.settings import setting, type_name
from zoo.cells import CELLS
from zoo.cells.lstm import VARIANTS
from zoo.precision import check_precision
from zoo.training import CLIPPING_MODES
from zoo.tuning.space import SearchSpace


@dataclasses.dataclass(frozen=True)
class RecipeConfig:
    """The keys every recipe's config shares, so users learn them once; a recipe's config subclasses
    it, redeclaring a key to change its default (the key keeps its meaning) or, with `setting`, to say
    what it means in that recipe.

    Each key's meaning is its field's `help` (`zoo.settings.setting`), which `--help`, the `config`
    verb and `recipes/<name>.toml` show. What a line cannot hold: `epochs = "auto"` is the recipe's
    `EMBEDDED_EPOCHS` on its embedded data (the count its README numbers were measured with) and
    `DATA_EPOCHS` with `--data`, where the budget and early stopping end the run; early stopping judges
    an epoch by the recipe's own validation metric and the validation loss; `train_minutes` ends
    training cleanly at the end of the step that spends it, and comparison rows train on the same budget.
    """

    seed: int = setting(0, "seed of data generation, initialization and shuffling",
                        group="The keys every recipe shares")
    cell: str = setting("lstm", "the recurrent cell: simple_rnn, lstm, gru or layernorm_lstm")
    units: int = setting(128, "hidden size")
    depth: int = setting(1, "stacked recurrent layers")
    dropout: float = setting(0.0, "dropout between recurrent layers, in [0, 1)")
    batch_size: int = setting(64, "examples per training step")
    epochs: int | str = setting("auto", 'most epochs a run trains: "auto" = {EMBEDDED_EPOCHS} on the embedded data, '
                                        "{DATA_EPOCHS} with --data")
    learning_rate: float = setting(1e-3, "Adam's learning rate")
    clipping: str = setting("global_norm", "gradient clipping: global_norm (all gradients rescaled together), norm "
                                           "(each tensor alone), value (each element), none")
    clip_threshold: float = setting(1.0, "the clipping threshold: the largest norm, or |value| for clipping = value")
    input_layers: int = setting(0, "deep input: tanh layers between the inputs and the recurrence (Pascanu et al., "
                                   "2014)")
    transition_depth: int = setting(1, "deep transition: nonlinear layers between the previous and the new hidden "
                                       "state, inside each step")
    shortcut: bool = setting(False, "the deep transition's shortcut: the previous hidden state straight into its "
                                    "top layer (DT(S)); needs transition_depth >= 2")
    output_layers: int = setting(0, "deep output: tanh layers between the recurrence and the output layer")
    lstm_variant: str = setting("vanilla", "LSTM with a part removed: vanilla, no_input_gate, no_forget_gate, "
                                           "no_output_gate, cifg, no_input_activation, no_output_activation, "
                                           "sigmoid_candidate (cell = lstm)")
    peephole: bool = setting(False, "LSTM peephole connections from C to the gates (cell = lstm)")
    precision: str = setting("float32", "the Keras dtype policy models are built under: float32, mixed_bfloat16 (CPUs "
                                        "with AVX512-BF16 or AMX) or mixed_float16 (GPUs; the loss is scaled); "
                                        "matmuls in 16 bits, weights, states and outputs in float32; exports float32")
    train_minutes: float = setting(5.0, "wall-clock budget of training; 0 = none")
    patience: int = setting(10, "early stopping: epochs with neither a better validation score nor a lower "
                                "validation loss; 0 = off")
    plateau_patience: int = setting(4, "epochs without a lower validation loss before the learning rate is "
                                       "multiplied by plateau_factor; 0 = off")
    plateau_factor: float = setting(0.5, "the learning rate's factor on a plateau, in (0, 1)")
    tune: dict = setting(default_factory=dict, help="the tune verb's search space (zoo.tuning.SearchSpace); each "
                                                    "trial trains within train_minutes")

    EMBEDDED_EPOCHS: typing.ClassVar[int] = 10
    DATA_EPOCHS: typing.ClassVar[int] = 1000

    def __post_init__(self):
        for field in dataclasses.fields(self):
            for key, value in _numbers(field.name, getattr(self, field.name)):
                if not math.isfinite(value):
                    raise UsageError(f"{key} = {value}: every number setting must be finite (not nan or inf).")
        checks.one_of("cell", self.cell, tuple(CELLS))
        for name in ("units", "depth", "batch_size"):
            checks.positive_int(name, getattr(self, name))
        if self.epochs != "auto":
            checks.positive_int("epochs", self.epochs)
        for name in ("patience", "plateau_patience"):
            if isinstance(getattr(self, name), bool) or getattr(self, name) < 0:
                raise UsageError(f"`{name}` must be an integer >= 0 (0 = off); received {name}={getattr(self, name)!r}.")
        if not 0 < self.plateau_factor < 1:
            raise UsageError(f"`plateau_factor` must lie in (0, 1); received plateau_factor={self.plateau_factor!r}.")
        checks.rate("dropout", self.dropout)
        if self.train_minutes < 0 or self.learning_rate <= 0 or self.clip_threshold <= 0:
            raise UsageError(
                "train_minutes must be >= 0, learning_rate and clip_threshold > 0; received "
                f"train_minutes={self.train_minutes}, learning_rate={self.learning_rate}, "
                f"clip_threshold={self.clip_threshold}."
            )
        checks.one_of("clipping", self.clipping, tuple(CLIPPING_MODES))
        check_precision("precision", self.precision)
        checks.positive_int("transition_depth", self.transition_depth)
        for name in ("input_layers", "output_layers"):
            if isinstance(getattr(self, name), bool) or getattr(self, name) < 0:
                raise UsageError(f"`{name}` must be an integer >= 0 (0 = none); received {name}={getattr(self, name)!r}.")
        if self.shortcut and self.transition_depth < 2:
            raise UsageError("shortcut = true needs transition_depth >= 2 (it skips the transition's inner layers); "
                             f"received transition_depth = {self.transition_depth}.")
        checks.one_of("lstm_variant", self.lstm_variant, VARIANTS)
        if (self.lstm_variant != "vanilla" or self.peephole) and self.cell != "lstm":
            raise UsageError(f"lstm_variant and peephole apply to cell = \"lstm\"; received cell = \"{self.cell}\" "
                             f"with lstm_variant = \"{self.lstm_variant}\", peephole = {str(self.peephole).lower()}.")
        SearchSpace.from_table(self.tune)


def _numbers(key, value):
    """`(key, number)` of every float in a setting's value, nested tables and lists included."""
    if isinstance(value, float):
        yield key, value
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from _numbers(f"{key}.{name}", item)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _numbers(f"{key}[{index}]", item)


# The shared keys that shape a model beyond cell, units, depth and dropout: a resumed run must keep them.
DEEP_KEYS = ("input_layers", "transition_depth", "shortcut", "output_layers", "lstm_variant", "peephole")


def deep_options(config, cell=None):
    """The deep RNN's keyword arguments of every registered model from a recipe config (`input_layers`,
    `transition_depth`, `output_layers`, `cell_options`), for `cell` (default `config.cell`: the LSTM's
    variant and peepholes reach only an LSTM, so comparison rows of other cells stay plain)."""
    cell_options = {"shortcut": True} if config.shortcut else {}
    if (cell or config.cell) == "lstm" and (config.lstm_variant != "vanilla" or config.peephole):
        cell_options.update(variant=config.lstm_variant, peephole=config.peephole)
    return dict(input_layers=config.input_layers, transition_depth=config.transition_depth,
                output_layers=config.output_layers, cell_options=cell_options)


def body_description(config):
    """The recurrent body a config builds, for tables: "lstm 2×256", with the deep RNN's parts when set
    ("lstm (cifg, peepholes) 1×256, transition depth 2 (shortcut), deep input 1")."""
    parts = [option for option, on in ((config.lstm_variant, config.lstm_variant != "vanilla"),
                                       ("peepholes", config.peephole)) if on]  # fmt: skip
    cell = f"{config.cell} ({', '.join(parts)})" if parts else config.cell
    text = f"{cell} {config.depth}×{config.units}"
    if config.transition_depth > 1:
        text += f", transition depth {config.transition_depth}{' (shortcut)' if config.shortcut else ''}"
    for name, layers in (("deep input", config.input_layers), ("deep output", config.output_layers)):
        if layers:
            text += f", {name} {layers}"
    return text


def optimizer_options(config):
    """The optimizer's keyword arguments of every registered model from a recipe config."""
    return dict(learning_rate=config.learning_rate, clipnorm=config.clip_threshold, clipping=config.clipping)


def model_options(config, cell=None):
    """`optimizer_options` and `deep_options` together: what every registered model takes from a recipe
    config beyond `cell`, `units`, `depth` and `dropout`."""
    return {**optimizer_options(config), **deep_options(config, cell)}


def max_epochs(config):
    """The epochs a run may train: `config.epochs`, or for "auto" the recipe's `EMBEDDED_EPOCHS` on
    its embedded data and `DATA_EPOCHS` on the user's (`--data`)."""
    if config.epochs != "auto":
        return config.epochs
    return config.DATA_EPOCHS if getattr(config, "data", "") else config.EMBEDDED_EPOCHS


def stopping(config):
    """The keyword arguments of `zoo.training.fit` that decide a run's length, from `config`."""
    return dict(epochs=max_epochs(config), train_minutes=config.train_minutes, patience=config.patience,
                plateau_patience=config.plateau_patience, plateau_factor=config.plateau_factor)


def absolute_data_path(config):
    """Makes a frozen config's `data` path absolute (it is saved in config.json, and evaluate and
    export must find it from any directory)."""
    if config.data:
        object.__setattr__(config, "data", os.path.abspath(config.data))


def _field_types(config_class):
    return {field.name: field.type for field in dataclasses.fields(config_class)}


def _accepts(annotation, value):
    """Whether `value` (as read from TOML) fits a field annotated `annotation`."""
    if isinstance(annotation, str):
        annotation = eval(annotation, {"typing": typing})  # noqa: S307 (our own dataclass annotations)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_accepts(option, value) for option in typing.get_args(annotation))
    if annotation is type(None):
        return value is None
    if origin in (tuple, list):
        (item,) = set(typing.get_args(annotation)) - {Ellipsis} or {object}
        return isinstance(value, (list, tuple)) and all(_accepts(item, v) for v in value)
    if origin is dict or annotation is dict:
        return isinstance(value, dict)
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is object:
        return True
    return isinstance(value, annotation)


def _coerce(annotation, value):
    if annotation in (float, "float") and isinstance(value, int):
        return float(value)
    if isinstance(value, list):
        return tuple(value)
    return value


def parse_override(text):
    """`"key=value"` → `(["key", ...], value)`, the value parsed as TOML (a bare word is a string)."""
    key, separator, raw = text.partition("=")
    key = key.strip()
    if not separator or not key:
        raise UsageError(f"--set {text!r}: expected key=value, e.g. --set units=128.")
    try:
        value = tomllib.loads(f"value = {raw.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.split("."), value


def _set_nested(values, path, value):
    table = values
    for part in path[:-1]:
        table = table.setdefault(part, {})
        if not isinstance(table, dict):
            raise UsageError(f"--set {'.'.join(path)}: {part} is not a table.")
    table[path[-1]] = value


def check_keys_and_types(config_class, values, source):
    """Raises ValueError naming `source` (a file or "--set ...") for an unknown key or a wrong type."""
    types_ = _field_types(config_class)
    unknown = sorted(set(values) - set(types_))
    if unknown == ["clipnorm"] and "clip_threshold" in types_:
        raise UsageError(f"{source}: clipnorm is now two keys: clipping = \"global_norm\" (what clipnorm did; also "
                         "norm, value, none) and clip_threshold = the threshold.")
    if unknown:
        raise UsageError(f"{source}: unknown key(s) {unknown}; known keys: {', '.join(sorted(types_))}.")
    for key, value in values.items():
        if not _accepts(types_[key], value):
            raise UsageError(f"{source}: {key} = {value!r} has the wrong type; expected {type_name(types_[key])}.")


def config_from_dict(config_class, values, source):
    """A `config_class` from a dict, with errors naming `source` (a file or "--set")."""
    check_keys_and_types(config_class, values, source)
    types_ = _field_types(config_class)
    return config_class(**{key: _coerce(types_[key], value) for key, value in values.items()})


def load_config(config_class, path=None, overrides=()):
    """Reads `path` (TOML; None = the dataclass defaults), then applies `overrides` ("key=value").

    Raises:
        ValueError naming the file or override that is wrong.
    """
    values = {}
    if path is not None:
        if os.path.isdir(path):
            raise UsageError(f"--config {path} is a directory; expected a TOML file.")
        if not os.path.isfile(path):
            raise UsageError(f"--config {path}: no such file.")
        try:
            with open(path, "rb") as file:
                values = tomllib.load(file)
        except tomllib.TOMLDecodeError as error:
            raise UsageError(f"--config {path}: not valid TOML ({error}).") from None
        except UnicodeDecodeError as error:
            raise UsageError(f"--config {path}: not UTF-8 text (byte {error.object[error.start]:#04x} at offset "
                             f"{error.start}); expected a TOML file.") from None
        except OSError as error:
            raise UsageError(f"--config {path}: cannot be read ({error.strerror}).") from None
        check_keys_and_types(config_class, values, path)
    defaults = {field.name: field.default_factory() for field in dataclasses.fields(config_class)
                if field.default_factory is not dataclasses.MISSING}
    for override in overrides:
        key_path, value = parse_override(override)
        if len(key_path) > 1 and key_path[0] not in values and isinstance(defaults.get(key_path[0]), dict):
            values[key_path[0]] = defaults[key_path[0]]  # one key of a table changes; the class's others stay
        _set_nested(values, key_path, value)
        check_keys_and_types(config_class, values, f"--set {override}")
    # Values that must agree with each other are checked once, after every override.
    return config_from_dict(config_class, values, path or "config")


def save_config(config, path, recipe):
    """Writes `config` as JSON with the name of its recipe (the config.json beside an artifact)."""

    with atomic_file(path) as staging, open(staging, "w") as file:
        json.dump({"recipe": recipe, **dataclasses.asdict(config)}, file, indent=2, sort_keys=True)


def _saved_values(path):
    """The JSON object of a config.json; UsageError naming the file when it is not one."""
    try:
        with open(path, encoding="utf-8") as file:
            values = json.load(file)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UsageError(f"{path} is damaged ({error}); train again into another --workdir, or delete the "
                         "workdir to start over.") from error
    if not isinstance(values, dict):
        raise UsageError(f"{path} holds {type(values).__name__}, not a run's settings; is it a zoo workdir?")
    return values


def saved_recipe(path):
    """The recipe name in a config.json written by `save_config`, or None if there is none.

    Raises:
        UsageError naming the file if it is damaged.
    """
    if not os.path.isfile(path):
        return None
    return _saved_values(path).get("recipe")


def read_saved_config(config_class, path):
    """The config saved by `save_config`.

    Raises:
        ValueError naming the file if it is missing or is not a config of `config_class`.
    """
    if not os.path.isfile(path):
        raise UsageError(f"{path} not found: train a model into this workdir first.")
    values = _saved_values(path)
    values.pop("recipe", None)
    if "clipnorm" in values and "clip_threshold" not in values:  # written before the clipping key existed
        values["clip_threshold"] = values.pop("clipnorm")
    return config_from_dict(config_class, values, path)


def with_overrides(config, overrides, allowed):
    """`config` with `overrides` ("key=value", as `--set` takes them) applied, for verbs that read a
    trained model's saved config (e.g. sampling settings at predict time).

    Raises:
        ValueError naming the override if its key is not in `allowed` or its value is wrong.
    """
    values = dataclasses.asdict(config)
    for override in overrides:
        key_path, value = parse_override(override)
        if ".".join(key_path) not in allowed:
            raise UsageError(f"--set {override}: this verb takes only {', '.join(allowed)}; the others are fixed "
                             "by the trained model.")
        _set_nested(values, key_path, value)
        check_keys_and_types(type(config), values, f"--set {override}")
    return config_from_dict(type(config), values, "--set")


def typed_overrides(config_class, overrides, allowed, verb):
    """`overrides` ("key=value", as `--set` takes them) as a dict key → value of `config_class`'s types,
    for a verb that changes only the keys `allowed` of a trained model's saved config.

    Raises:
        ValueError naming the override whose key is not `allowed` or whose value has the wrong type.
    """
    types_, values = _field_types(config_class), {}
    for override in overrides:
        key_path, value = parse_override(override)
        key = ".".join(key_path)
        if key not in allowed:
            takes = f"only {', '.join(allowed)}" if allowed else "no --set"
            raise UsageError(f"--set {override}: {verb} takes {takes}; the other settings are the trained model's.")
        check_keys_and_types(config_class, {key: value}, f"--set {override}")
        values[key] = _coerce(types_[key], value)
    return values


def replace_values(config, values):
    """`config` with `values` (a dict key → value) in place of its own, checked again.

    Raises:
        ValueError naming the keys this config does not have (a setting that does not apply to its recipe).
    """
    unknown = sorted(set(values) - {field.name for field in dataclasses.fields(config)})
    if unknown:
        raise UsageError(f"{', '.join(unknown)} do(es) not apply to {type(config).__name__}.")
    return dataclasses.replace(config, **values)
