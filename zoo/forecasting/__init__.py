"""Time-series forecasting (many-to-one, multi-step): `python -m zoo.recipes.forecasting`."""
