"""Translating with a trained seq2seq model, and its scores on a split: BLEU and chrF (sacrebleu)
and exact match, greedy and beam, with and without attention."""

import tensorflow as tf

from zoo import metrics
from zoo.generation import batched, compiled, decode_memory
from zoo.models.seq2seq import source_encoder
from zoo.tables import format_table
from zoo.translation.data import source_ids


def translation_ids_function(model, vocabulary, max_length, beam_width=1, length_penalty=0.0, nbest=False):
    """A function: source ids (batch, time) → target ids (batch, max_length) (or n-best ids and scores)."""
    decoder, encode = model.get_layer("decoder"), source_encoder(model)

    def translate(source):
        memory, mask = encode(source)
        return decode_memory(decoder, memory, mask, vocabulary, max_length, beam_width, length_penalty, nbest)

    return translate


def translate_ids(model, data, sources, config, beam_width=1):
    """Target ids int32 (count, max_target_length) of source sentences."""
    function = compiled(
        model, ("translate", tuple(data.target_vocabulary.tokens), config.max_target_length, beam_width,
                config.length_penalty),
        lambda: tf.function(
            translation_ids_function(model, data.target_vocabulary, config.max_target_length, beam_width,
                                     config.length_penalty),
            input_signature=[tf.TensorSpec([None, None], tf.int32)]),
    )
    ids = batched(function, source_ids(data.source_vocabulary, sources, config.max_source_length))
    return ids.reshape(len(sources), config.max_target_length)


def translate(model, data, sources, config, beam_width=1):
    """Translations (list of str) of source sentences."""
    return data.target_vocabulary.decode(translate_ids(model, data, sources, config, beam_width))


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
        for decoding, width in decodings:
            hypotheses = translate(model, data, sources, config, width)
            results[f"{name}, {decoding}"] = score(hypotheses, references)
            if name == main:
                translations = hypotheses  # the last decoding: beam search where it runs
    return results, translations


def results_table(results):
    """The metrics table printed at the end of a run."""
    rows = [[name, f"{s['bleu']:.1f}", f"{s['chrf']:.1f}", f"{s['exact_match']:.1f}"] for name, s in results.items()]
    return format_table(["model, decoding", "BLEU", "chrF", "exact match %"], rows)

