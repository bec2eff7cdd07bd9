"""Registered model architectures."""
