"""Embedded datasets, generated deterministically from a seed (nothing is downloaded)."""
