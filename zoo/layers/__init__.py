"""Layers that run zoo cells over sequences: one direction, both directions, stacked."""

from zoo.layers.bidirectional import Bidirectional
from zoo.layers.recurrent import Recurrent
from zoo.layers.stacked import Stacked, stacked_rnn

__all__ = ["Bidirectional", "Recurrent", "Stacked", "stacked_rnn"]
