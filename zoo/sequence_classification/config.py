"""The sequence classification recipe's settings (`recipes/sequence_classification.toml` holds the same defaults)."""

import dataclasses
import typing

from zoo import checks
from zoo.config import RecipeConfig, absolute_data_path

READINGS = ("rows", "columns")


@dataclasses.dataclass(frozen=True)
class SequenceClassificationConfig(RecipeConfig):
    """Every setting of `python -m zoo.recipes.sequence_classification`; `--set key=value` overrides one.

    The basic keys (seed, cell, units, depth, dropout, batch_size, epochs, learning_rate, clipnorm,
    train_minutes) are those of every recipe (`zoo.config.RecipeConfig`). The main model is a
    (bidirectional) stack of `cell` whose final state picks the class; `compare` lists the cells
    trained beside it on the same budget for the results table.
    """

    units: int = 64
    batch_size: int = 64
    EMBEDDED_EPOCHS: typing.ClassVar[int] = 60  # epochs = "auto" on the embedded data
    learning_rate: float = 3e-3
    train_minutes: float = 0.5
    # Data.
    data: str = ""  # a CSV / TSV of text,label rows (--data FILE); "" = scikit-learn's digits
    reading: str = "rows"  # a digit read as 8 steps of its rows, or of its columns
    validation_fraction: float = 0.1
    test_fraction: float = 0.2
    max_length: int = 200  # text only: token ids per example ([START] and [END] included)
    max_vocabulary: int = 20000  # text only
    embedding_dim: int = 64  # text only
    # Model.
    bidirectional: bool = False
    compare: tuple[str, ...] = ("simple_rnn", "gru")
    # Evaluation and export.
    examples: int = 8
    export_tolerance: float = 1e-4
    agreement_threshold: float = 0.98
    quantizations: tuple[str, ...] = ("float16", "int8")

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
