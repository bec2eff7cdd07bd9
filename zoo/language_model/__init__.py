"""Character-level language modeling and text generation (one-to-many): `python -m zoo.recipes.language_model`."""
