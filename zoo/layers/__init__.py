"""Layers that run zoo cells over sequences (one direction, both directions, stacked), attention,
and a decoder that attends to a memory."""

from zoo.layers.attention import BahdanauAttention, LuongAttention, make_attention
from zoo.layers.attention_decoder import AttentionDecoder
from zoo.layers.bidirectional import Bidirectional
from zoo.layers.deep_mlp import deep_mlp
from zoo.layers.recurrent import Recurrent
from zoo.layers.stacked import Stacked, stacked_rnn

__all__ = [
    "AttentionDecoder",
    "BahdanauAttention",
    "Bidirectional",
    "LuongAttention",
    "Recurrent",
    "Stacked",
    "deep_mlp",
    "make_attention",
    "stacked_rnn",
]
