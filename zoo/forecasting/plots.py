"""forecast.png: the whole series with its splits, and the test part with forecasts and anomalies."""

import numpy as np

from zoo.plots import plt, save_figure


def _ticks(axis, times, positions, count=6):
    picks = np.linspace(positions[0], positions[-1], count).astype(int)
    axis.set_xticks(picks, [times[i] for i in picks], rotation=20, fontsize=7)


def plot_forecasts(data, forecasts, origins, flagged, config, path):
    """Top: the series, the validation and test parts shaded. Bottom: the test part, the one-step
    forecasts, `plotted_forecasts` whole multi-step forecasts, and the flagged anomalies."""
    values, times = data.series.values, data.series.times
    figure, (whole, test) = plt.subplots(2, 1, figsize=(10, 6.5))
    whole.plot(values, color="black", linewidth=0.8)
    for split, color in (("validation", "tab:orange"), ("test", "tab:green")):
        start, end = data.bounds(split)
        whole.axvspan(start, end - 1, color=color, alpha=0.15, label=split)
    whole.set_title(data.series.name, fontsize=10)
    whole.legend(fontsize=8, loc="upper left")
    _ticks(whole, times, np.arange(len(values)))

    start = origins[0]
    span = np.arange(start, len(values))
    test.plot(span, values[span], color="black", linewidth=1.0, label="truth")
    test.plot(origins, forecasts[:, 0], color="tab:blue", linewidth=0.9, label="one step ahead")
    steps = np.arange(config.horizon)
    for index in np.linspace(0, len(origins) - 1, min(config.plotted_forecasts, len(origins))).astype(int):
        test.plot(origins[index] + steps, forecasts[index], color="tab:purple", linewidth=1.2, alpha=0.8,
                  label=f"{config.horizon}-step forecasts" if index == 0 else None)  # fmt: skip
    if flagged:
        positions = {time: i for i, time in enumerate(times)}
        marks = [positions[row[0]] for row in flagged]
        test.scatter(marks, [row[1] for row in flagged], color="red", zorder=3, s=18, label="anomaly")
    test.set_title(f"test part: {config.cell} forecasts", fontsize=10)
    test.legend(fontsize=8, loc="upper left")
    _ticks(test, times, span)
    figure.tight_layout()
    save_figure(figure, path)
