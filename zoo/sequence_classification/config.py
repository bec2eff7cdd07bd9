"""The sequence classification recipe's settings (`recipes/sequence_classification.toml` is written from them)."""

import dataclasses
import typing

from zoo import checks
from zoo.config import RecipeConfig, absolute_data_path
from zoo.settings import setting

READINGS = ("rows", "columns")


@dataclasses.dataclass(frozen=True)
class SequenceClassificationConfig(RecipeConfig):
    """Every setting of `python -m zoo.recipes.sequence_classification`; `--set key=value` overrides one.

    The keys of the first group are those of every recipe (`zoo.config.RecipeConfig`). The main model is a
    (bidirectional) stack of `cell` whose final state picks the class; `compare` lists the cells
    trained beside it on the same budget for the results table.
    """

    units: int = 64
    batch_size: int = 64
    EMBEDDED_EPOCHS: typing.ClassVar[int] = 60  # epochs = "auto" on the embedded data
    learning_rate: float = 3e-3
    train_minutes: float = setting(0.5, "wall-clock budget of each model (the same for every row of the table); "
                                        "0 = none")
    data: str = setting("", 'a CSV (.csv) or TSV (other names) of text,label rows (--data FILE); "" = '
                            "scikit-learn's handwritten digits", group="Data")
    reading: str = setting("rows", "digits: one step per pixel row, or columns")
    validation_fraction: float = setting(0.1, "share of the examples held out for validation")
    test_fraction: float = setting(0.2, "share of the examples held out for test")
    max_length: int = setting(200, "text: token ids per example, [START] and [END] included")
    max_vocabulary: int = setting(20000, "text: most words in the vocabulary")
    embedding_dim: int = setting(64, "text: word embedding size")
    bidirectional: bool = setting(False, "the main model reads both directions (tune can search it)", group="Model")
    compare: tuple[str, ...] = setting(("simple_rnn", "gru"), "cells trained beside the main one on the same budget")
    examples: int = setting(8, "test examples evaluate prints", group="Evaluation and export")
    export_tolerance: float = setting(1e-4, "max |difference| of float32 TFLite outputs from the Keras model's")
    agreement_threshold: float = setting(0.98, "least share of test examples on which a quantized TFLite file picks "
                                               "the Keras class")
    quantizations: tuple[str, ...] = setting(("float16", "int8"), "TFLite variants besides float32: float16, int8")

    def __post_init__(self):
        super().__post_init__()
        absolute_data_path(self)
        from zoo.cells import CELLS

        checks.one_of("reading", self.reading, READINGS)
        for name in ("max_length", "max_vocabulary", "embedding_dim", "examples"):
            checks.positive_int(name, getattr(self, name))
        for cell in self.compare:
            checks.one_of("compare", cell, tuple(CELLS))
        for quantization in self.quantizations:
            checks.one_of("quantizations", quantization, ("float16", "int8"))
        checks.rate("agreement_threshold", self.agreement_threshold)
        checks.split_fractions(self.validation_fraction, self.test_fraction)
