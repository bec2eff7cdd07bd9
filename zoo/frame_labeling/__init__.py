"""The frame labeling recipe (`python -m zoo.recipes.frame_labeling`) as library code."""

from zoo.frame_labeling.streaming import StreamingLabeler

__all__ = ["StreamingLabeler"]
