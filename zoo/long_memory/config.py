"""The long-memory lab's settings (`recipes/long_memory.toml` holds the same defaults)."""

import dataclasses
import typing

from zoo.errors import UsageError
from zoo import checks
from zoo.config import RecipeConfig


@dataclasses.dataclass(frozen=True)
class LongMemoryConfig(RecipeConfig):
    """Every setting of `python -m zoo.recipes.long_memory`; `--set key=value` overrides one.

    The basic keys (seed, cell, units, ..., train_minutes) are those of every recipe and apply to
    the main model: `cell` on the adding problem at `main_length`, what evaluate, predict, export
    and tune use. The sweep trains every cell of `cells` on each task at each length for
    `seconds_per_run` and tells which lengths each one learned.
    """

    units: int = 64
    EMBEDDED_EPOCHS: typing.ClassVar[int] = 40  # epochs = "auto" on the embedded data
    learning_rate: float = 1e-2
    train_minutes: float = 0.5
    tune: dict = dataclasses.field(default_factory=lambda: {"min_depth": 1, "max_depth": 1})  # the probe has one layer
    # The sweep.
    cells: tuple[str, ...] = ("simple_rnn", "gru", "lstm", "layernorm_lstm")
    adding_lengths: tuple[int, ...] = (10, 50, 100, 200)
    copy_lengths: tuple[int, ...] = (5, 10, 20, 40)
    seconds_per_run: float = 6.0
    train_examples: int = 4000
    test_examples: int = 500
    adding_threshold: float = 0.1  # learned: test MSE below this share of the always-1.0 baseline's (1/6)
    copy_symbols: int = 3
    copy_alphabet: int = 4
    copy_threshold: float = 0.9  # learned: share of the copied symbols right
    # The gradient and clipping pictures.
    gradient_length: int = 100  # also an adding length: the trained panel of gradients.png uses those runs
    clipping_length: int = 50
    clipping_steps: int = 150
    clipping_learning_rate: float = 0.05  # SGD's, high enough for a simple RNN to blow up unclipped
    clipping_gain: float = 1.5  # the simple RNN's recurrent kernel scaled above orthogonal
    # The main model.
    main_length: int = 50
    export_tolerance: float = 1e-4
    quantized_tolerance: float = 0.05  # quantized files: the largest difference from Keras' sums allowed
    quantizations: tuple[str, ...] = ("float16", "int8")

    def __post_init__(self):
        super().__post_init__()
        from zoo.cells import CELLS

        for cell in self.cells:
            checks.one_of("cells", cell, tuple(CELLS))
        for quantization in self.quantizations:
            checks.one_of("quantizations", quantization, ("float16", "int8"))
        for name in ("adding_lengths", "copy_lengths"):
            for length in getattr(self, name):
                checks.positive_int(name, length)
        for name in ("train_examples", "test_examples", "copy_symbols", "gradient_length", "clipping_length",
                     "clipping_steps", "main_length"):
            checks.positive_int(name, getattr(self, name))
        if min(self.adding_lengths + (self.main_length, self.gradient_length, self.clipping_length)) < 2:
            raise UsageError("adding-problem lengths must be at least 2 (one marker in each half).")
        if self.copy_alphabet < 2 or self.seconds_per_run <= 0 or self.clipping_learning_rate <= 0:
            raise UsageError("copy_alphabet must be >= 2, seconds_per_run and clipping_learning_rate > 0; received "
                             f"{self.copy_alphabet}, {self.seconds_per_run}, {self.clipping_learning_rate}.")
        checks.rate("copy_threshold", self.copy_threshold)
        checks.rate("adding_threshold", self.adding_threshold)
