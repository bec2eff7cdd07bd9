"""The forecasting recipe's settings (`recipes/forecasting.toml` holds the same defaults)."""

import dataclasses
import typing

from zoo.errors import UsageError
from zoo import checks
from zoo.config import RecipeConfig, absolute_data_path
from zoo.data.time_series import EMBEDDED
from zoo.models.forecaster import DECODERS


@dataclasses.dataclass(frozen=True)
class ForecastingConfig(RecipeConfig):
    """Every setting of `python -m zoo.recipes.forecasting`; `--set key=value` overrides one.

    The basic keys (seed, cell, units, depth, dropout, batch_size, epochs, learning_rate, clipnorm,
    train_minutes) are those of every recipe (`zoo.config.RecipeConfig`). The model reads `window`
    values and forecasts the next `horizon` at once.
    """

    units: int = 64
    batch_size: int = 32
    EMBEDDED_EPOCHS: typing.ClassVar[int] = 60  # epochs = "auto" on the embedded data
    learning_rate: float = 3e-3
    train_minutes: float = 1.0
    # Data.
    dataset: str = "co2"  # an embedded series: "co2" (weekly) or "sunspots" (yearly)
    data: str = ""  # a CSV of time,value rows (--data FILE) instead
    season: int = 0  # the seasonal-naive period in steps; 0 = the series' own (co2 52, sunspots 11, CSV 1)
    validation_fraction: float = 0.15
    test_fraction: float = 0.15
    # Model.
    window: int = 104
    horizon: int = 13
    decoder: str = "dense"  # "dense": many-to-one, the final state → every step; "rnn": an RNN writes step by step
    # Evaluation.
    anomaly_quantile: float = 0.99  # residuals above this quantile of the validation residuals are flagged
    plotted_forecasts: int = 8
    # Export.
    export_tolerance: float = 1e-3  # in the series' units
    quantized_tolerance: float = 0.05  # quantized files: in units of the training series' standard deviation
    quantizations: tuple[str, ...] = ("float16", "int8")

    def __post_init__(self):
        super().__post_init__()
        absolute_data_path(self)
        checks.one_of("dataset", self.dataset, tuple(EMBEDDED))
        checks.one_of("decoder", self.decoder, DECODERS)
        for name in ("window", "horizon", "plotted_forecasts"):
            checks.positive_int(name, getattr(self, name))
        for quantization in self.quantizations:
            checks.one_of("quantizations", quantization, ("float16", "int8"))
        if self.season < 0 or not 0 < self.anomaly_quantile < 1 or self.export_tolerance <= 0 \
                or self.quantized_tolerance <= 0:
            raise UsageError("season must be >= 0, anomaly_quantile in (0, 1), export_tolerance and "
                             f"quantized_tolerance > 0; received {self.season}, {self.anomaly_quantile}, "
                             f"{self.export_tolerance} and {self.quantized_tolerance}.")
        checks.split_fractions(self.validation_fraction, self.test_fraction)
