"""The language model recipe's settings (`recipes/language_model.toml` is written from them)."""

import dataclasses
import typing

from zoo.errors import UsageError
from zoo import checks
from zoo.config import RecipeConfig, absolute_data_path
from zoo.settings import setting

SAMPLING_KEYS = ("temperature", "top_k", "top_p", "sample_length", "sample_seed")


@dataclasses.dataclass(frozen=True)
class LanguageModelConfig(RecipeConfig):
    """Every setting of `python -m zoo.recipes.language_model`; `--set key=value` overrides one.

    The keys of the first group are those of every recipe (`zoo.config.RecipeConfig`); `batch_size` is
    the number of text streams read side by side and `window` the characters of each truncated-BPTT step. The
    sampling keys (temperature, top_k, top_p, sample_length, sample_seed) also apply to `predict`.
    """

    cell: str = setting("gru", "the recurrent cell: simple_rnn, lstm, gru or layernorm_lstm (the GRU learned fastest "
                               "here)")
    units: int = 256
    batch_size: int = setting(32, "text streams read side by side")
    EMBEDDED_EPOCHS: typing.ClassVar[int] = 20  # epochs = "auto" on the embedded data
    learning_rate: float = 2e-3
    train_minutes: float = 3.0
    data: str = setting("", 'a .txt file or a folder of them (--data PATH); "" = the top-level .py files of '
                            "Python's standard library, split by file", group="Data")
    max_characters: int = setting(0, "characters of the corpus read at most; 0 = all of it")
    validation_fraction: float = setting(0.05, "share of the corpus held out for validation")
    test_fraction: float = setting(0.05, "share of the corpus held out for test")
    min_count: int = setting(20, "rarer characters read as the unknown character")
    max_vocabulary: int = setting(128, "most characters in the vocabulary (padding and unknown included)")
    embedding_dim: int = setting(32, "character embedding size",
                                 group="Model and truncated backpropagation through time")
    window: int = setting(100, "characters per truncated-BPTT window; the state carries on to the next window")
    ngram_orders: tuple[int, ...] = setting((1, 3, 5, 7), "orders of the interpolated Kneser-Ney n-gram baselines",
                                            group="Evaluation")
    evaluation_streams: int = setting(32, "text streams read side by side when scoring")
    temperature: float = setting(0.8, "sampling temperature; 0 = always the likeliest character",
                                 group="Sampling (evaluate's samples.txt, and predict: --set temperature=0.8)")
    top_k: int = setting(0, "draw from the k likeliest characters only; 0 = no top-k cut")
    top_p: float = setting(1.0, "draw from the smallest set of characters holding this probability; 1 = no nucleus cut")
    sample_length: int = setting(300, "characters written per prompt")
    sample_seed: int = setting(0, "seed of the sampling draws")
    prompts: tuple[str, ...] = setting((), "evaluate's prompts; [] = the starts of three test lines")
    export_tolerance: float = setting(1e-4, "max |difference| of float32 TFLite outputs from the Keras model's",
                                      group="Export")
    agreement_threshold: float = setting(0.95, "quantized files: least next-character argmax agreement with Keras "
                                               "over 64 test characters")
    quantizations: tuple[str, ...] = setting(("float16", "int8"), "TFLite variants besides float32: float16, int8")

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
