"""The translation recipe's settings (`recipes/translation.toml` holds the same defaults)."""

import dataclasses
import typing

from zoo.errors import UsageError
from zoo import checks
from zoo.config import RecipeConfig, absolute_data_path
from zoo.data.phrases import TARGET_LANGUAGES

ATTENTIONS = ("bahdanau", "luong", "none")


@dataclasses.dataclass(frozen=True)
class TranslationConfig(RecipeConfig):
    """Every setting of `python -m zoo.recipes.translation`; `--set key=value` overrides one.

    The basic keys (seed, cell, units, depth, dropout, batch_size, epochs, learning_rate, clipnorm,
    train_minutes) are those of every recipe (`zoo.config.RecipeConfig`); `units` is each encoder
    direction's and the decoder's, `depth` the encoder's.
    """

    EMBEDDED_EPOCHS: typing.ClassVar[int] = 12  # epochs = "auto" on the embedded data
    learning_rate: float = 3e-3
    train_minutes: float = 3.0
    # Data.
    data: str = ""  # a TSV file of pairs (--data FILE); "" = the embedded phrases
    reverse: bool = False  # swap the TSV's columns
    target_lang: str = "ru"  # embedded phrases: English → ru, de, fr or es
    train_pairs: int = 20000
    validation_pairs: int = 400
    test_pairs: int = 400
    validation_fraction: float = 0.05  # TSV data: share of pairs per held-out split (by a hash of the source)
    test_fraction: float = 0.05
    vocab_size: int = 2000  # WordPiece vocabulary per language (an aim; small corpora get fewer)
    min_token_count: int = 2
    max_source_length: int = 48  # source tokens; longer pairs are left out of the splits, cut in predict
    max_target_length: int = 48  # target tokens generated at most, [END] included
    # Model.
    decoder_depth: int = 1
    embedding_dim: int = 64
    attention: str = "bahdanau"  # or "luong", or "none" (the plain encoder-decoder)
    attention_units: int = 64
    label_smoothing: float = 0.0
    baseline_minutes: float | str = "same"  # the no-attention baseline's budget: "same" = train_minutes; 0 = none
    # Decoding and evaluation.
    beam_width: int = 4
    length_penalty: float = 0.6
    examples: int = 8
    # Export.
    quantizations: tuple[str, ...] = ("float16", "int8")
    agreement_threshold: float = 0.98  # share of steps at which quantized TFLite files pick the Keras token
    export_tolerance: float = 1e-4

    @property
    def baseline_minutes_or_budget(self):
        """The no-attention baseline's budget in minutes: `baseline_minutes`, or `train_minutes` for "same"."""
        return self.train_minutes if self.baseline_minutes == "same" else self.baseline_minutes

    def __post_init__(self):
        super().__post_init__()
        absolute_data_path(self)
        checks.one_of("attention", self.attention, ATTENTIONS)
        checks.one_of("target_lang", self.target_lang, TARGET_LANGUAGES)
        for name in ("decoder_depth", "train_pairs", "validation_pairs", "test_pairs", "vocab_size", "min_token_count",
                     "max_source_length", "max_target_length", "embedding_dim", "attention_units", "beam_width"):
            checks.positive_int(name, getattr(self, name))
        for name in ("validation_fraction", "test_fraction", "label_smoothing"):
            checks.rate(name, getattr(self, name))
        if self.baseline_minutes != "same" and (isinstance(self.baseline_minutes, str) or self.baseline_minutes < 0):
            raise UsageError('baseline_minutes must be "same" (train_minutes) or a number of minutes >= 0; received '
                             f"{self.baseline_minutes!r}.")
        if min(self.baseline_minutes_or_budget, self.length_penalty) < 0:
            raise UsageError("baseline_minutes and length_penalty must be >= 0; received "
                             f"{self.baseline_minutes} and {self.length_penalty}.")
        for quantization in self.quantizations:
            # full_int8 is left out: TF 2.21's calibrator crashes on the encoder's WHILE loop.
            checks.one_of("quantizations", quantization, ("float16", "int8"))
