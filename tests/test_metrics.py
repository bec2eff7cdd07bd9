"""Text metrics: sacrebleu's BLEU with several references per example, exact match, the baseline."""

import pytest
import sacrebleu

from zoo.metrics import bleu_scores, exact_match, most_frequent


def test_a_perfect_match_of_any_reference_scores_100():
    references = [["a red circle", "a circle that is red"], ["a blue square on its own", "a blue square"]]
    scores = bleu_scores(["a circle that is red", "a blue square on its own"], references)
    assert scores == pytest.approx({"bleu1": 100.0, "bleu2": 100.0, "bleu3": 100.0, "bleu4": 100.0})


def test_bleu_n_is_sacrebleu_with_that_order_and_unequal_reference_counts():
    hypotheses = ["a small red circle left of a blue square", "a green triangle"]
    references = [["a small red circle left of a large blue square", "a blue square right of a red circle"],
                  ["a large green triangle"]]
    scores = bleu_scores(hypotheses, references)
    streams = [[references[0][0], references[1][0]], [references[0][1], None]]
    for order in (1, 2, 4):
        assert scores[f"bleu{order}"] == pytest.approx(
            sacrebleu.BLEU(max_ngram_order=order).corpus_score(hypotheses, streams).score)
    assert 0 < scores["bleu4"] < scores["bleu2"] <= scores["bleu1"]


def test_exact_match_ignores_case_and_spacing():
    assert exact_match(["A red  circle", "a blue square"], [["a red circle"], ["a square"]]) == 0.5


def test_most_frequent_breaks_ties_alphabetically():
    assert most_frequent(["b", "a", "B", "a"]) == "a"
    assert most_frequent(["b", "a"]) == "a"


def test_mismatched_lengths_are_an_error():
    with pytest.raises(ValueError, match="one list of references per hypothesis"):
        bleu_scores(["a"], [])
