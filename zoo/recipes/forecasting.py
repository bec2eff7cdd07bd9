"""`python -m zoo.recipes.forecasting`: time-series forecasting, several steps at once.

With no verb it trains on weekly CO2 at Mauna Loa (statsmodels; or `--set dataset=sunspots`, or
`--data FILE.csv` of time,value rows), scores MAE / RMSE on the test years against the naive and
seasonal-naive forecasts, flags anomalies, plots, and exports to `saved_models/forecasting/`.
"""

import sys

from zoo.forecasting.config import ForecastingConfig
from zoo.recipes import cli

DESCRIPTION = (
    "Time-series forecasting (many-to-one, multi-step): a stacked RNN reads a window of a series and forecasts its "
    "next values. With no verb: train on weekly Mauna Loa CO2 (or --set dataset=sunspots, or --data FILE.csv), "
    "score against naive and seasonal-naive forecasts, flag anomalies, plot, export."
)
VERBS = {
    "train": "train the forecaster (resumes an interrupted run from its last checkpoint)",
    "evaluate": "MAE and RMSE on the test part beside naive forecasts; anomalies.csv, forecast.png",
    "predict": "forecast the next values after a history: numbers (oldest first) or a CSV file",
    "tune": "search cell type, depth, hidden size, dropout and learning rate with keras-tuner",
    "export": "write the SavedModel (history → forecast) and TFLite files, each checked against the Keras model",
}


def main(argv=None):
    args = cli.parser("forecasting", ForecastingConfig, DESCRIPTION, VERBS, "the latest values, oldest first, or a CSV "
                      "of time,value rows").parse_args(sys.argv[1:] if argv is None else argv)  # fmt: skip

    from zoo.forecasting import workflow

    return cli.run_verb("forecasting", args, workflow, ForecastingConfig,
                        lambda: workflow.predict(args.workdir, args.inputs))


if __name__ == "__main__":
    sys.exit(main())
