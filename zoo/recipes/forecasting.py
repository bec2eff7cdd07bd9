"""`python -m zoo.recipes.forecasting`: time-series forecasting, several steps at once.

With no verb it trains on weekly CO2 at Mauna Loa (statsmodels; or `--set dataset=sunspots`, or
`--data FILE.csv` of time,value rows), scores MAE / RMSE on the test years against the naive and
seasonal-naive forecasts, flags anomalies, plots, and exports to `saved_models/forecasting/`.
"""

import sys

from zoo.forecasting.recipe import RECIPE
from zoo.recipes import cli


def main(argv=None, stdin=None):
    return cli.main(RECIPE, argv, stdin)


if __name__ == "__main__":
    sys.exit(main())
