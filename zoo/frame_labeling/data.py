"""The frame labeling recipe's data: embedded synthetic speech or a TIMIT folder, as tf.data pipelines."""

import collections
import dataclasses
import os

import numpy as np
import tensorflow as tf

from zoo.data import speech
from zoo.data.skipped import SkippedLines
from zoo.data.utterances import SAMPLE_RATE, WINDOW, frame_count, frame_labels
from zoo.models.frame_tagger import PAD_LABEL

SPLITS = ("train", "validation", "test")


@dataclasses.dataclass
class FrameData:
    """Utterances per split, the label set (its order gives the ids) and what was skipped reading them."""

    splits: dict  # split → list of zoo.data.utterances.Utterance
    labels: tuple
    source: str
    skipped: collections.Counter = dataclasses.field(default_factory=collections.Counter)

    @property
    def label_ids(self):
        return {label: index for index, label in enumerate(self.labels)}

    def targets(self, utterance):
        """int32 label id per frame of `utterance`."""
        return frame_labels(utterance.segments, len(utterance.waveform), self.label_ids)

    def summary(self):
        parts = []
        for split in SPLITS:
            utterances = self.splits[split]
            seconds = sum(len(u.waveform) for u in utterances) / SAMPLE_RATE
            speakers = len({u.speaker for u in utterances})
            parts.append(f"{split} {len(utterances)} utterances ({seconds / 60:.1f} min, {speakers} speakers)")
        skipped = sum(self.skipped.values())
        note = f"; skipped {skipped}: " + ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items())) if skipped else ""
        return f"data: {self.source}: " + ", ".join(parts) + f"; {len(self.labels)} labels{note}"


def load_data(config):
    """The splits of `config.data` (a TIMIT-layout folder) or, when it is "", the embedded speech."""
    if not config.data:
        splits = {split: speech.generate(split, getattr(config, f"{split}_utterances"), config.seed)
                  for split in SPLITS}
        return FrameData(splits, speech.LABELS, "embedded synthetic speech")
    from zoo.data.timit import read_timit

    skip = SkippedLines()
    timit = read_timit(config.data, SAMPLE_RATE, fold=config.fold_timit_39, skip=skip)  # other rates are resampled
    splits = {}
    for split in SPLITS:
        splits[split] = []
        for utterance in timit.splits[split]:
            if frame_count(len(utterance.waveform)) == 0:
                skip("too short", f"{os.path.join(config.data, utterance.name)}: {len(utterance.waveform)} labelled "
                                  f"samples, shorter than one {WINDOW}-sample window")
            else:
                splits[split].append(utterance)
        if not splits[split]:
            raise ValueError(f"{config.data}: no usable utterance in the {split} split. The test split is the TEST "
                             "folder (or 10 % of the speakers by a hash of their folder's name when there is no "
                             "TRAIN/TEST), validation 10 % of the training speakers: a few speakers may leave one "
                             "empty.")
    skipped = timit.skipped + collections.Counter({"too short": skip.counts["too short"]})
    return FrameData(splits, tuple(timit.labels), config.data, +skipped)


def frame_dataset(utterances, data, batch_size, shuffle=False, seed=0):
    """A batched `tf.data.Dataset` of ({"waveform", "num_samples"}, frame labels), padded per batch
    (waveforms with 0, labels with `PAD_LABEL`)."""
    waveforms = [u.waveform for u in utterances]
    targets = [data.targets(u) for u in utterances]

    def examples():
        for waveform, target in zip(waveforms, targets):
            yield {"waveform": waveform, "num_samples": np.int32(len(waveform))}, target

    signature = ({"waveform": tf.TensorSpec((None,), tf.float32), "num_samples": tf.TensorSpec((), tf.int32)},
                 tf.TensorSpec((None,), tf.int32))
    dataset = tf.data.Dataset.from_generator(examples, output_signature=signature)
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(len(utterances))).cache()  # progress bars know the length
    if shuffle:
        dataset = dataset.shuffle(len(utterances), seed=seed, reshuffle_each_iteration=True)
    padding = ({"waveform": 0.0, "num_samples": 0}, PAD_LABEL)
    return dataset.padded_batch(batch_size, padding_values=padding).prefetch(tf.data.AUTOTUNE)
