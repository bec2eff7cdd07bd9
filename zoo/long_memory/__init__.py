"""The long-memory lab: `python -m zoo.recipes.long_memory`."""
