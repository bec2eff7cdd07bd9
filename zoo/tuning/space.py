"""The search space of a sweep, read from a recipe config's `[tune]` table."""

import dataclasses

from zoo.errors import UsageError
from zoo import checks
from zoo.cells import CELLS
from zoo.cells.lstm import VARIANTS


@dataclasses.dataclass(frozen=True)
class SearchSpace:
    """What a sweep varies: cell type, depth, hidden size (log scale), dropout, learning rate (log),
    and, for recipes whose config has a `bidirectional` key, one or both directions.

    Every layer of a model has the same width, so a trial lists no per-layer value that its depth
    leaves unused.

    Args:
        cells: cell names to try (default all four).
        min_depth, max_depth: int, default 1 and 4.
        min_units, max_units: int, default 32 and 1024, sampled on a log scale.
        min_dropout, max_dropout: float, default 0 and 0.5.
        min_learning_rate, max_learning_rate: float, default 1e-4 and 1e-2, log scale.
        bidirectional: the values of `bidirectional` to try (default both), where the recipe has it.
        min_transition_depth, max_transition_depth: int, default 1 and 1 (no deep transition searched).
        shortcut: the values of the deep transition's `shortcut` to try where transition_depth >= 2 (default false).
        min_input_layers, max_input_layers, min_output_layers, max_output_layers: int, default 0 (no deep input
            or output MLP searched).
        peephole: the values of the LSTM's `peephole` to try when the trial's cell is "lstm" (default false).
        lstm_variants: the LSTM variants to try when the trial's cell is "lstm" (default "vanilla" only).

    The deep-RNN keys are off by default, so a sweep stays the size it was; widen them to search
    deep transitions or peepholes, e.g. `--set tune.max_transition_depth=3 --set tune.peephole=[true,false]`.
    """

    cells: tuple = tuple(CELLS)
    min_depth: int = 1
    max_depth: int = 4
    min_units: int = 32
    max_units: int = 1024
    min_dropout: float = 0.0
    max_dropout: float = 0.5
    min_learning_rate: float = 1e-4
    max_learning_rate: float = 1e-2
    bidirectional: tuple = (True, False)
    min_transition_depth: int = 1
    max_transition_depth: int = 1
    shortcut: tuple = (False,)
    min_input_layers: int = 0
    max_input_layers: int = 0
    min_output_layers: int = 0
    max_output_layers: int = 0
    peephole: tuple = (False,)
    lstm_variants: tuple = ("vanilla",)

    def __post_init__(self):
        for cell in self.cells:
            checks.one_of("tune.cells", cell, tuple(CELLS))
        if not self.cells:
            raise UsageError("`tune.cells` must name at least one cell.")
        for low, high in (("min_depth", "max_depth"), ("min_units", "max_units")):
            checks.positive_int(f"tune.{low}", getattr(self, low))
            checks.positive_int(f"tune.{high}", getattr(self, high))
        checks.positive_int("tune.min_transition_depth", self.min_transition_depth)
        for name in ("min_input_layers", "max_input_layers", "min_output_layers", "max_output_layers"):
            if isinstance(getattr(self, name), bool) or not isinstance(getattr(self, name), int) or getattr(self, name) < 0:
                raise UsageError(f"`tune.{name}` must be an integer >= 0; received {getattr(self, name)!r}.")
        for variant in self.lstm_variants:
            checks.one_of("tune.lstm_variants", variant, VARIANTS)
        for name in ("shortcut", "peephole", "lstm_variants"):
            if not getattr(self, name):
                raise UsageError(f"`tune.{name}` must list at least one value.")
        for name in ("shortcut", "peephole"):
            if any(not isinstance(value, bool) for value in getattr(self, name)):
                raise UsageError(f"`tune.{name}` must list true and/or false; received {getattr(self, name)!r}.")
        for low, high in (("min_depth", "max_depth"), ("min_units", "max_units"), ("min_dropout", "max_dropout"),
                          ("min_learning_rate", "max_learning_rate"), ("min_transition_depth", "max_transition_depth"),
                          ("min_input_layers", "max_input_layers"), ("min_output_layers", "max_output_layers")):
            if getattr(self, low) > getattr(self, high):
                raise UsageError(f"`tune.{low}` ({getattr(self, low)}) is above `tune.{high}` ({getattr(self, high)}).")
        if not self.bidirectional or any(not isinstance(value, bool) for value in self.bidirectional):
            raise UsageError(f"`tune.bidirectional` must list true and/or false; received {self.bidirectional!r}.")
        if not 0 <= self.min_dropout <= self.max_dropout < 1 or self.min_learning_rate <= 0:
            raise UsageError("tune: dropout must lie in [0, 1) and learning rates be positive.")

    @classmethod
    def from_table(cls, table):
        """The space of a config's `tune` table (a dict); unknown keys are errors naming them."""
        fields = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(table) - fields)
        if unknown:
            raise UsageError(f"unknown key(s) {['tune.' + k for k in unknown]}; known: {sorted(fields)}.")
        values = dict(table)
        for key in ("cells", "bidirectional", "shortcut", "peephole", "lstm_variants"):
            if key in values:
                values[key] = tuple(values[key]) if isinstance(values[key], (list, tuple)) else (values[key],)
        return cls(**values)

    def sample(self, hp, bidirectional=False):
        """The trial's settings from a keras-tuner `HyperParameters`: a dict of config keys (with
        `bidirectional` when the recipe has that key)."""
        values = {
            "cell": hp.Choice("cell", list(self.cells)) if len(self.cells) > 1 else hp.Fixed("cell", self.cells[0]),
            "depth": _ranged(hp.Int, hp, "depth", self.min_depth, self.max_depth),
            "units": _ranged(hp.Int, hp, "units", self.min_units, self.max_units, sampling="log"),
            "dropout": _ranged(hp.Float, hp, "dropout", self.min_dropout, self.max_dropout),
            "learning_rate": _ranged(hp.Float, hp, "learning_rate", self.min_learning_rate, self.max_learning_rate,
                                     sampling="log"),
        }
        # The deep-RNN keys join a trial only where the table sets them: the others keep the base config's value.
        for name, low, high, off in (("transition_depth", self.min_transition_depth, self.max_transition_depth, 1),
                                     ("input_layers", self.min_input_layers, self.max_input_layers, 0),
                                     ("output_layers", self.min_output_layers, self.max_output_layers, 0)):
            if (low, high) != (off, off):
                values[name] = _ranged(hp.Int, hp, name, low, high)
        for name, choices, off in (("shortcut", self.shortcut, (False,)), ("peephole", self.peephole, (False,)),
                                   ("lstm_variant", self.lstm_variants, ("vanilla",))):
            if tuple(choices) != off:
                chosen = hp.Choice(name, list(choices)) if len(choices) > 1 else hp.Fixed(name, choices[0])
                values[name] = bool(chosen) if isinstance(choices[0], bool) else chosen
        if bidirectional:
            choices = list(self.bidirectional)
            chosen = hp.Choice("bidirectional", choices) if len(choices) > 1 else hp.Fixed("bidirectional", choices[0])
            values["bidirectional"] = bool(chosen)  # keras-tuner hands a boolean choice back as 0 / 1
        return values


def meaningful(values, base):
    """`values` (a trial's sampled config keys) with the deep-RNN keys its cell or transition depth leaves
    meaningless turned off (an LSTM variant or peepholes on another cell; a shortcut without a deep transition),
    judged on `base` (the recipe config) where `values` does not set the key."""
    merged = {**dataclasses.asdict(base), **values}
    values = dict(values)
    if merged["cell"] != "lstm" and (merged["lstm_variant"] != "vanilla" or merged["peephole"]):
        values.update(lstm_variant="vanilla", peephole=False)
    if merged["transition_depth"] < 2 and merged["shortcut"]:
        values["shortcut"] = False
    return values


def _ranged(kind, hp, name, low, high, **kwargs):
    """A searched value in [low, high], or a fixed one when the range is a single value."""
    if low == high:
        return hp.Fixed(name, low)
    return kind(name, low, high, **kwargs)
