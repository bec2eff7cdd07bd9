import numpy as np

from zoo.data.utterances import HOP, WINDOW, collapse, frame_count, frame_labels, segments_of


def test_frame_count_counts_whole_windows():
    assert frame_count(WINDOW - 1) == 0
    assert frame_count(WINDOW) == 1
    assert frame_count(WINDOW + HOP - 1) == 1
    assert frame_count(WINDOW + HOP) == 2
    assert frame_count(16000) == 98


def test_frame_labels_are_the_labels_of_the_frame_centres():
    segments = [(0, 500, "sil"), (500, 1234, "a"), (1234, 3000, "s")]
    per_sample = np.array(["sil"] * 500 + ["a"] * 734 + ["s"] * 1766)
    ids = {"sil": 0, "a": 1, "s": 2}
    labels = frame_labels(segments, 3000, ids)
    expected = [ids[per_sample[i * HOP + WINDOW // 2]] for i in range(frame_count(3000))]
    assert labels.tolist() == expected and labels.dtype == np.int32


def test_collapse_and_segments_of_runs():
    assert collapse(["a", "a", "b", "a", "a"]) == ["a", "b", "a"]
    assert segments_of(["a", "a", "b", "a"]) == [(0, 2, "a"), (2, 3, "b"), (3, 4, "a")]
    assert segments_of([]) == []
