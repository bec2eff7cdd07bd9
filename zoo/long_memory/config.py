"""The long-memory lab's settings (`recipes/long_memory.toml` is written from them)."""

import dataclasses
import typing

from zoo.errors import UsageError
from zoo import checks
from zoo.config import RecipeConfig
from zoo.settings import setting

STUDIES = ("variants", "deep", "clipping")  # what train's studies can be (zoo.long_memory.study_runs)


@dataclasses.dataclass(frozen=True)
class LongMemoryConfig(RecipeConfig):
    """Every setting of `python -m zoo.recipes.long_memory`; `--set key=value` overrides one.

    The basic keys (seed, cell, units, ..., train_minutes) are those of every recipe and apply to
    the main model: `cell` on the adding problem at `main_length`, what evaluate, predict, export
    and tune use. The sweep trains every cell of `cells` on each task at each length for
    `seconds_per_run` and tells which lengths each one learned.
    """

    cell: str = setting("lstm", "the main model's cell: simple_rnn, lstm, gru or layernorm_lstm")
    units: int = 64
    depth: int = setting(1, "stacked recurrent layers (the probe has one)")
    EMBEDDED_EPOCHS: typing.ClassVar[int] = 40  # epochs = "auto" on the embedded data
    epochs: int | str = setting("auto", 'most epochs of the main model: "auto" = {EMBEDDED_EPOCHS}')
    learning_rate: float = 1e-2
    clip_threshold: float = setting(1.0, "the clipping threshold: the largest norm, or |value| for clipping = value "
                                         "(also the clipped curves of clipping.png)")
    train_minutes: float = setting(0.5, "the main model's wall-clock budget; 0 = none")
    tune: dict = setting(default_factory=lambda: {"min_depth": 1, "max_depth": 1},
                         help="the tune verb's search space (zoo.tuning.SearchSpace), one layer deep like the probe")
    cells: tuple[str, ...] = setting(("simple_rnn", "gru", "lstm", "layernorm_lstm"), "the cells the sweep compares",
                                     group="The sweep: every cell on each task at each length")
    adding_lengths: tuple[int, ...] = setting((10, 50, 100, 200), "sequence lengths of the adding problem")
    copy_lengths: tuple[int, ...] = setting((5, 10, 20, 40), "the copy task's delays: steps between the symbols and "
                                                             "the delimiter")
    seconds_per_run: float = setting(6.0, "training budget of each cell, task and length")
    train_examples: int = setting(4000, "training sequences per run")
    test_examples: int = setting(500, "test sequences per run")
    adding_threshold: float = setting(0.1, "learned: test MSE below this share of the always-1.0 baseline's (1/6)")
    copy_symbols: int = setting(3, "symbols to remember in the copy task")
    copy_alphabet: int = setting(4, "distinct symbols of the copy task")
    copy_threshold: float = setting(0.9, "learned: this share of the copied symbols right")
    studies: tuple[str, ...] = setting(STUDIES, "the studies train runs after the sweep: "
                                       "variants (LSTM's parts taken out), deep (deep RNNs against stacking), "
                                       "clipping (none, value, global_norm)", group="The studies")
    study_size: str = setting("quick", "quick: one seed, one learning rate, the adding problem at T=30 (deep: T=20), about 1.5 minutes; "
                                       "full: 3 seeds, a learning rate chosen per row, the adding problem at T=50 and "
                                       "100, the copy task at T=10 and 20, characters (what the README's tables were "
                                       "measured with; over an hour on 2 cores)")
    study_characters: int = setting(600_000, "characters of Python's standard library read for the character task")
    gradient_length: int = setting(100, "sequence length of gradients.png; also an adding length, so its trained "
                                        "panel uses the sweep's models", group="The pictures")
    clipping_length: int = setting(50, "sequence length of clipping.png", group="The clipping study")
    clipping_steps: int = setting(150, "SGD steps of each curve of clipping.png")
    clipping_learning_rate: float = setting(0.05, "SGD's learning rate, high enough for a simple RNN to blow up "
                                                  "unclipped")
    clipping_gain: float = setting(1.5, "the simple RNN's recurrent kernel scaled above orthogonal")
    main_length: int = setting(50, "the adding problem's length", group="The main model: cell on the adding problem")
    export_tolerance: float = setting(1e-4, "max |difference| of float32 TFLite outputs from the Keras model's")
    quantized_tolerance: float = setting(0.05, "quantized files: the largest difference from Keras' sums allowed")
    quantizations: tuple[str, ...] = setting(("float16", "int8"), "TFLite variants besides float32: float16, int8")

    def __post_init__(self):
        super().__post_init__()
        from zoo.cells import CELLS

        for cell in self.cells:
            checks.one_of("cells", cell, tuple(CELLS))
        for study in self.studies:
            checks.one_of("studies", study, STUDIES)
        checks.one_of("study_size", self.study_size, ("quick", "full"))
        checks.positive_int("study_characters", self.study_characters)
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
