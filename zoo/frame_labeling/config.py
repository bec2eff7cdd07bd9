"""The frame labeling recipe's settings (`recipes/frame_labeling.toml` is written from them)."""

import dataclasses
import typing

from zoo.errors import UsageError
from zoo import checks
from zoo.config import RecipeConfig, absolute_data_path
from zoo.settings import setting

COMPARISONS = ("mlp", "unidirectional", "simple_rnn", "gru", "lstm", "layernorm_lstm")


@dataclasses.dataclass(frozen=True)
class FrameLabelingConfig(RecipeConfig):
    """Every setting of `python -m zoo.recipes.frame_labeling`; `--set key=value` overrides one.

    The keys of the first group are those of every recipe (`zoo.config.RecipeConfig`); `units` is per
    direction.
    The main model is a (bidirectional) stack of `cell`; `compare` lists the models trained beside it,
    each on the same budget, for the results table: "mlp" (per frame, no recurrence),
    "unidirectional" (the same stack, one direction) and cell names (bidirectional, as the main one).
    """

    units: int = setting(96, "hidden size of each direction")
    depth: int = setting(2, "stacked recurrent layers (the per-frame MLP's dense layers too)")
    batch_size: int = 32
    EMBEDDED_EPOCHS: typing.ClassVar[int] = 30  # epochs = "auto" on the embedded data
    learning_rate: float = 3e-3
    train_minutes: float = setting(1.0, "wall-clock budget of each model (the same for every row of the table); "
                                        "0 = none")
    data: str = setting("", 'a TIMIT-layout folder (.wav + .phn, recursively; --data DIR); "" = the embedded '
                            "synthetic speech", group="Data")
    fold_timit_39: bool = setting(False, "fold TIMIT's 61 phones to 39 (Lee & Hon, 1989)")
    split_by: str = setting("auto", 'TIMIT folders: speaker, utterance, or "auto" (by speaker when every split '
                                    "gets one)")
    validation_fraction: float = setting(0.1, "TIMIT folders: share of the (training) speakers or utterances held out "
                                              "for validation")
    test_fraction: float = setting(0.1, "TIMIT folders without a TEST folder: share held out for test")
    train_utterances: int = setting(1200, "embedded speech: training utterances")
    validation_utterances: int = setting(150, "embedded speech: validation utterances")
    test_utterances: int = setting(200, "embedded speech: test utterances (unseen speakers)")
    bidirectional: bool = setting(True, "the main model's recurrence reads both directions (tune can search it)",
                                  group="Model")
    num_mels: int = setting(40, "log-mel bands of the front end")
    mlp_units: int = setting(256, "the per-frame MLP's width (as deep as depth)")
    compare: tuple[str, ...] = setting(("mlp", "unidirectional", "simple_rnn", "gru"),
                                       "models trained beside the main one on the same budget: mlp, unidirectional, "
                                       "cell names")
    streaming: bool = setting(True, "also train the causal, unidirectional model that labels audio chunk by chunk")
    chunk_ms: int = setting(100, "chunk size of the streaming demo, in milliseconds")
    examples: int = setting(3, "test utterances whose labels evaluate prints", group="Evaluation and export")
    export_tolerance: float = setting(1e-4, "max |difference| of float32 TFLite outputs from the Keras model's")
    tflite_seconds: float = setting(2.5, "the TFLite files' fixed input length in seconds; shorter audio is "
                                         "zero-padded")
    agreement_threshold: float = setting(0.98, "least share of frames on which a quantized TFLite file picks the "
                                               "Keras label")
    quantizations: tuple[str, ...] = setting(("float16",), "TFLite variants besides float32: float16, int8 (dynamic "
                                                           "range: it zeroes quiet frames, see "
                                                           "docs/recipes/frame_labeling.md)")

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
