from fractions import Fraction

import numpy as np
import pytest

from zoo.language_model.ngram import KneserNeyModel

# ids 2 2 3 2 2 2 3 over a vocabulary of 4: the bigrams 2→2 (3 times), 2→3 (twice), 3→2 (once).
TEXT = np.array([2, 2, 3, 2, 2, 2, 3])


def test_bigram_probabilities_match_the_formula_worked_by_hand():
    # Unigrams use continuation counts: 2 follows {2, 3} (2), 3 follows {2} (1); D = 1/(1+2) = 1/3.
    # P1(2) = (2-1/3)/3 + 1/3·2/3·1/4 = 11/18, P1(3) = 5/18, P1(0) = P1(1) = 1/18.
    # Bigrams: D = 1/3; context 2 has total 5 and 2 types; context 3 total 1, 1 type.
    model = KneserNeyModel(2, 4).fit(TEXT)
    contexts = np.array([[2], [2], [2], [2], [3], [0], [-1]])
    targets = np.array([2, 3, 0, 1, 2, 3, 2])
    expected = [Fraction(166, 270), Fraction(100, 270), Fraction(2, 270), Fraction(2, 270),
                Fraction(2, 3) + Fraction(1, 3) * Fraction(11, 18), Fraction(5, 18), Fraction(11, 18)]
    np.testing.assert_allclose(model.probabilities(contexts, targets), [float(p) for p in expected], atol=1e-12, rtol=0)


@pytest.mark.parametrize("order", [1, 2, 4])
def test_every_distribution_sums_to_one(order):
    rng = np.random.default_rng(0)
    text = rng.choice(6, size=3000, p=[0.02, 0.08, 0.3, 0.3, 0.2, 0.1])
    model = KneserNeyModel(order, 8).fit(text)  # ids 6 and 7 never seen
    contexts = np.concatenate([rng.integers(0, 8, size=(20, order - 1)), -np.ones((1, order - 1), int)])
    probabilities = model.probabilities(np.repeat(contexts, 8, axis=0), np.tile(np.arange(8), len(contexts)))
    np.testing.assert_allclose(probabilities.reshape(-1, 8).sum(axis=1), 1.0, atol=1e-12, rtol=0)
    assert (probabilities > 0).all()


def test_longer_contexts_predict_a_patterned_text_better():
    text = np.tile(np.array([2, 3, 4, 5, 3, 2, 6]), 300)
    positions = np.arange(1, 500)
    bits = [KneserNeyModel(order, 8).fit(text).bits_per_character(text[:500], positions) for order in (1, 3)]
    assert bits[1] < 0.5 * bits[0]


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="order must be >= 1"):
        KneserNeyModel(0, 10)
    with pytest.raises(ValueError, match="64-bit"):
        KneserNeyModel(20, 200)
    with pytest.raises(ValueError, match="fit the model first"):
        KneserNeyModel(2, 4).probabilities(np.zeros((1, 1)), np.zeros(1, int))
