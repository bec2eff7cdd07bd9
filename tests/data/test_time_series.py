import io

import numpy as np
import pytest

from zoo.data.time_series import co2_series, fill_gaps, infer_season, load_series, read_series_csv, sunspots_series


def test_gaps_are_interpolated_and_counted():
    values, filled = fill_gaps([np.nan, 1.0, np.nan, np.nan, 4.0, np.nan])
    np.testing.assert_allclose(values, [1, 1, 2, 3, 4, 4])
    assert filled == 4
    with pytest.raises(ValueError, match="no numbers"):
        fill_gaps([np.nan, np.nan])


def test_a_csv_with_a_header_gaps_and_damaged_rows(tmp_path):
    path = tmp_path / "series.csv"
    path.write_text("month,sales\n2020-01,10\n2020-02,\n2020-03,12.5\n2020-04,twelve\n2020-05,13,extra\n"
                    "2020-06,NaN\n2020-07,16\n")
    stream = io.StringIO()
    series = read_series_csv(str(path), season=12, stream=stream)
    np.testing.assert_allclose(series.values, [10, 11.25, 12.5, 14.25, 16])
    assert series.times == ["2020-01", "2020-02", "2020-03", "2020-06", "2020-07"]
    assert (series.filled, series.skipped, series.season) == (2, 2, 12)
    assert f"{path}:5: value 'twelve' is not a number" in stream.getvalue()
    assert f"{path}:6: 3 columns where the first row has 2" in stream.getvalue()
    assert "2 missing values interpolated; 2 damaged rows skipped" in series.summary()


def test_a_single_column_of_values_without_header(tmp_path):
    path = tmp_path / "values.tsv"
    path.write_text("1.5\n2.5\n3.5\n4.5\n")
    series = read_series_csv(str(path))
    np.testing.assert_allclose(series.values, [1.5, 2.5, 3.5, 4.5])
    assert series.times == ["0", "1", "2", "3"] and series.season == 1


@pytest.mark.parametrize("content, message", [(None, "no such file"), ("time,value\n1,2\n2,x\n", "fewer than 3")])
def test_bad_files_are_clear_errors(tmp_path, content, message):
    path = tmp_path / "series.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ValueError, match=message):
        read_series_csv(str(path), stream=io.StringIO())


def test_the_embedded_series_come_from_statsmodels():
    co2 = co2_series()
    assert len(co2.values) == 2284 and co2.season == 52 and co2.filled == 59 and not np.isnan(co2.values).any()
    assert co2.times[0] == "1958-03-29" and 310 < co2.values.min() < co2.values.max() < 380
    sunspots = sunspots_series()
    assert len(sunspots.values) == 309 and sunspots.season == 11 and sunspots.times[0] == "1700"
    assert load_series("sunspots", season=10).season == 10


def test_an_infinite_value_or_an_oversized_field_is_a_damaged_row_and_a_directory_a_clear_error(tmp_path):
    path = tmp_path / "series.csv"
    path.write_text("t,v\n1,1\n2,inf\n3,3\n4,-Infinity\n5,5\n")
    stream = io.StringIO()
    series = read_series_csv(str(path), stream=stream)
    np.testing.assert_allclose(series.values, [1, 3, 5])
    assert series.skipped == 2 and f"{path}:3: value 'inf' is infinite" in stream.getvalue()
    with pytest.raises(ValueError, match=f"--data {tmp_path} is a directory; expected a CSV file"):
        read_series_csv(str(tmp_path))
    huge = tmp_path / "huge.csv"
    huge.write_text('t,v\n1,"' + "x" * 200_000 + '"\n2,2\n3,3\n4,4\n')
    stream = io.StringIO()
    series = read_series_csv(str(huge), stream=stream)
    np.testing.assert_allclose(series.values, [2, 3, 4])
    assert series.skipped == 1 and f"{huge}:2: field larger than field limit" in stream.getvalue()


def test_a_csv_series_season_is_its_training_parts_highest_autocorrelation_peak(tmp_path):
    rng = np.random.default_rng(0)
    steps = np.arange(600)
    assert infer_season(np.sin(2 * np.pi * steps / 24) + 0.3 * rng.normal(size=600)) == 24
    assert infer_season(rng.normal(size=600)) == 1, "white noise has no season"
    assert infer_season(np.cumsum(rng.normal(size=600))) == 1, "a random walk's autocorrelation only decays"
    path = tmp_path / "load.csv"
    path.write_text("t,v\n" + "".join(f"{t},{100 + 10 * np.sin(2 * np.pi * t / 12) + rng.normal():.3f}\n"
                                      for t in range(240)))
    series = load_series("co2", str(path), stream=io.StringIO())
    assert series.season == 12 and "season 12 (the autocorrelation's highest peak)" in series.summary()
    assert load_series("co2", str(path), season=5, stream=io.StringIO()).season == 5, "a given season is kept"
