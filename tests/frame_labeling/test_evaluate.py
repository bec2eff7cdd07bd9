import keras
import numpy as np
import pytest

from zoo.frame_labeling.evaluate import confusion, phone_error_rate, score


def test_phone_error_rate_counts_edits_per_reference_phone_after_collapsing_repeats():
    references = [["sil", "sil", "a", "a", "s", "s", "sil"]]  # sil a s sil: 4 phones
    assert phone_error_rate(references, [["sil", "a", "a", "sil"]]) == pytest.approx(1 / 4)  # one deletion
    assert phone_error_rate(references, [["sil", "a", "m", "s", "sil"]]) == pytest.approx(1 / 4)  # one insertion
    assert phone_error_rate(references, [["sil", "i", "s", "sil"]]) == pytest.approx(1 / 4)  # one substitution
    assert phone_error_rate(references, references) == 0.0


def test_scores_agree_with_keras_accuracy_and_hand_counts():
    labels = ("sil", "a", "s")
    targets = [np.array([0, 0, 1, 1, 2]), np.array([2, 2, 0])]
    predictions = [np.array([0, 1, 1, 1, 2]), np.array([2, 0, 0])]
    result = score(targets, predictions, labels)
    accuracy = keras.metrics.SparseCategoricalAccuracy()
    accuracy.update_state(np.concatenate(targets), np.eye(3)[np.concatenate(predictions)])
    assert result["frame_accuracy"] == pytest.approx(100 * float(accuracy.result()))
    # sil: tp 2, fp 1, fn 1 → F1 2/3; s: tp 2, fn 1 → F1 0.8; a: tp 2, fp 1 → F1 0.8
    assert result["f1"] == pytest.approx({"sil": 200 / 3, "a": 80.0, "s": 80.0})
    assert result["macro_f1"] == pytest.approx((200 / 3 + 160) / 3)
    assert confusion(targets, predictions, labels).tolist() == [[2, 1, 0], [0, 2, 0], [1, 0, 2]]
