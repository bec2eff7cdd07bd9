"""Labelled utterances, the frame grid of the audio front end, and labels per frame.

Audio is cut into frames of `WINDOW` samples every `HOP` samples (25 ms and 10 ms at 16 kHz);
an utterance of n samples has `frame_count(n)` frames, and frame i is labelled with the label
of the sample at its centre, `i * HOP + WINDOW // 2`.
"""

import dataclasses

import numpy as np

SAMPLE_RATE = 16000
WINDOW = 400  # 25 ms
HOP = 160  # 10 ms


@dataclasses.dataclass
class Utterance:
    """A mono waveform with a label for every sample, as contiguous segments.

    Attributes:
        name: str. Where it came from (a path relative to the dataset, or a generated id).
        speaker: str. Who spoke it; splits never share a speaker.
        waveform: float32 array (samples,), in [-1, 1].
        segments: list of `(start, end, label)`, contiguous, covering the waveform, end exclusive.
    """

    name: str
    speaker: str
    waveform: np.ndarray
    segments: list


def frame_count(num_samples):
    """Frames of the front end over `num_samples` samples (0 when shorter than one window)."""
    return max(0, 1 + (int(num_samples) - WINDOW) // HOP)


def frame_labels(segments, num_samples, label_ids):
    """int32 label id per frame: the label of the sample at each frame's centre.

    Args:
        segments: list of `(start, end, label)` covering `[0, num_samples)`.
        num_samples: int. The waveform's length.
        label_ids: dict label → id.

    Returns:
        int32 array `(frame_count(num_samples),)`.
    """
    centres = np.arange(frame_count(num_samples)) * HOP + WINDOW // 2
    ends = np.array([end for _, end, _ in segments])
    ids = np.array([label_ids[label] for _, _, label in segments], np.int32)
    return ids[np.searchsorted(ends, centres, side="right")]


def collapse(labels):
    """The label sequence with each run of repeated frame labels reduced to one (for phone error rate)."""
    labels = list(labels)
    return [label for index, label in enumerate(labels) if index == 0 or label != labels[index - 1]]


def segments_of(frame_label_names):
    """`[(first_frame, end_frame, label)]`: runs of equal labels in a per-frame sequence."""
    runs, start = [], 0
    names = list(frame_label_names)
    for index in range(1, len(names) + 1):
        if index == len(names) or names[index] != names[start]:
            runs.append((start, index, names[start]))
            start = index
    return runs


def segment_bounds(first, end, frames, num_samples):
    """Samples `[start, stop)` of the frames `[first, end)` of an utterance of `frames` frames: a label
    holds at its frame's centre, so boundaries fall halfway between neighbouring centres (the first
    segment starts at 0, the last ends with the audio)."""
    between = (WINDOW - HOP) // 2  # frame i's boundary with frame i - 1: i * HOP + between
    start = 0 if first == 0 else first * HOP + between
    stop = num_samples if end == frames else end * HOP + between
    return start, stop
