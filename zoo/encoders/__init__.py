"""Encoders that turn raw inputs into sequences or grids for recurrent decoders to read."""

from zoo.encoders.audio import FrameMask, LogMelFrontEnd
from zoo.encoders.image import GridPositions, image_encoder, mobilenet_v3_small, small_cnn

__all__ = ["FrameMask", "GridPositions", "LogMelFrontEnd", "image_encoder", "mobilenet_v3_small", "small_cnn"]
