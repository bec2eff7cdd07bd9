import numpy as np
import pytest

from zoo.data.long_memory import ADDING_BASELINE_MSE, BLANK, DELIMITER, adding_problem, copy_task


def test_adding_problem_marks_one_step_in_each_half_and_sums_them():
    inputs, targets = adding_problem(200, 10, np.random.default_rng(0))
    assert inputs.shape == (200, 10, 2) and targets.shape == (200,)
    markers = inputs[..., 1]
    assert (markers.sum(1) == 2).all() and (markers[:, :5].sum(1) == 1).all()
    np.testing.assert_allclose(targets, (inputs[..., 0] * markers).sum(1), rtol=1e-6)
    again, _ = adding_problem(200, 10, np.random.default_rng(0))
    np.testing.assert_array_equal(inputs, again)


def test_always_answering_one_scores_the_baseline_mse():
    _, targets = adding_problem(200_000, 20, np.random.default_rng(1))
    assert np.mean((targets - 1.0) ** 2) == pytest.approx(ADDING_BASELINE_MSE, rel=0.02)


def test_copy_task_layout():
    inputs, targets = copy_task(50, 6, np.random.default_rng(0), symbols=3, alphabet=4)
    assert inputs.shape == targets.shape == (50, 12)
    symbols = inputs[:, :3]
    assert ((symbols >= 2) & (symbols < 6)).all()
    assert (inputs[:, 3:8] == BLANK).all() and (inputs[:, 8] == DELIMITER).all() and (inputs[:, 9:] == BLANK).all()
    assert (targets[:, :9] == BLANK).all()
    np.testing.assert_array_equal(targets[:, 9:], symbols)


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="length >= 2"):
        adding_problem(3, 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="alphabet >= 2"):
        copy_task(3, 4, np.random.default_rng(0), alphabet=1)
