"""Memory across a sweep: does the process grow trial after trial? (keras-tuner#873 reports growth
with stacked LSTMs.)

    python -m zoo.bench.tuning_memory --trials 20

runs a random search of `--trials` small stacked recurrent models (cell, depth 1–3, width,
dropout, learning rate: zoo's search space) through zoo's sweep driver (`zoo.tuning.search`),
each trained for one epoch on a fixed toy task, and reads the process's resident set size (Linux's
VmRSS) after every trial. It prints the table, the growth per trial over the second half (after
the first trials have warmed TensorFlow's caches), and writes JSON with `--output`.
"""

import argparse
import dataclasses
import json
import os
import sys
import tempfile

import numpy as np


def resident_mb(pid="self"):
    """The current resident set size in MiB of this process (or of process `pid`); 0 where /proc is missing."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _target(samples):
    from zoo.registry import create_model
    from zoo.tuning.search import TuningTarget

    rng = np.random.default_rng(0)
    tokens = rng.integers(1, 20, size=(256, 12)).astype("int32")
    labels = (tokens[:, 0] % 3).astype("int32")

    def build(config):
        return create_model("sequence_classifier", vocab_size=20, num_classes=3, cell=config.cell, units=config.units,
                            depth=config.depth, dropout=config.dropout, learning_rate=config.learning_rate)

    def train_and_score(model, config, trial_dir, fit_kwargs):
        os.makedirs(trial_dir, exist_ok=True)
        model.fit(tokens, labels, batch_size=32, epochs=1, verbose=0, callbacks=fit_kwargs.get("callbacks", []))
        accuracy = float(model.evaluate(tokens, labels, verbose=0)[1])
        samples.append(resident_mb())  # after the trial's model is trained and scored
        return accuracy

    return TuningTarget("memory", "val_accuracy", build, train_and_score)


def measure(trials, workdir):
    """`{"rss_mb": [after each trial], "growth_mb_per_trial": slope over the second half}`."""
    from zoo.config import RecipeConfig
    from zoo.tuning.search import search

    @dataclasses.dataclass(frozen=True)
    class SweepConfig(RecipeConfig):
        epochs: int = 1
        train_minutes: float = 0.0
        tune: dict = dataclasses.field(default_factory=lambda: {
            "cells": ["simple_rnn", "lstm", "gru", "layernorm_lstm"], "max_depth": 3, "min_units": 8,
            "max_units": 64})

    samples = []
    start = resident_mb()
    search(_target(samples), SweepConfig(), workdir, "random", max_trials=trials, verbose=False)
    half = samples[len(samples) // 2:]
    slope = float(np.polyfit(np.arange(len(half)), half, 1)[0]) if len(half) > 1 else 0.0
    return {"trials": len(samples), "rss_before_mb": start, "rss_mb": samples, "growth_mb_per_trial": slope}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m zoo.bench.tuning_memory", description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=20, help="trials of the sweep (default: 20)")
    parser.add_argument("--output", default=None, help="write the results as JSON here")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.trials < 2:
        parser.error("--trials must be at least 2")
    from zoo.tables import format_table

    with tempfile.TemporaryDirectory(prefix="zoo-tuning-memory-") as workdir:
        results = measure(args.trials, workdir)
    print(format_table(["trial", "resident MiB"], [[i + 1, f"{mb:.0f}"] for i, mb in enumerate(results["rss_mb"])]))
    print(f"before the sweep: {results['rss_before_mb']:.0f} MiB; growth over the second half: "
          f"{results['growth_mb_per_trial']:+.1f} MiB per trial")
    if args.output:
        with open(args.output, "w") as file:
            json.dump(results, file, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
