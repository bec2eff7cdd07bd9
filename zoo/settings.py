"""A config class's settings described once, in the class: each key's one-line meaning is field
metadata, and the TOML files, the `config` verb and `--help` are written from it.

    @dataclasses.dataclass(frozen=True)
    class ToyConfig(RecipeConfig):
        units: int = 64  # a redeclared key keeps the meaning its base class gave it
        window: int = setting(100, "characters per truncated-BPTT window", group="Model")

    settings_of(ToyConfig)           # [Setting(name, type, default, help, group), ...]
    default_toml(ToyConfig, "toy")   # recipes/toy.toml: every key, its default and its meaning
    config_toml(config, "toy", header)  # the same layout for any config (the `config` verb)
    settings_help(ToyConfig)         # the lines `--help` lists
"""

import dataclasses
import json
import re
import textwrap
import types
import typing

from zoo.tuning.space import SearchSpace

COMMENT_COLUMN = 25  # where a key's comment starts in the TOML files
TOML_WIDTH = 110  # longer comments wrap


def setting(default=dataclasses.MISSING, help=None, *, group=None, default_factory=dataclasses.MISSING):  # noqa: A002
    """A config field with its one-line meaning.

    Args:
        default: the field's default (or `default_factory`, for a dict).
        help: str. What the key means, in one line; `{NAME}` reads the class attribute NAME (e.g.
            `{EMBEDDED_EPOCHS}`, so a subclass that changes it is described right).
        group: str, optional. The title of the group this key opens in the TOML file and `--help`;
            the keys after it belong to it until the next one that opens a group.
    """
    metadata = {key: value for key, value in (("help", help), ("group", group)) if value is not None}
    return dataclasses.field(default=default, default_factory=default_factory, metadata=metadata)


@dataclasses.dataclass(frozen=True)
class Setting:
    """One key of a config class: its name, type annotation, default, meaning and group (the title
    of the group it opens, or None)."""

    name: str
    type: object
    default: object
    help: str
    group: str | None


def _declared(config_class, name, key):
    """`key` of the metadata of field `name`, from the first class of the MRO whose declaration gives
    it: a subclass that redeclares a key only to change its default keeps its base's meaning."""
    for klass in config_class.__mro__:
        field = vars(klass).get("__dataclass_fields__", {}).get(name)
        if field is not None and key in field.metadata:
            return field.metadata[key]
    return None


class _ClassAttributes(dict):
    def __init__(self, config_class):
        super().__init__()
        self.config_class = config_class

    def __missing__(self, name):
        return getattr(self.config_class, name)


def settings_of(config_class):
    """Every field of `config_class` as a `Setting`, in the class's order (a base's keys first)."""
    described = []
    for field in dataclasses.fields(config_class):
        help_text = _declared(config_class, field.name, "help") or ""
        default = field.default_factory() if field.default_factory is not dataclasses.MISSING else field.default
        described.append(Setting(field.name, field.type, default,
                                 help_text.format_map(_ClassAttributes(config_class)),
                                 _declared(config_class, field.name, "group")))
    return described


def type_name(annotation):
    """A field's type as `--help` shows it: `int`, `float | str`, `list[str]` (a TOML array), `table`."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_name(option) for option in typing.get_args(annotation))
    if origin in (tuple, list):
        items = [item for item in typing.get_args(annotation) if item is not Ellipsis]
        return f"list[{type_name(items[0])}]" if items else "list"
    if annotation is dict or origin is dict:
        return "table"
    if annotation in (tuple, list):
        return "list"
    return getattr(annotation, "__name__", str(annotation))


def toml_value(value):
    """`value` as TOML: `true`, `3`, `2e-3`, `"gru"`, `["float16", "int8"]`, `{max_depth = 2}`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")  # a JSON string is a TOML one
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(key)} = {toml_value(item)}" for key, item in value.items()) + "}"
    raise TypeError(f"no TOML form for {value!r} ({type(value).__name__}).")


def _float_text(value):
    """The shortest text that reads back as `value`; small numbers in exponent form (`1e-4`)."""
    if value != value or value in (float("inf"), float("-inf")):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}[repr(value)]
    if value == 0 or abs(value) >= 0.01:
        return repr(value)
    digits = next(digits for digits in range(17) if float(f"{value:.{digits}e}") == value)
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _toml_key(key):
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_value(key)


def _wrap(text, width):
    return textwrap.wrap(text, width, break_on_hyphens=False)


def _commented(text, indent="", width=TOML_WIDTH):
    """`text` as comment lines starting with `indent`, wrapped at `width`."""
    return [f"{indent}# {line}" for line in _wrap(text, max(width - len(indent) - 2, 40))]


def _assignment(name, value, help_text):
    """`name = value` with its meaning as a comment at `COMMENT_COLUMN` (wrapped below itself)."""
    line = f"{name} = {toml_value(value)}"
    if not help_text:
        return [line]
    column = max(COMMENT_COLUMN, len(line) + 2)
    comments = _commented(help_text, " " * column)
    return [line + comments[0][len(line):]] + comments[1:]


def config_toml(config, recipe, header):
    """The TOML text of `config`: the `header` comment lines, then every key with its value and its
    meaning, by group (the keys every recipe shares first), and the `[tune]` table last (its keys
    commented out where the search space keeps its default). `load_config` reads it back to `config`.

    Args:
        config: a recipe config (a frozen dataclass of `zoo.config.RecipeConfig`).
        recipe: str. The recipe's name.
        header: list of str. The opening comment lines, without "# ".
    """
    described = settings_of(type(config))
    lines = [comment for line in header for comment in _commented(line)]
    for setting_ in described:
        if setting_.name == "tune":
            continue
        if setting_.group is not None:
            lines += ["", f"# {setting_.group}."]
        lines += _assignment(setting_.name, getattr(config, setting_.name), setting_.help)
    tune = next((s for s in described if s.name == "tune"), None)
    if tune is not None:
        bidirectional = any(s.name == "bidirectional" for s in described)
        lines += ["", *_tune_table(config.tune, tune.help, bidirectional)]
    return "\n".join(lines) + "\n"


def _tune_table(table, help_text, has_bidirectional):
    """The `[tune]` table: `table`'s keys as they are; every other key of the search space commented
    out with its default, to uncomment."""
    lines = _commented(f"{help_text[:1].upper()}{help_text[1:]}. Uncomment a key to narrow it, or use "
                       "--set tune.max_depth=2 and the like.")
    lines.append("[tune]" if table else "# [tune]")
    lines += [f"{_toml_key(key)} = {toml_value(value)}" for key, value in table.items()]
    for field in dataclasses.fields(SearchSpace):
        if field.name not in table and (field.name != "bidirectional" or has_bidirectional):
            lines.append(f"# {field.name} = {toml_value(field.default)}")
    return lines


def default_toml(config_class, recipe):
    """`recipes/<recipe>.toml`: the defaults of `config_class`, each with its meaning."""
    return config_toml(config_class(), recipe, [
        f"python -m zoo.recipes.{recipe}: the defaults ({config_class.__module__}.{config_class.__qualname__}).",
        "Override any value with --set key=value, or pass your own file with --config FILE.",
        "Written from the class by zoo.recipes.cli.write_default_tomls(): change the class, not this file.",
    ])


def settings_help(config_class, width=100):
    """The lines `--help` lists: each key with its type, default and meaning, by group."""
    described = settings_of(config_class)
    entries = [(s, f"{s.name}: {type_name(s.type)} = {toml_value(s.default)}") for s in described]
    column = min(max(len(entry) for _, entry in entries), 36) + 6
    lines = []
    for setting_, entry in entries:
        if setting_.group is not None:
            lines.append(f"  {setting_.group}:")
        text = f"    {entry}"
        wrapped = _wrap(setting_.help, max(width - column, 30)) or [""]
        if len(text) + 2 > column:  # a long entry: its meaning on the lines below
            lines += [text] + [" " * column + line for line in wrapped]
        else:
            lines += [text.ljust(column) + wrapped[0]] + [" " * column + line for line in wrapped[1:]]
    return lines
