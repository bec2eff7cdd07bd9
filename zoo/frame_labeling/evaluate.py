"""Scores of frame labels: frame accuracy, per-class F1 and the confusion matrix (scikit-learn), and
phone error rate (jiwer) on label sequences with repeated frames collapsed."""

import jiwer
import numpy as np
from sklearn import metrics as sklearn_metrics

from zoo.data.utterances import collapse
from zoo.frame_labeling.data import frame_dataset


def predict_frames(model, utterances, data, batch_size=32):
    """Label ids per frame of each utterance (the padding cut off): a list of int arrays."""
    predictions = []
    for inputs, targets in frame_dataset(utterances, data, batch_size):
        logits = model(inputs, training=False)
        ids = np.argmax(np.asarray(logits), -1)
        for row, target in zip(ids, np.asarray(targets)):
            predictions.append(row[: int(np.sum(target != -1))])
    return predictions


def phone_error_rate(references, hypotheses):
    """jiwer's word error rate over phone sequences (lists of label names), repeats collapsed: the
    edits (substitutions, deletions, insertions) per reference phone."""
    joined = [(" ".join(collapse(r)), " ".join(collapse(h))) for r, h in zip(references, hypotheses)]
    return jiwer.wer([r for r, _ in joined], [h for _, h in joined])


def score(targets, predictions, labels):
    """Frame accuracy, macro F1, phone error rate (percentages) and per-class F1 of `predictions`
    against `targets` (lists of per-frame id arrays, one per utterance)."""
    true, predicted = np.concatenate(targets), np.concatenate(predictions)
    ids = list(range(len(labels)))
    per_class = sklearn_metrics.f1_score(true, predicted, labels=ids, average=None, zero_division=0)
    names = [[labels[i] for i in sequence] for sequence in targets]
    guesses = [[labels[i] for i in sequence] for sequence in predictions]
    return {
        "frame_accuracy": 100 * float(sklearn_metrics.accuracy_score(true, predicted)),
        "macro_f1": 100 * float(np.mean(per_class[np.isin(ids, true)])),
        "phone_error_rate": 100 * float(phone_error_rate(names, guesses)),
        "f1": {label: 100 * float(value) for label, value in zip(labels, per_class)},
    }


def confusion(targets, predictions, labels):
    """The confusion matrix (rows: true label, columns: predicted), counts."""
    return sklearn_metrics.confusion_matrix(np.concatenate(targets), np.concatenate(predictions),
                                            labels=list(range(len(labels))))
