"""Scores of a captioner on a split: BLEU-1..4 (sacrebleu) and exact match, for greedy decoding,
beam search and the most-frequent-caption baseline."""

from zoo import metrics
from zoo.captioning.generate import captioner
from zoo.tables import format_table


def score(hypotheses, references):
    """`{"bleu1".."bleu4", "exact_match"}` of captions against their references (0–100)."""
    scores = metrics.bleu_scores(hypotheses, references)
    scores["exact_match"] = 100 * metrics.exact_match(hypotheses, references)
    return scores


def evaluate(model, data, config, split="test"):
    """Scores the baseline, greedy decoding and beam search on `split`.

    Returns:
        `(results, captions)`: `{"baseline": scores, "greedy": scores, "beam": scores}` (the beam row
        is absent when `config.beam_width` is 1) and the beam (or greedy) captions of the split.
    """
    part, train = data.splits[split], data.splits["train"]
    baseline_caption = metrics.most_frequent(c for captions in train.references for c in captions)
    results = {"baseline": score([baseline_caption] * len(part.references), part.references)}
    results["baseline"]["caption"] = baseline_caption
    generator = captioner(model, data.vocabulary, config.max_caption_length, config.length_penalty)
    captions = generator.generate(part.images)
    results["greedy"] = score(captions, part.references)
    if config.beam_width > 1:
        captions = generator.generate(part.images, config.beam_width)
        results["beam"] = score(captions, part.references)
    return results, captions


def results_table(results, config):
    """The metrics table printed at the end of a run."""
    names = {"baseline": "most frequent caption", "greedy": "greedy", "beam": f"beam (width {config.beam_width})"}
    rows = [
        [names[key]] + [f"{results[key][f'bleu{n}']:.1f}" for n in range(1, 5)] + [f"{results[key]['exact_match']:.1f}"]
        for key in ("baseline", "greedy", "beam") if key in results
    ]
    return format_table(["decoding", "BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "exact match %"], rows)
