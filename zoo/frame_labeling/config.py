"""The frame labeling recipe's settings (`recipes/frame_labeling.toml` holds the same defaults)."""

import dataclasses
import typing

from zoo.errors import UsageError
from zoo import checks
from zoo.config import RecipeConfig, absolute_data_path

COMPARISONS = ("mlp", "unidirectional", "simple_rnn", "gru", "lstm", "layernorm_lstm")


@dataclasses.dataclass(frozen=True)
class FrameLabelingConfig(RecipeConfig):
    """Every setting of `python -m zoo.recipes.frame_labeling`; `--set key=value` overrides one.

    The basic keys (seed, cell, units, depth, dropout, batch_size, epochs, learning_rate, clipnorm,
    train_minutes) are those of every recipe (`zoo.config.RecipeConfig`); `units` is per direction.
    The main model is a (bidirectional) stack of `cell`; `compare` lists the models trained beside it,
    each on the same budget, for the results table: "mlp" (per frame, no recurrence),
    "unidirectional" (the same stack, one direction) and cell names (bidirectional, as the main one).
    """

    units: int = 96
    depth: int = 2
    batch_size: int = 32
    EMBEDDED_EPOCHS: typing.ClassVar[int] = 30  # epochs = "auto" on the embedded data
    learning_rate: float = 3e-3
    train_minutes: float = 1.0
    # Data.
    data: str = ""  # a TIMIT-layout folder (--data DIR); "" = the embedded synthetic speech
    fold_timit_39: bool = False  # TIMIT's 61 phones folded to 39 (Lee & Hon, 1989)
    split_by: str = "auto"  # TIMIT folders: "speaker", "utterance", or "auto" (speaker when there are enough)
    validation_fraction: float = 0.1  # TIMIT folders: share of the (training) speakers or utterances held out
    test_fraction: float = 0.1  # TIMIT folders without a TEST folder: share held out for test
    train_utterances: int = 1200
    validation_utterances: int = 150
    test_utterances: int = 200
    # Model.
    bidirectional: bool = True  # the main model's recurrence (the tune verb can search it)
    num_mels: int = 40
    mlp_units: int = 256  # the per-frame MLP's width (its depth is `depth`)
    compare: tuple[str, ...] = ("mlp", "unidirectional", "simple_rnn", "gru")
    streaming: bool = True  # also train the causal, unidirectional model for chunk-by-chunk labelling
    chunk_ms: int = 100  # chunk size of the streaming demo
    # Evaluation and export.
    examples: int = 3
    export_tolerance: float = 1e-4
    tflite_seconds: float = 2.5  # the TFLite files' fixed input length; shorter audio is zero-padded
    agreement_threshold: float = 0.98  # least share of frames on which a quantized TFLite file picks the Keras label
    quantizations: tuple[str, ...] = ("float16",)  # "int8" (dynamic range) zeroes quiet frames: see README

    def __post_init__(self):
        super().__post_init__()
        absolute_data_path(self)
        for name in ("train_utterances", "validation_utterances", "test_utterances", "num_mels",
                     "mlp_units", "chunk_ms"):
            checks.positive_int(name, getattr(self, name))
        checks.one_of("split_by", self.split_by, ("auto", "speaker", "utterance"))
        checks.split_fractions(self.validation_fraction, self.test_fraction)
        for name in self.compare:
            checks.one_of("compare", name, COMPARISONS)
        for quantization in self.quantizations:
            checks.one_of("quantizations", quantization, ("float16", "int8"))
        checks.rate("agreement_threshold", self.agreement_threshold)
        if self.tflite_seconds <= 0.025:
            raise UsageError(f"tflite_seconds must exceed one 25 ms window; received {self.tflite_seconds}.")
