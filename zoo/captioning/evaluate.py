"""Scores of a captioner on a split: BLEU-1..4 (sacrebleu) and exact match, for greedy decoding,
beam search and the most-frequent-caption baseline."""

import numpy as np
import tensorflow as tf

from zoo import metrics
from zoo.captioning.generate import caption_ids_function
from zoo.generation import batched, compiled
from zoo.tables import format_table


def generate_ids(model, vocabulary, images, max_length, beam_width=1, length_penalty=0.0, batch_size=100):
    """Caption ids int32 (count, max_length) of uint8/float images (count, size, size, 3)."""
    size = model.get_layer("image_encoder").inputs[0].shape[1]
    caption_ids = compiled(
        model, ("caption_ids", tuple(vocabulary.tokens), max_length, beam_width, length_penalty),
        lambda: tf.function(caption_ids_function(model, vocabulary, max_length, beam_width, length_penalty),
                            input_signature=[tf.TensorSpec([None, size, size, 3], tf.float32)]),
    )
    ids = batched(caption_ids, np.asarray(images, np.float32), batch_size)
    return ids.reshape(len(images), max_length)


def generate_captions(model, vocabulary, images, max_length, beam_width=1, length_penalty=0.0, batch_size=100):
    """Captions (list of str) of uint8/float images (count, size, size, 3)."""
    return vocabulary.decode(generate_ids(model, vocabulary, images, max_length, beam_width, length_penalty,
                                          batch_size))


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
    captions = generate_captions(model, data.vocabulary, part.images, config.max_caption_length)
    results["greedy"] = score(captions, part.references)
    if config.beam_width > 1:
        captions = generate_captions(
            model, data.vocabulary, part.images, config.max_caption_length, config.beam_width, config.length_penalty
        )
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
