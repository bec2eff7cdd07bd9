"""The translation recipe's settings (`recipes/translation.toml` is written from them)."""

import dataclasses
import typing

from zoo.errors import UsageError
from zoo import checks
from zoo.config import RecipeConfig, absolute_data_path
from zoo.settings import setting
from zoo.data.phrases import TARGET_LANGUAGES

ATTENTIONS = ("bahdanau", "luong", "none")


@dataclasses.dataclass(frozen=True)
class TranslationConfig(RecipeConfig):
    """Every setting of `python -m zoo.recipes.translation`; `--set key=value` overrides one.

    The keys of the first group are those of every recipe (`zoo.config.RecipeConfig`); `units` is each
    encoder direction's and the decoder's, `depth` the encoder's.
    """

    units: int = setting(128, "hidden size of each encoder direction and of the decoder")
    depth: int = setting(1, "the encoder's stacked recurrent layers")
    EMBEDDED_EPOCHS: typing.ClassVar[int] = 12  # epochs = "auto" on the embedded data
    learning_rate: float = 3e-3
    train_minutes: float = setting(3.0, "wall-clock budget of the attention model; 0 = none")
    data: str = setting("", 'a TSV file of source<TAB>target pairs (--data FILE); "" = the embedded phrase pairs '
                            "(Babel / num2words)", group="Data")
    reverse: bool = setting(False, "swap the TSV's columns")
    target_lang: str = setting("ru", "embedded phrases: English → ru, de, fr or es")
    train_pairs: int = setting(20000, "embedded phrases: training pairs")
    validation_pairs: int = setting(400, "embedded phrases: validation pairs")
    test_pairs: int = setting(400, "embedded phrases: test pairs")
    validation_fraction: float = setting(0.05, "TSV data: share of pairs held out for validation, by a hash of the "
                                               "source")
    test_fraction: float = setting(0.05, "TSV data: share of pairs held out for test")
    vocab_size: int = setting(2000, "WordPiece vocabulary per language (an aim; small corpora get fewer)")
    min_token_count: int = setting(2, "word pieces seen fewer times are left out of the vocabulary (single characters "
                                              "stay)")
    max_source_length: int = setting(48, "source tokens; longer pairs are left out of the splits, cut in predict")
    max_target_length: int = setting(48, "target tokens generated at most, [END] included")
    decoder_depth: int = setting(1, "the decoder's stacked recurrent layers", group="Model")
    embedding_dim: int = setting(64, "token embedding size")
    attention: str = setting("bahdanau", 'bahdanau, luong, or "none" (the plain encoder-decoder)')
    attention_units: int = setting(64, "hidden size of the attention's scoring layer")
    label_smoothing: float = setting(0.0, "label smoothing of the training loss, in [0, 1)")
    baseline_minutes: float | str = setting("same", 'the no-attention baseline\'s budget: "same" = train_minutes '
                                                    "(a fair row); 0 = no baseline")
    beam_width: int = setting(4, "beams kept by beam search (1 = greedy)", group="Decoding and evaluation")
    length_penalty: float = setting(0.6, "the α of beam search's length normalization (Wu et al., 2016); 0 = none")
    examples: int = setting(8, "test translations printed")
    quantizations: tuple[str, ...] = setting(("float16", "int8"), "TFLite variants besides float32: float16, int8",
                                             group="Export")
    agreement_threshold: float = setting(0.98, "least share of steps at which a quantized TFLite file picks the "
                                               "Keras token")
    export_tolerance: float = setting(1e-4, "max |difference| of float32 TFLite outputs from the Keras model's")

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
