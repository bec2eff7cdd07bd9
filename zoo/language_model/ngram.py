"""The count-based baseline a language model must beat: an interpolated Kneser-Ney n-gram model
over character ids, counted and scored with numpy (a few seconds on millions of characters)."""

import numpy as np

from zoo.errors import UsageError

MIN_DISCOUNT = 0.1  # Ney's estimate is 0 when no n-gram was seen once; a zero discount would give zero probabilities


class KneserNeyModel:
    """Interpolated Kneser-Ney smoothing (Chen & Goodman, 1998) of character n-grams.

    With c*(h w) the count of the n-gram h w at the highest order and, at lower orders, the number
    of different characters seen before it (its continuation count):

        P(w | h) = max(c*(h w) − D, 0) / c*(h) + D · N₁₊(h •) / c*(h) · P(w | h′)

    where h′ drops the oldest character of h, c*(h) = Σ_w c*(h w), N₁₊(h •) counts the characters
    seen after h, and D = n₁ / (n₁ + 2 n₂) per order (n₁, n₂: n-grams with c* 1 and 2; at least
    0.1, so no probability is zero). An unseen
    context gives P(w | h′); below the unigrams lies the uniform 1 / vocab_size, so every character
    has a probability and each distribution sums to one.

    Args:
        order: int ≥ 1. The longest n-gram (a context of order − 1 characters).
        vocab_size: int. Ids lie in [0, vocab_size).

    Example:
        >>> model = KneserNeyModel(5, vocabulary.size).fit(train_ids)
        >>> bits = -np.log2(model.probabilities(contexts, targets)).mean()
    """

    def __init__(self, order, vocab_size):
        if order < 1 or vocab_size < 2:
            raise UsageError(f"order must be >= 1 and vocab_size >= 2; received {order} and {vocab_size}.")
        if float(vocab_size) ** order >= 2**62:
            raise UsageError(f"order {order} over {vocab_size} characters does not fit 64-bit n-gram codes.")
        self.order, self.vocab_size = order, vocab_size
        self.levels = []

    def _ngram_codes(self, ids, n):
        """Every n-gram of `ids` as one integer (base vocab_size digits, the oldest character first)."""
        code = np.zeros(len(ids) - n + 1, np.int64)
        for offset in range(n):
            code = code * self.vocab_size + ids[offset : len(ids) - n + 1 + offset]
        return code

    def fit(self, ids):
        """Counts the n-grams of `ids` (int array); returns self."""
        ids = np.asarray(ids, np.int64)
        if len(ids) < self.order + 1:
            raise UsageError(f"{len(ids)} characters are too few to count {self.order}-grams.")
        self.levels = []
        for n in range(1, self.order + 1):
            if n == self.order:
                keys, counts = np.unique(self._ngram_codes(ids, n), return_counts=True)
            else:  # continuation counts: distinct characters seen before each n-gram
                longer = np.unique(self._ngram_codes(ids, n + 1))
                keys, counts = np.unique(longer % self.vocab_size**n, return_counts=True)
            contexts, first = np.unique(keys // self.vocab_size, return_index=True)
            totals = np.add.reduceat(counts, first)
            types = np.diff(np.append(first, len(keys)))
            n1, n2 = np.sum(counts == 1), np.sum(counts == 2)
            discount = max(n1 / (n1 + 2 * n2), MIN_DISCOUNT) if n1 + 2 * n2 else 0.5
            self.levels.append((keys, counts, contexts, totals, types, float(discount)))
        return self

    @staticmethod
    def _lookup(keys, values, codes):
        index = np.clip(np.searchsorted(keys, codes), 0, len(keys) - 1)
        return np.where(keys[index] == codes, values[index], 0)

    def probabilities(self, contexts, targets):
        """P(target | context) for each row.

        Args:
            contexts: int (N, order − 1), the characters before each target, oldest first; −1 where
                the text had not started (those positions use a shorter context).
            targets: int (N,).

        Returns:
            float64 (N,).
        """
        if not self.levels:
            raise UsageError("fit the model first.")
        contexts = np.asarray(contexts, np.int64).reshape(len(targets), self.order - 1)
        targets = np.asarray(targets, np.int64)
        probability = np.full(len(targets), 1.0 / self.vocab_size)
        for n, (keys, counts, context_keys, totals, types, discount) in enumerate(self.levels, 1):
            history = contexts[:, contexts.shape[1] - (n - 1) :]
            usable = (history >= 0).all(axis=1)
            context_code = np.zeros(len(targets), np.int64)
            for column in range(n - 1):
                context_code = context_code * self.vocab_size + np.maximum(history[:, column], 0)
            count = self._lookup(keys, counts, context_code * self.vocab_size + targets)
            total = self._lookup(context_keys, totals, context_code)
            kinds = self._lookup(context_keys, types, context_code)
            seen = usable & (total > 0)
            safe = np.maximum(total, 1)
            interpolated = np.maximum(count - discount, 0) / safe + discount * kinds / safe * probability
            probability = np.where(seen, interpolated, probability)
        return probability

    def contexts_at(self, ids, positions):
        """The (N, order − 1) contexts of `ids[positions]` (−1 before the text's start)."""
        ids, positions = np.asarray(ids, np.int64), np.asarray(positions)
        offsets = positions[:, None] - np.arange(self.order - 1, 0, -1)[None, :]
        return np.where(offsets >= 0, ids[np.maximum(offsets, 0)], -1)

    def bits_per_character(self, ids, positions):
        """Mean −log₂ P of `ids[positions]`, each given the characters before it in `ids`."""
        targets = np.asarray(ids)[positions]
        return float(-np.mean(np.log2(self.probabilities(self.contexts_at(ids, positions), targets))))
