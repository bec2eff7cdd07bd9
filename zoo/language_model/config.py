"""The language model recipe's settings (`recipes/language_model.toml` holds the same defaults)."""

import dataclasses
import typing

from zoo.errors import UsageError
from zoo import checks
from zoo.config import RecipeConfig, absolute_data_path

SAMPLING_KEYS = ("temperature", "top_k", "top_p", "sample_length", "sample_seed")


@dataclasses.dataclass(frozen=True)
class LanguageModelConfig(RecipeConfig):
    """Every setting of `python -m zoo.recipes.language_model`; `--set key=value` overrides one.

    The basic keys (seed, cell, units, depth, dropout, batch_size, epochs, learning_rate, clipnorm,
    train_minutes) are those of every recipe (`zoo.config.RecipeConfig`); `batch_size` is the number
    of text streams read side by side and `window` the characters of each truncated-BPTT step. The
    sampling keys (temperature, top_k, top_p, sample_length, sample_seed) also apply to `predict`.
    """

    cell: str = "gru"
    units: int = 256
    batch_size: int = 32
    EMBEDDED_EPOCHS: typing.ClassVar[int] = 20  # epochs = "auto" on the embedded data
    learning_rate: float = 2e-3
    train_minutes: float = 3.0
    # Data.
    data: str = ""  # a .txt file or a folder of them (--data PATH); "" = Python's standard library source
    max_characters: int = 0  # 0 = the whole corpus
    validation_fraction: float = 0.05
    test_fraction: float = 0.05
    min_count: int = 20  # rarer characters read as the unknown character
    max_vocabulary: int = 128
    # Model and training.
    embedding_dim: int = 32
    window: int = 100  # characters per truncated-BPTT window
    # Evaluation.
    ngram_orders: tuple[int, ...] = (1, 3, 5, 7)
    evaluation_streams: int = 32
    # Sampling (evaluate's samples and predict).
    temperature: float = 0.8  # 0 = always the likeliest character
    top_k: int = 0  # 0 = no top-k cut
    top_p: float = 1.0  # 1 = no nucleus cut
    sample_length: int = 300
    sample_seed: int = 0
    prompts: tuple[str, ...] = ()  # () = the starts of three test lines
    # Export.
    export_tolerance: float = 1e-4
    agreement_threshold: float = 0.95
    quantizations: tuple[str, ...] = ("float16", "int8")

    def __post_init__(self):
        super().__post_init__()
        absolute_data_path(self)
        for name in ("min_count", "max_vocabulary", "embedding_dim", "window", "evaluation_streams", "sample_length"):
            checks.positive_int(name, getattr(self, name))
        for order in self.ngram_orders:
            checks.positive_int("ngram_orders", order)
        for quantization in self.quantizations:
            checks.one_of("quantizations", quantization, ("float16", "int8"))
        checks.rate("agreement_threshold", self.agreement_threshold)
        if self.max_characters < 0 or self.top_k < 0 or self.temperature < 0 or not 0 < self.top_p <= 1:
            raise UsageError("max_characters, top_k and temperature must be >= 0 and top_p in (0, 1]; received "
                             f"{self.max_characters}, {self.top_k}, {self.temperature} and {self.top_p}.")
        if self.max_vocabulary < 3:
            raise UsageError("max_vocabulary must be >= 3 (padding, unknown, a character); received "
                             f"{self.max_vocabulary}.")
        checks.split_fractions(self.validation_fraction, self.test_fraction)
