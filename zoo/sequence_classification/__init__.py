"""The sequence classification recipe (many-to-one): `python -m zoo.recipes.sequence_classification`."""
