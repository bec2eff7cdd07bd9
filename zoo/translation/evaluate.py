"""Translating with a trained seq2seq model, and its scores on a split: BLEU and chrF (sacrebleu)
and exact match, greedy and beam, with and without attention."""

import tensorflow as tf

from zoo import metrics
from zoo.export import boundary
from zoo.generation import RawInputs, SequenceGenerator
from zoo.subwords import ids_to_text
from zoo.models.seq2seq import source_encoder
from zoo.tables import format_table
from zoo.translation.data import source_ids


def translator(model, vocabularies, config):
    """The translation task of a trained seq2seq model (a `SequenceGenerator`): source sentences in,
    translations out (beam search with `config.length_penalty`), its traced functions its own.

    Args:
        model: the trained seq2seq model.
        vocabularies: anything with `source_vocabulary` and `target_vocabulary` (the data, or the
            vocabularies train saved).
        config: the recipe's config (`max_source_length`, `max_target_length`, `length_penalty`).

    Example:
        translator(model, data, config).generate(["the cat sleeps"], beam_width=3)
    """
    source_vocabulary = vocabularies.source_vocabulary

    def tokenize(text):
        return source_vocabulary.ids_tf(text)[:, : config.max_source_length].to_tensor(default_value=0)

    return SequenceGenerator(
        source_encoder(model), model.get_layer("decoder"), vocabularies.target_vocabulary, config.max_target_length,
        tf.TensorSpec([None, None], tf.int32),
        lambda sentences: source_ids(source_vocabulary, sentences, config.max_source_length), config.length_penalty,
        RawInputs(tf.TensorSpec([None], tf.string, name="text"), tokenize, ids_to_text,
                  check=lambda text: boundary.utf8(text, "text"), blank=boundary.blank_strings))


def score(hypotheses, references):
    """`{"bleu", "chrf", "exact_match"}` (0–100) of translations against one reference each."""
    return {
        "bleu": metrics.bleu_scores(hypotheses, [[r] for r in references])["bleu4"],
        "chrf": metrics.chrf(hypotheses, [[r] for r in references]),
        "exact_match": 100 * metrics.exact_match(hypotheses, [[r] for r in references]),
    }


def evaluate(models, data, config, split="test"):
    """Scores each model (a dict name → model, e.g. "attention", "no attention") greedy and with beam search.

    Returns:
        `(results, translations)`: `{f"{name}, {decoding}": scores}` and the first model's beam
        translations of the split.
    """
    sources = [s for s, _ in data.splits[split]]
    references = [t for _, t in data.splits[split]]
    decodings = [("greedy", 1)] + ([(f"beam {config.beam_width}", config.beam_width)] if config.beam_width > 1 else [])
    results, main = {}, next(iter(models))
    for name, model in models.items():
        generator = translator(model, data, config)
        for decoding, width in decodings:
            hypotheses = generator.generate(sources, width)
            results[f"{name}, {decoding}"] = score(hypotheses, references)
            if name == main:
                translations = hypotheses  # the last decoding: beam search where it runs
    return results, translations


def results_table(results):
    """The metrics table printed at the end of a run."""
    rows = [[name, f"{s['bleu']:.1f}", f"{s['chrf']:.1f}", f"{s['exact_match']:.1f}"] for name, s in results.items()]
    return format_table(["model, decoding", "BLEU", "chrF", "exact match %"], rows)

