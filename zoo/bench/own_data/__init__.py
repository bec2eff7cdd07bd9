"""Recipes measured on corpora they were not written for, beside Keras built-in models of the same shape."""
