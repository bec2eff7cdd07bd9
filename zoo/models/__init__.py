"""Registered model architectures (the cell is a hyperparameter of each)."""

from zoo.models.captioner import captioner
from zoo.models.char_language_model import char_language_model
from zoo.models.forecaster import forecaster
from zoo.models.frame_tagger import frame_tagger
from zoo.models.memory_probe import memory_probe
from zoo.models.sequence_classifier import sequence_classifier
from zoo.models.seq2seq import seq2seq
from zoo.models.sequence_tagger import sequence_tagger

__all__ = ["captioner", "char_language_model", "forecaster", "frame_tagger", "memory_probe", "seq2seq", "sequence_classifier", "sequence_tagger"]
