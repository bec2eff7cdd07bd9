"""Hyperparameter sweeps with keras-tuner: a recipe's `tune` verb (`zoo.tuning.search.search`)."""

from zoo.tuning.space import SearchSpace

__all__ = ["SearchSpace"]
