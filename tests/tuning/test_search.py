"""The sweep driver on a toy target: results, resume, budgets, Hyperband's bound, the best config."""

import dataclasses
import os

import numpy as np
import pytest

from zoo.config import RecipeConfig, load_config
from zoo.registry import create_model
from zoo.tuning.search import TuningTarget, search

pytestmark = pytest.mark.slow


@dataclasses.dataclass(frozen=True)
class ToyConfig(RecipeConfig):
    epochs: int = 1
    train_minutes: float = 0.0
    tune: dict = dataclasses.field(default_factory=lambda: {
        "cells": ["lstm", "gru"], "max_depth": 2, "min_units": 4, "max_units": 16})


def _toy_target(calls):
    rng = np.random.default_rng(0)
    tokens = rng.integers(1, 10, size=(64, 6)).astype("int32")
    labels = (tokens[:, 0] % 2).astype("int32")

    def build(config):
        return create_model("sequence_classifier", vocab_size=10, num_classes=2, cell=config.cell, units=config.units,
                            depth=config.depth, dropout=config.dropout, learning_rate=config.learning_rate)

    def train_and_score(model, config, trial_dir, fit_kwargs):
        calls.append((config.cell, config.depth, config.units))
        os.makedirs(trial_dir, exist_ok=True)
        model.fit(tokens, labels, epochs=fit_kwargs.get("epochs", config.epochs), verbose=0,
                  callbacks=fit_kwargs.get("callbacks", []))
        return float(model.evaluate(tokens, labels, verbose=0)[1])

    return TuningTarget("toy", "val_accuracy", build, train_and_score)


def test_a_search_writes_ranked_trials_a_plot_and_a_loadable_best_config(tmp_path):
    calls = []
    rows = search(_toy_target(calls), ToyConfig(), str(tmp_path), "random", max_trials=3, verbose=False)
    assert len(rows) == len(calls) == 3
    scores = [row["val_accuracy"] for row in rows]
    assert scores == sorted(scores, reverse=True) and [row["rank"] for row in rows] == [1, 2, 3]
    for row in rows:
        assert row["cell"] in ("lstm", "gru") and 1 <= row["depth"] <= 2 and 4 <= row["units"] <= 16
        assert row["parameters"] > 0
    for name in ("trials.csv", "trials.md", "tuning.png", "best.toml"):
        assert (tmp_path / "tuning" / name).is_file()
    best = load_config(ToyConfig, str(tmp_path / "tuning" / "best.toml"))
    assert (best.cell, best.depth, best.units) == (rows[0]["cell"], rows[0]["depth"], rows[0]["units"])
    assert best.learning_rate == pytest.approx(rows[0]["learning_rate"])


def test_a_search_run_again_resumes_without_retraining_finished_trials(tmp_path):
    calls = []
    search(_toy_target(calls), ToyConfig(), str(tmp_path), "random", max_trials=2, verbose=False)
    rows = search(_toy_target(calls), ToyConfig(), str(tmp_path), "random", max_trials=3, verbose=False)
    assert len(calls) == 3 and len(rows) == 3


def test_the_budget_stops_starting_trials(tmp_path):
    calls = []
    search(_toy_target(calls), ToyConfig(), str(tmp_path), "bayesian", max_trials=5, budget_minutes=1e-6,
           verbose=False)
    assert len(calls) == 1


def test_max_trials_bounds_hyperband_too(tmp_path):
    calls = []
    rows = search(_toy_target(calls), ToyConfig(epochs=3), str(tmp_path), "hyperband", max_trials=2, verbose=False)
    assert len(calls) == 2 and len(rows) == 2


def test_bad_search_arguments_are_named(tmp_path):
    with pytest.raises(ValueError, match="--tuner"):
        search(_toy_target([]), ToyConfig(), str(tmp_path), "grid")
    with pytest.raises(ValueError, match="--max-trials"):
        search(_toy_target([]), ToyConfig(), str(tmp_path), "random", max_trials=0)
