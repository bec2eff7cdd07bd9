"""The frame labeling recipe (`python -m zoo.recipes.frame_labeling`) as library code."""
