"""The translation recipe's verbs as library functions: train, evaluate, predict, export, and the
default run that does all of them. `zoo/recipes/translation.py` only parses arguments."""

import dataclasses
import os
import sys
import time

import keras

from zoo.errors import UsageError
from zoo.config import read_saved_config, save_config, stopping
from zoo.epoch_policy import Objective
from zoo.atomic import atomic_file
from zoo.plots import plot_training_curves
from zoo.registry import create_model
from zoo.subwords import SubwordVocabulary
from zoo.training import fit
from zoo.translation import plots
from zoo.translation.config import TranslationConfig
from zoo.translation.data import Vocabularies, load_data, translation_dataset
from zoo.translation.evaluate import evaluate as evaluate_models
from zoo.translation.evaluate import results_table, translate
from zoo.translation.export import PROOF_SENTENCES, export_translator
from zoo.workdir import check_resumable, load_keras_model, read_json, write_json

RECIPE = "translation"
BASELINE = "baseline"  # the no-attention model's workdir, inside the recipe's
SCORED_VALIDATION_PAIRS = 200  # validation pairs translated after an epoch to judge it
EXPORT_SENTENCES = "export_sentences.json"  # test sentences to prove exports on
MODEL_KEYS = ("seed", "cell", "units", "depth", "decoder_depth", "embedding_dim", "attention", "attention_units",
              "data", "reverse", "target_lang", "train_pairs", "validation_fraction", "test_fraction", "vocab_size",
              "min_token_count", "max_source_length", "max_target_length")


def build_model(config, data, attention, architecture="seq2seq"):
    """The recipe's model from `config`: `architecture` (a registered name) with the recipe's settings."""
    return create_model(
        architecture, source_vocab_size=data.source_vocabulary.size, target_vocab_size=data.target_vocabulary.size,
        embedding_dim=config.embedding_dim, cell=config.cell, units=config.units, encoder_depth=config.depth,
        decoder_depth=config.decoder_depth, dropout=config.dropout, attention=attention,
        attention_units=config.attention_units, label_smoothing=config.label_smoothing,
        learning_rate=config.learning_rate, clipnorm=config.clipnorm,
    )


def _saved_vocabularies(workdir):
    paths = [os.path.join(workdir, f"{side}_vocabulary.txt") for side in ("source", "target")]
    if all(os.path.isfile(path) for path in paths):
        return tuple(SubwordVocabulary.load(path) for path in paths)
    return None


def validation_objective(data, config):
    """Validation BLEU of greedy translations of at most `SCORED_VALIDATION_PAIRS` pairs: the number each
    epoch is judged by (early stopping, the learning-rate plateau, the epoch kept)."""
    from zoo.translation.evaluate import score

    sources, references = zip(*data.splits["validation"][:SCORED_VALIDATION_PAIRS])

    def bleu(model):
        return score(translate(model, data, list(sources), config), list(references))["bleu"]

    return Objective("val_bleu", higher_is_better=True, compute=bleu)


def _fit_one(config, data, workdir, attention, minutes, verbose, callbacks=()):
    keras.utils.set_random_seed(config.seed)
    model = build_model(config, data, attention)
    datasets = [translation_dataset(data.splits[split], data, config, shuffle=split == "train")
                for split in ("train", "validation")]
    report = fit(model, *datasets, workdir, verbose=verbose, callbacks=callbacks,
                 objective=validation_objective(data, config), **{**stopping(config), "train_minutes": minutes})
    print(f"training ({'attention: ' + attention if attention else 'no attention'}): {report.describe(workdir)}")
    if report.last_epoch is None:
        return load_keras_model(workdir, RECIPE), report
    return model, report


def train(config, workdir, verbose=1, callbacks=()):
    """Trains the translation model into `workdir` (and the no-attention baseline into
    `workdir/baseline`), resuming from checkpoints if a run was interrupted.

    Returns:
        `(models, data, report)`: {"attention" or "no attention": model, "no attention": baseline}, the
        data, and the main model's `FitReport`.
    """
    os.makedirs(workdir, exist_ok=True)
    check_resumable(config, workdir, TranslationConfig, MODEL_KEYS)
    resuming = os.path.isdir(os.path.join(workdir, "checkpoints"))
    data = load_data(config, _saved_vocabularies(workdir) if resuming else None)
    print(data.summary())
    save_config(config, os.path.join(workdir, "config.json"), RECIPE)
    for side, vocabulary in (("source", data.source_vocabulary), ("target", data.target_vocabulary)):
        with atomic_file(os.path.join(workdir, f"{side}_vocabulary.txt")) as staging:
            vocabulary.save(staging)
    write_json(os.path.join(workdir, EXPORT_SENTENCES), [s for s, _ in data.splits["test"][:PROOF_SENTENCES]])

    attention = None if config.attention == "none" else config.attention
    model, report = _fit_one(config, data, workdir, attention, config.train_minutes, verbose, callbacks)
    models = {"attention" if attention else "no attention": model}
    if attention and config.baseline_minutes_or_budget > 0:
        baseline = os.path.join(workdir, BASELINE)
        os.makedirs(baseline, exist_ok=True)
        check_resumable(config, baseline, TranslationConfig, MODEL_KEYS)
        save_config(config, os.path.join(baseline, "config.json"), RECIPE)
        models["no attention"], _ = _fit_one(config, data, baseline, None, config.baseline_minutes_or_budget,
                                             verbose)
    plot_training_curves(os.path.join(workdir, "history.csv"), os.path.join(workdir, "training.png"))
    return models, data, report


def load_trained(workdir):
    """`(config, models, vocabularies)` of what `train` left in `workdir`."""
    config = read_saved_config(TranslationConfig, os.path.join(workdir, "config.json"))
    vocabularies = _saved_vocabularies(workdir)
    if vocabularies is None:
        raise UsageError(f"{workdir}: source_vocabulary.txt / target_vocabulary.txt not found; run train first.")
    models = {"no attention" if config.attention == "none" else "attention": load_keras_model(workdir, RECIPE)}
    if config.attention != "none" and os.path.isfile(os.path.join(workdir, BASELINE, "model.keras")):
        models["no attention"] = load_keras_model(os.path.join(workdir, BASELINE), RECIPE)
    return config, models, Vocabularies(*vocabularies)


def evaluate(workdir, models=None, data=None, config=None):
    """Scores the models on the test split, prints the table and example translations, writes
    metrics.json and attention.png. Returns the results dict."""
    if models is None:
        config, models, vocabularies = load_trained(workdir)
        data = load_data(config, (vocabularies.source_vocabulary, vocabularies.target_vocabulary))
    results, translations = evaluate_models(models, data, config)
    print(results_table(results))
    test = data.splits["test"]
    split = {"unit": "source sentence", **{name: len(pairs) for name, pairs in data.splits.items()}}
    write_json(os.path.join(workdir, "metrics.json"), {"test": results, "test_pairs": len(test), "split": split})
    print("translations of test sentences:")
    for (source, reference), translation in list(zip(test, translations))[: config.examples]:
        print(f"  {source}  →  {translation}   (reference: {reference})")
    main = next(iter(models.values()))
    if config.attention != "none" and test:
        plots.plot_alignment(*plots.alignment(main, data, test[0][0], config), os.path.join(workdir, "attention.png"))
    return results


def read_sentences(texts, stream=sys.stdin):
    """The sentences to translate: `texts`, or the lines of `stream` when none are given."""
    return list(texts) if texts else [line.rstrip("\n") for line in stream]


def predict(workdir, texts, stream=sys.stdin):
    """Yields a record per sentence (from `texts`, or stdin lines): `{"input": sentence, "translation": ...}`,
    or `{"input": "", "error": ...}` for an empty one (skipped); an over-long one is cut to
    max_source_length with a warning on stderr."""
    config, models, vocabularies = load_trained(workdir)
    model = next(iter(models.values()))
    for number, sentence in enumerate(read_sentences(texts, stream), start=1):
        if not sentence.strip():
            yield {"input": sentence, "error": f"line {number}: empty sentence, skipped"}
            continue
        length = int(vocabularies.source_vocabulary.lengths([sentence])[0])
        if length > config.max_source_length:
            print(f"line {number}: {length} tokens, cut to the model's limit of {config.max_source_length}",
                  file=sys.stderr)
        yield {"input": sentence, "translation": translate(model, vocabularies, [sentence], config,
                                                           config.beam_width)[0]}


def predict_text(record):
    """predict's text line of `record`: the translation alone (None for an empty sentence: stderr says so)."""
    return None if "error" in record else record["translation"]


def export(workdir, models=None, data=None, config=None, verbose=True, overrides=None):
    """Exports the trained model of `workdir` (see `zoo.translation.export`); `overrides` replace config
    values (export_tolerance, agreement_threshold, quantizations)."""
    if models is None:
        config, models, data = load_trained(workdir)
    if overrides:
        config = dataclasses.replace(config, **overrides)
    sentences = read_json(os.path.join(workdir, EXPORT_SENTENCES), "train")
    return export_translator(next(iter(models.values())), data, config, workdir, sentences, verbose=verbose)


def run(config, workdir, verbose=1):
    """The default run: train (with the baseline), evaluate (table, examples, attention map), export."""
    start = time.monotonic()
    models, data, _ = train(config, workdir, verbose=verbose)
    evaluate(workdir, models, data, config)
    export(workdir, models, data, config)
    print(f"done in {(time.monotonic() - start) / 60:.1f} min; artifacts in {workdir}/")


def tuning_target(data):
    """The translation recipe's `TuningTarget`: validation BLEU of greedy translations, maximized."""
    from zoo.translation.evaluate import score
    from zoo.tuning.search import TuningTarget, fit_trial

    def train_and_score(model, config, trial_dir, fit_kwargs):
        datasets = [translation_dataset(data.splits[split], data, config, shuffle=split == "train")
                    for split in ("train", "validation")]
        fit_trial(model, *datasets, config, trial_dir, fit_kwargs, objective=validation_objective(data, config))
        sources, references = zip(*data.splits["validation"])
        return score(translate(model, data, list(sources), config), list(references))["bleu"]

    def build(config):
        return build_model(config, data, None if config.attention == "none" else config.attention)

    return TuningTarget(RECIPE, "val_bleu", build, train_and_score)


def tune(config, workdir, tuner="random", max_trials=10, budget_minutes=0.0, verbose=1, strategy=None):
    """Searches cell, encoder depth, width, dropout and learning rate (see `zoo.tuning.search`)."""
    from zoo.tuning.search import search

    data = load_data(config)
    print(data.summary())
    return search(tuning_target(data), config, workdir, tuner, max_trials, budget_minutes, verbose=bool(verbose),
                  strategy=strategy)
