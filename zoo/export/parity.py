"""Checks an exported artifact's outputs against the Keras model's, before it is written."""

import numpy as np

from zoo.export.errors import ExportError


def _top_two_margin(logits):
    top_two = np.sort(logits, axis=-1)[..., -2:]
    return top_two[..., 1] - top_two[..., 0]


def check_float(artifact, expected, actual, tolerance, argmax=True):
    """Asserts float outputs agree within `tolerance` (absolute) and pick the same argmax.

    Integer outputs must be equal. The argmax must match wherever the reference's top-two
    margin exceeds the tolerance (elsewhere a tie may flip either way); `argmax=False` skips that
    for outputs where it means nothing (a regression's values).

    Returns:
        `{"max_abs_diff": float, "argmax_agreement": float, or None without argmax}`.

    Raises:
        ExportError naming the artifact, the output and the difference.
    """
    worst, agreements = 0.0, []
    for name in expected:
        reference, candidate = np.asarray(expected[name]), np.asarray(actual[name])
        if reference.shape != candidate.shape:
            raise ExportError(artifact=artifact, reason=f"output '{name}' has shape {candidate.shape}, expected {reference.shape}")
        if not np.issubdtype(reference.dtype, np.floating):
            if not np.array_equal(reference, candidate):
                raise ExportError(artifact=artifact, reason=f"output '{name}' differs from the Keras model")
            continue
        difference = float(np.max(np.abs(reference.astype(np.float64) - candidate)))
        worst = max(worst, difference)
        if difference > tolerance:
            raise ExportError(
                artifact=artifact, reason=f"output '{name}' differs from the Keras model by {difference:.3g} "
                f"(tolerance {tolerance:g})"
            )
        if argmax and reference.shape[-1] > 1:
            same = np.argmax(reference, -1) == np.argmax(candidate, -1)
            decisive = _top_two_margin(reference) > tolerance
            if not same[decisive].all():
                raise ExportError(artifact=artifact, reason=f"output '{name}' picks a different argmax where the margin is clear")
            agreements.append(float(same.mean()))
    if not argmax:
        return {"max_abs_diff": worst, "argmax_agreement": None}
    return {"max_abs_diff": worst, "argmax_agreement": min(agreements) if agreements else 1.0}


def check_agreement(artifact, expected, actual, threshold):
    """Asserts a quantized artifact picks the Keras model's argmax on at least `threshold` of positions.

    Returns:
        `{"max_abs_diff": float, "argmax_agreement": float}` (the lowest rate over outputs).
    """
    worst, rates = 0.0, []
    for name in expected:
        reference, candidate = np.asarray(expected[name]), np.asarray(actual[name])
        if np.issubdtype(reference.dtype, np.floating):
            worst = max(worst, float(np.max(np.abs(reference.astype(np.float64) - candidate))))
            rates.append(float(np.mean(np.argmax(reference, -1) == np.argmax(candidate, -1))))
        else:
            rates.append(float(np.mean(reference == candidate)))
    rate = min(rates) if rates else 1.0
    if rate < threshold:
        raise ExportError(
            artifact=artifact, reason=f"agrees with the Keras model's argmax on {rate:.1%} of positions, below the "
            f"threshold {threshold:.1%} (max abs difference {worst:.3g})"
        )
    return {"max_abs_diff": worst, "argmax_agreement": rate}


def check_texts(artifact, expected, actual, what):
    """Asserts an artifact's text outputs (captions, translations) equal the Keras model's.

    Returns:
        `{"max_abs_diff": 0.0, "argmax_agreement": 1.0}`.

    Raises:
        ExportError naming the artifact, how many `what` differ, and the first difference.
    """
    differing = [(e, a) for e, a in zip(expected, actual) if e != a]
    if differing or len(expected) != len(actual):
        example = f", e.g. {differing[0][1]!r} instead of {differing[0][0]!r}" if differing else ""
        raise ExportError(artifact=artifact, reason=f"{len(differing)} of {len(expected)} {what} differ from the Keras model's"
                          f"{example}")
    return {"max_abs_diff": 0.0, "argmax_agreement": 1.0}


def values_within(tolerance):
    """A quantized-file check (`export_model(quantized_check=...)`) for outputs that are values, not
    scores to pick from (a regression): every value within `tolerance` of the Keras model's."""

    def check(artifact, expected, actual):
        return check_float(artifact, expected, actual, tolerance, argmax=False)

    return check
