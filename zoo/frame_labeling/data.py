"""The frame labeling recipe's data: embedded synthetic speech or a TIMIT folder, as tf.data pipelines."""

import collections
import dataclasses

import numpy as np
import tensorflow as tf

from zoo.data import speech
from zoo.data.utterances import SAMPLE_RATE, frame_labels
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

    timit = read_timit(config.data, SAMPLE_RATE, fold=config.fold_timit_39)  # other rates are resampled
    for split in SPLITS:
        if not timit.splits[split]:
            raise ValueError(f"{config.data}: no usable utterance in the {split} split; it needs TRAIN/ and TEST/ "
                             "folders, or enough speakers to hold some out.")
    return FrameData(timit.splits, tuple(timit.labels), config.data, timit.skipped)


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
