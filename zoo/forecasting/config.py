"""The forecasting recipe's settings (`recipes/forecasting.toml` is written from them)."""

import dataclasses
import typing

from zoo.errors import UsageError
from zoo import checks
from zoo.config import RecipeConfig, absolute_data_path
from zoo.settings import setting
from zoo.data.time_series import EMBEDDED
from zoo.models.forecaster import DECODERS


@dataclasses.dataclass(frozen=True)
class ForecastingConfig(RecipeConfig):
    """Every setting of `python -m zoo.recipes.forecasting`; `--set key=value` overrides one.

    The keys of the first group are those of every recipe (`zoo.config.RecipeConfig`). The model reads `window`
    values and forecasts the next `horizon` at once.
    """

    units: int = 64
    batch_size: int = 32
    EMBEDDED_EPOCHS: typing.ClassVar[int] = 60  # epochs = "auto" on the embedded data
    learning_rate: float = 3e-3
    train_minutes: float = 1.0
    dataset: str = setting("co2", "an embedded series from statsmodels: co2 (weekly Mauna Loa CO2 1958-2001) or "
                                  "sunspots (yearly 1700-2008)", group="Data")
    data: str = setting("", 'a CSV of time,value rows (--data FILE) instead; "" = the embedded series')
    season: int = setting(0, "the seasonal-naive period in steps; 0 = the series' own (co2 52, sunspots 11, "
                          "a CSV's highest autocorrelation peak in its training part, else 1)")
    validation_fraction: float = setting(0.15, "share of the series before the test part held out for validation")
    test_fraction: float = setting(0.15, "the last share of the series, never seen in training")
    window: int = setting(104, "values the model reads (co2: two years of weeks)", group="Model")
    horizon: int = setting(13, "values forecast at once (co2: a quarter ahead)")
    decoder: str = setting("dense", "dense: the final state → every step (many-to-one); rnn: a second RNN writes the "
                                    "horizon step by step (many-to-many)")
    anomaly_quantile: float = setting(0.99, "test values further from their one-step forecast than this quantile of "
                                            "the validation residuals are flagged", group="Evaluation")
    plotted_forecasts: int = setting(8, "test forecasts drawn in forecast.png")
    export_tolerance: float = setting(1e-3, "max |difference| of float TFLite outputs from the Keras model's, in the "
                                            "series' units", group="Export")
    quantized_tolerance: float = setting(0.05, "the same for quantized files, in training standard deviations")
    quantizations: tuple[str, ...] = setting(("float16", "int8"), "TFLite variants besides float32: float16, int8")

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
