"""Text metrics from well-kept libraries: BLEU with sacrebleu, and exact match."""

import collections

import sacrebleu

from zoo.errors import UsageError


def _reference_streams(references):
    """sacrebleu's layout: stream k holds every example's k-th reference ('' where it has fewer)."""
    width = max(len(refs) for refs in references)
    return [[refs[k] if k < len(refs) else "" for refs in references] for k in range(width)]


def bleu_scores(hypotheses, references, max_order=4):
    """Corpus BLEU-1 … BLEU-`max_order` (sacrebleu, 0–100) against several references per example.

    BLEU-n is the brevity-penalized geometric mean of the 1- to n-gram precisions (Papineni et al.,
    2002), sacrebleu's `BLEU(max_ngram_order=n)` with its default 13a tokenization.

    Args:
        hypotheses: list of str.
        references: list of lists of str, one list per hypothesis (any number each, at least one).

    Returns:
        `{"bleu1": float, ..., f"bleu{max_order}": float}`.
    """
    if len(hypotheses) != len(references) or not hypotheses:
        raise UsageError(f"need one list of references per hypothesis; got {len(hypotheses)} and {len(references)}.")
    streams = _reference_streams(references)
    return {
        f"bleu{order}": sacrebleu.BLEU(max_ngram_order=order).corpus_score(list(hypotheses), streams).score
        for order in range(1, max_order + 1)
    }


def chrf(hypotheses, references):
    """Corpus chrF (Popović, 2015), sacrebleu's `CHRF()`, 0–100, against several references per example."""
    if len(hypotheses) != len(references) or not hypotheses:
        raise UsageError(f"need one list of references per hypothesis; got {len(hypotheses)} and {len(references)}.")
    return sacrebleu.CHRF().corpus_score(list(hypotheses), _reference_streams(references)).score


def sacrebleu_signatures(references):
    """sacrebleu's signatures (its reproducibility strings: references, case, tokenization, smoothing,
    version) of BLEU-4 and chrF as zoo computes them against `references` (several per example)."""
    streams = _reference_streams(references)
    hypotheses = [next(iter(refs), "") for refs in references]
    signatures = {}
    for name, metric in (("bleu", sacrebleu.BLEU(max_ngram_order=4)), ("chrf", sacrebleu.CHRF())):
        metric.corpus_score(hypotheses, streams)  # a signature needs one scoring (it counts the references)
        signatures[name] = metric.get_signature().format()
    return signatures


def normalize(text):
    """Lower case, single spaces: the form in which captions are compared."""
    return " ".join(text.lower().split())


def exact_match(hypotheses, references):
    """The fraction of hypotheses equal to one of their references (after `normalize`)."""
    hits = [normalize(h) in {normalize(r) for r in refs} for h, refs in zip(hypotheses, references)]
    return sum(hits) / len(hits) if hits else 0.0


def most_frequent(texts):
    """The most frequent text (after `normalize`), ties broken alphabetically: a trivial baseline."""
    counts = collections.Counter(normalize(t) for t in texts)
    return min(counts, key=lambda t: (-counts[t], t))
