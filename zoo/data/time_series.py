"""Time series for forecasting: real series that ship inside statsmodels (weekly CO2 at Mauna Loa,
yearly sunspot numbers) or a CSV the user names (`time,value` rows), with gaps filled and damaged
rows skipped, both counted."""

import dataclasses
import math

import numpy as np

from zoo.errors import UsageError
from zoo.data.delimited import read_rows
from zoo.data.skipped import SkippedLines

MISSING = {"", "nan", "na", "n/a", "null", "none", "?"}


@dataclasses.dataclass
class Series:
    """One regularly spaced series.

    Attributes:
        values: float64 (length,), gaps filled by linear interpolation.
        times: the label of each value (a date, a year, or the row number).
        name: what the series is, with its unit.
        season: the period of its seasonality in steps (1: none known).
        filled: how many missing values were interpolated.
        skipped: how many damaged rows were left out.
    """

    values: np.ndarray
    times: list
    name: str
    season: int
    filled: int = 0
    skipped: int = 0
    season_inferred: bool = False

    def summary(self):
        notes = [f"{self.filled} missing value{'s' * (self.filled > 1)} interpolated"] if self.filled else []
        notes += [f"{self.skipped} damaged row{'s' * (self.skipped > 1)} skipped"] if self.skipped else []
        span = f"{self.times[0]} … {self.times[-1]}"
        season = f"season {self.season}" + (" (the autocorrelation's highest peak)" if self.season_inferred and
                                            self.season > 1 else " (no autocorrelation peak)" if self.season_inferred
                                            else "")  # fmt: skip
        return f"{self.name}: {len(self.values)} values, {span}, {season}" + "".join(
            f"; {note}" for note in notes)


SEASON_MIN_AUTOCORRELATION = 0.3  # a weaker peak is not a season worth a seasonal-naive baseline


def infer_season(values, max_lag=500):
    """The lag (>= 2) of the highest local peak of the series' autocorrelation (statsmodels' `acf`) above
    `SEASON_MIN_AUTOCORRELATION`, looking up to a third of the series; 1 when there is none."""
    from statsmodels.tsa.stattools import acf

    values = np.asarray(values, np.float64)
    lags = min(max_lag, len(values) // 3)
    if lags < 3 or np.std(values) == 0:
        return 1
    correlation = acf(values, nlags=lags, fft=True)
    peaks = [lag for lag in range(2, lags) if correlation[lag] >= correlation[lag - 1]
             and correlation[lag] >= correlation[lag + 1] and correlation[lag] > SEASON_MIN_AUTOCORRELATION]
    return max(peaks, key=lambda lag: correlation[lag]) if peaks else 1


def fill_gaps(values):
    """`(filled values, count)`: NaNs linearly interpolated between their neighbours (the nearest value at the ends)."""
    values = np.asarray(values, np.float64)
    missing = np.isnan(values)
    if missing.all():
        raise UsageError("the series holds no numbers.")
    known = np.flatnonzero(~missing)
    filled = values.copy()
    filled[missing] = np.interp(np.flatnonzero(missing), known, values[known])
    return filled, int(missing.sum())


def co2_series():
    """Weekly atmospheric CO2 at Mauna Loa, 1958–2001, in ppm (Keeling & Whorf; statsmodels' `co2`)."""
    from statsmodels.datasets import co2

    frame = co2.load_pandas().data
    values, filled = fill_gaps(frame["co2"].to_numpy())
    times = [stamp.strftime("%Y-%m-%d") for stamp in frame.index]
    return Series(values, times, "Mauna Loa CO2, weekly (ppm)", season=52, filled=filled)


def sunspots_series():
    """Yearly mean sunspot numbers, 1700–2008 (statsmodels' `sunspots`); an ~11-year cycle."""
    from statsmodels.datasets import sunspots

    frame = sunspots.load_pandas().data
    values, filled = fill_gaps(frame["SUNACTIVITY"].to_numpy())
    return Series(values, [str(int(year)) for year in frame["YEAR"]], "Sunspot number, yearly", season=11,
                  filled=filled)  # fmt: skip


EMBEDDED = {"co2": co2_series, "sunspots": sunspots_series}


def _number(text):
    """The float in `text`; None if missing (empty or NaN); raises ValueError if it is not a finite
    number (an infinity is a damaged value, not a gap)."""
    if text.strip().lower() in MISSING:
        return None
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text!r} is not a finite number")
    return None if math.isnan(value) else value


def _delimiter(path):
    """Tab, semicolon or comma, as the first non-blank line shows (comma when it cannot be read)."""
    try:
        with open(path, "rb") as file:
            first = next((line for line in file if line.strip()), b"")
    except OSError:
        return ","  # read_rows names the problem
    return "\t" if b"\t" in first else ";" if b";" in first and b"," not in first else ","


def read_series_csv(path, season=1, stream=None):
    """A series from a CSV file (comma, tab or semicolon as the first line shows): `time,value` rows (or
    one value per row), an optional header.

    Empty or NaN values are gaps (interpolated, counted); a row whose value is not a number or
    whose column count differs from the first row's is skipped, counted and named with its line.

    Raises:
        ValueError naming the file if it is missing or holds fewer than 3 numbers.
    """
    skipped = SkippedLines(stream)
    rows = list(read_rows(path, _delimiter(path), skipped, "a CSV file of time,value rows", f"--data {path}"))
    rows = [(number, row) for number, row in rows if any(field.strip() for field in row)]
    if rows:
        try:
            _number(rows[0][1][-1])
        except ValueError:
            rows = rows[1:]  # a header
    times, values, width = [], [], len(rows[0][1]) if rows else 0
    for number, row in rows:
        if len(row) != width:
            skipped("columns", f"{path}:{number}: {len(row)} columns where the first row has {width}")
            continue
        try:
            value = _number(row[-1])
        except ValueError:
            infinite = row[-1].strip().lstrip("+-").lower() in ("inf", "infinity")
            skipped("value", f"{path}:{number}: value {row[-1]!r} is {'infinite' if infinite else 'not a number'}")
            continue
        times.append(row[0].strip() if width > 1 else str(len(times)))
        values.append(np.nan if value is None else value)
    if np.sum(~np.isnan(np.asarray(values, np.float64))) < 3:
        raise UsageError(f"--data {path}: fewer than 3 numbers; expected a CSV of time,value rows.")
    filled_values, filled = fill_gaps(values)
    return Series(filled_values, times, path, season=season, filled=filled, skipped=sum(skipped.counts.values()))


def load_series(dataset, data="", season=0, stream=None, training_share=0.7):
    """`--data` (a CSV) if given, else the embedded `dataset`; `season` > 0 overrides the series' own."""
    if data:
        series = read_series_csv(data, season or 1, stream)
        if not season:
            series.season = infer_season(series.values[:int(len(series.values) * training_share)])
            series.season_inferred = True
    else:
        series = EMBEDDED[dataset]()
    if season:
        series.season = season
    return series
