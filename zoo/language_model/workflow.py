"""The language model recipe's verbs as library functions: train, evaluate, predict, export, tune,
and the default run that does all of them. `zoo/recipes/language_model.py` only parses arguments."""

import dataclasses
import math
import os
import types

import numpy as np
import tensorflow as tf

from zoo.errors import UsageError
from zoo.config import read_saved_config, replace_values, with_overrides
from zoo.data.text_corpus import SPLITS, load_corpus
from zoo.atomic import atomic_file
from zoo.language_model.config import SAMPLING_KEYS, LanguageModelConfig
from zoo.language_model.data import CharacterVocabulary, input_positions, stream_windows, window_dataset
from zoo.language_model.ngram import KneserNeyModel
from zoo.language_model.sampling import TextGenerator, continue_with
from zoo.models.char_language_model import generator_from, zero_states
from zoo.plots import plot_training_curves
from zoo.registry import create_model
from zoo.tables import format_table
from zoo.training import ResetStates
from zoo.workdir import load_keras_model, train_evaluate_export, train_in_workdir, write_json

RECIPE = "language_model"
MODEL_KEYS = ("seed", "cell", "units", "depth", "batch_size", "embedding_dim", "data", "max_characters",
              "validation_fraction", "test_fraction", "min_count", "max_vocabulary")  # fmt: skip
VOCABULARY_FILE = "characters.json"
SAMPLES_FILE = "samples.txt"


@dataclasses.dataclass
class LanguageData:
    """The corpus, its character vocabulary, and each split's text as ids."""

    corpus: object
    vocabulary: CharacterVocabulary
    ids: dict

    def summary(self):
        return f"{self.corpus.summary()}; {self.vocabulary.size} character ids"


def load_data(config, vocabulary=None):
    """The corpus of `config.data` (or the standard library's source) as ids; the vocabulary is built
    from the training text unless given (a trained model's)."""
    corpus = load_corpus(config.data, config.validation_fraction, config.test_fraction, config.seed,
                         config.max_characters)  # fmt: skip
    if vocabulary is None:
        vocabulary = CharacterVocabulary.build(corpus.texts["train"], config.min_count, config.max_vocabulary)
    return LanguageData(corpus, vocabulary, {name: vocabulary.encode(corpus.texts[name]) for name in SPLITS})


def build_model(config, vocab_size):
    """The training form: stateful layers over `batch_size` streams."""
    return create_model("char_language_model", vocab_size=vocab_size, embedding_dim=config.embedding_dim,
                        cell=config.cell, units=config.units, depth=config.depth, dropout=config.dropout,
                        learning_rate=config.learning_rate, clipnorm=config.clipnorm, batch_size=config.batch_size,
                        stateful=True)  # fmt: skip


def generator_of(model, config, vocab_size):
    """The generator form (states in and out) of a trained model of either form."""
    return generator_from(model, vocab_size, config.embedding_dim, config.cell, config.units, config.depth)


def training_datasets(data, config):
    """(train, validation): each split read as `batch_size` streams of `window`-character windows."""
    return (window_dataset(data.ids["train"], config.batch_size, config.window),
            window_dataset(data.ids["validation"], config.batch_size, config.window))


def train(config, workdir, verbose=1):
    """Trains the model into `workdir` with truncated BPTT (stateful layers reset every epoch); resumes
    an interrupted run. Returns `(model, data)`."""
    os.makedirs(workdir, exist_ok=True)
    data = load_data(config)
    print(data.summary())
    with atomic_file(os.path.join(workdir, VOCABULARY_FILE)) as staging:
        data.vocabulary.save(staging)
    model = train_in_workdir(workdir, config, RECIPE, LanguageModelConfig, MODEL_KEYS,
                             lambda: build_model(config, data.vocabulary.size), lambda: training_datasets(data, config),
                             f"{config.cell} language model", verbose, callbacks=[ResetStates()])  # fmt: skip
    plot_training_curves(os.path.join(workdir, "history.csv"), os.path.join(workdir, "training.png"))
    return model, data


def load_trained(workdir):
    """`(config, generator, vocabulary)` of what `train` left in `workdir`."""
    config = read_saved_config(LanguageModelConfig, os.path.join(workdir, "config.json"))
    vocabulary = CharacterVocabulary.load(os.path.join(workdir, VOCABULARY_FILE))
    return config, generator_of(load_keras_model(workdir, RECIPE), config, vocabulary.size), vocabulary


def evaluation_layout(length, streams, window):
    """(streams, window) fitting a text of `length` characters: fewer streams or a shorter window if short."""
    if length < 3:
        raise UsageError(f"a text of {length} characters is too short to score.")
    streams = max(1, min(streams, (length - 1) // 2))
    return streams, max(1, min(window, (length - 1) // streams))


def model_bits_per_character(generator, ids, streams, window):
    """Mean −log₂ P of each character the stream layout predicts, the state carried across windows.

    Returns:
        `(bits per character, the predicted positions)`: positions are those of `ids` the model
        predicted (the n-gram baseline is scored on the same ones).
    """
    streams, window = evaluation_layout(len(ids), streams, window)
    inputs, targets = stream_windows(ids, streams, window)
    states = zero_states(generator, streams)
    total = 0.0
    for batch_inputs, batch_targets in zip(inputs, targets):
        logits, *states = generator([tf.constant(batch_inputs), *states], training=False)
        total += float(tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(batch_targets, logits)))
    positions = input_positions(len(ids), streams, window).reshape(-1) + 1
    return total / targets.size / math.log(2), positions


def prompts_from(text, count=3, width=12):
    """`count` prompts from a text: the first `width` characters of lines spread over it, after their
    indentation (kept)."""
    lines = [line for line in text.split("\n") if len(line.strip()) >= 4]
    if not lines:
        return ["\n"] * count
    picks = np.linspace(0, len(lines) - 1, count + 2)[1:-1].astype(int)
    return [lines[i][: len(lines[i]) - len(lines[i].lstrip()) + width] for i in picks]


def generate(generator, vocabulary, prompts, config):
    """The continuations of `prompts` with the config's sampling settings."""
    module = TextGenerator(generator, vocabulary)
    return continue_with(module.continue_text, list(prompts), config.sample_length, config.temperature, config.top_k,
                         config.top_p, config.sample_seed)  # fmt: skip


def describe_sampling(config):
    parts = [f"temperature {config.temperature:g}" if config.temperature > 0 else "greedy"]
    if config.temperature > 0 and config.top_k:
        parts.append(f"top-k {config.top_k}")
    if config.temperature > 0 and config.top_p < 1:
        parts.append(f"top-p {config.top_p:g}")
    return ", ".join(parts + [f"seed {config.sample_seed}"])


def write_samples(workdir, prompts, texts, config):
    """Prints each prompt and its continuation and writes them to samples.txt."""
    blocks = [f"--- prompt {prompt!r} ({describe_sampling(config)}) ---\n{prompt}{text}\n" for prompt, text in
              zip(prompts, texts)]  # fmt: skip
    print("\n".join(blocks))
    with open(os.path.join(workdir, SAMPLES_FILE), "w", encoding="utf-8") as file:
        file.write("\n".join(blocks))


def _trained_or_loaded(workdir, model, data, config):
    """`(generator, data, config)`: those of a model just trained (either form), or of what `workdir` holds."""
    if model is None:
        config, generator, vocabulary = load_trained(workdir)
        return generator, load_data(config, vocabulary), config
    return generator_of(model, config, data.vocabulary.size), data, config


def evaluate(workdir, model=None, data=None, config=None):
    """Bits per character and perplexity on the test split for the model and the Kneser-Ney n-gram
    baselines (fit on the training split, scored on the same characters), a table, samples
    (samples.txt) and metrics.json. Returns the results dict."""
    generator, data, config = _trained_or_loaded(workdir, model, data, config)
    test = data.ids["test"]
    bits, positions = model_bits_per_character(generator, test, config.evaluation_streams, config.window)
    results = {"model": {"model": f"{config.cell} {config.depth}×{config.units} (truncated BPTT)",
                         "parameters": int(generator.count_params()), "bits_per_character": bits}}  # fmt: skip
    for order in config.ngram_orders:
        ngram = KneserNeyModel(order, data.vocabulary.size).fit(data.ids["train"])
        results[f"ngram_{order}"] = {"model": f"{order}-gram, interpolated Kneser-Ney",
                                     "parameters": int(sum(len(level[0]) for level in ngram.levels)),
                                     "bits_per_character": ngram.bits_per_character(test, positions)}  # fmt: skip
    for row in results.values():
        row["perplexity"] = 2.0 ** row["bits_per_character"]
    print(f"test split: {len(positions):,} characters predicted; the model trained for at most "
          f"{config.train_minutes:g} min; n-grams counted on the training split (parameters: n-grams kept)")
    print(format_table(["model", "parameters", "bits / character", "perplexity"],
                       [[r["model"], r["parameters"], r["bits_per_character"], r["perplexity"]]
                        for r in results.values()]))  # fmt: skip
    prompts = list(config.prompts) or prompts_from(data.corpus.texts["test"])
    texts = generate(generator, data.vocabulary, prompts, config)
    write_samples(workdir, prompts, texts, config)
    write_json(os.path.join(workdir, "metrics.json"), {
        "test": results, "test_characters": int(len(positions)), "samples": [
            {"prompt": p, "text": t, "sampling": describe_sampling(config)} for p, t in zip(prompts, texts)]})
    return results


def predict(workdir, prompts, overrides=()):
    """Yields a record per prompt: `{"input": prompt, "text": continuation, "sampling": {key: value}}`;
    `overrides` ("key=value") change the sampling settings (temperature, top_k, top_p, sample_length,
    sample_seed) of the saved config."""
    config, generator, vocabulary = load_trained(workdir)
    config = with_overrides(config, overrides, SAMPLING_KEYS)
    sampling = {key: getattr(config, key) for key in SAMPLING_KEYS}
    for prompt, text in zip(prompts, generate(generator, vocabulary, prompts, config)):
        yield {"input": prompt, "text": text, "sampling": sampling}


def predict_text(record):
    """predict's text of `record`: the sampling settings, then the prompt and its continuation."""
    settings = types.SimpleNamespace(**record["sampling"])
    return f"--- {describe_sampling(settings)} ---\n{record['input']}{record['text']}"


def export(workdir, model=None, data=None, config=None, verbose=True, overrides=None):
    """Exports the model (see `zoo.language_model.export`), proved on test text; `overrides` replace
    config values (export_tolerance, agreement_threshold, quantizations)."""
    from zoo.language_model.export import export_language_model

    generator, data, config = _trained_or_loaded(workdir, model, data, config)
    config = replace_values(config, overrides or {})
    prompts = list(config.prompts) or prompts_from(data.corpus.texts["test"])
    return export_language_model(generator, data.vocabulary, data.ids["test"], prompts, config, workdir, verbose)


def run(config, workdir, verbose=1):
    """The default run: train, evaluate, export."""
    train_evaluate_export(config, workdir, train, evaluate, export, verbose)


def tuning_target(data):
    """The recipe's `TuningTarget`: validation bits per character (maximized as its negative)."""
    from zoo.tuning.search import TuningTarget, fit_trial

    def train_and_score(model, config, trial_dir, fit_kwargs):
        train_set, validation = training_datasets(data, config)
        fit_trial(model, train_set, validation, config, trial_dir, fit_kwargs, callbacks=[ResetStates()])
        generator = generator_of(model, config, data.vocabulary.size)
        return -model_bits_per_character(generator, data.ids["validation"], config.evaluation_streams,
                                         config.window)[0]  # fmt: skip

    return TuningTarget(RECIPE, "val_neg_bits_per_character", lambda config: build_model(config, data.vocabulary.size),
                        train_and_score)  # fmt: skip


def tune(config, workdir, tuner="random", max_trials=10, budget_minutes=0.0, verbose=1, strategy=None):
    """Searches cell, depth, width, dropout and learning rate (see `zoo.tuning.search`)."""
    from zoo.tuning.search import search

    data = load_data(config)
    print(data.summary())
    return search(tuning_target(data), config, workdir, tuner, max_trials, budget_minutes, verbose=bool(verbose),
                  strategy=strategy)
