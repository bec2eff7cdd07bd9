"""The frame labeling recipe's data: embedded synthetic speech or a TIMIT folder, as tf.data pipelines."""

import collections
import dataclasses

import numpy as np
import tensorflow as tf

from zoo.errors import UsageError
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
    split_unit: str = "speaker"  # what the splits were drawn by
    notes: tuple = ()  # what splitting this corpus took (a repaired split, utterances instead of speakers)

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
        lines = [f"data: {self.source}: " + ", ".join(parts) + f"; {len(self.labels)} labels{note}"]
        return "\n".join(lines + [f"  split: {line}" for line in self.notes])

    def split_report(self):
        """What metrics.json records of the split: its unit and the size of each split."""
        return {"unit": self.split_unit, **{split: {"utterances": len(self.splits[split]),
                                                    "speakers": len({u.speaker for u in self.splits[split]})}
                                            for split in SPLITS}}


def load_data(config):
    """The splits of `config.data` (a TIMIT-layout folder) or, when it is "", the embedded speech."""
    if not config.data:
        splits = {split: speech.generate(split, getattr(config, f"{split}_utterances"), config.seed)
                  for split in SPLITS}
        return FrameData(splits, speech.LABELS, "embedded synthetic speech")
    from zoo.data.timit import read_timit

    skip = SkippedLines()

    def long_enough(path, utterance):
        if frame_count(len(utterance.waveform)) > 0:
            return True
        skip("too short", f"{path}: {len(utterance.waveform)} labelled samples, shorter than one {WINDOW}-sample window")
        return False

    timit = read_timit(config.data, SAMPLE_RATE, fold=config.fold_timit_39, skip=skip,  # other rates are resampled
                       validation_fraction=config.validation_fraction, test_fraction=config.test_fraction,
                       split_by=config.split_by, keep=long_enough)
    empty = [split for split in SPLITS if not timit.splits[split]]
    if empty:
        unit = "speakers" if timit.split_unit == "speaker" else "utterances"
        raise UsageError(
            f"{config.data}: no usable utterance in the {' and '.join(empty)} split(s): too few {unit} "
            f"(split_by={config.split_by!r}, validation_fraction={config.validation_fraction}, test_fraction="
            f"{config.test_fraction}; a TEST folder is the test split). Add {unit}"
            + (', or set split_by="auto" to split by utterance.' if config.split_by == "speaker" else "."))
    skipped = timit.skipped + collections.Counter({"too short": skip.counts["too short"]})
    return FrameData(timit.splits, tuple(timit.labels), config.data, +skipped, timit.split_unit, timit.notes)


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
