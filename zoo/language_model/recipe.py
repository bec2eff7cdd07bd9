"""The language model recipe (`python -m zoo.recipes.language_model`): its data, stateful model
(truncated BPTT), score, predict and export on the recipe contract (`zoo.recipe`). The trained model is
stateful over `batch_size` streams; evaluate, predict and export use its generator form (`generator_of`)."""

import dataclasses
import math
import os
import types

import numpy as np
import tensorflow as tf

from zoo.atomic import atomic_file
from zoo.config import DEEP_KEYS, body_description, deep_options, model_options
from zoo.data.text_corpus import SPLITS, load_corpus
from zoo.epoch_policy import Objective
from zoo.errors import UsageError
from zoo.language_model.config import SAMPLING_KEYS, LanguageModelConfig
from zoo.language_model.data import CharacterVocabulary, input_positions, stream_windows, window_dataset
from zoo.language_model.ngram import KneserNeyModel
from zoo.language_model.sampling import TextGenerator
from zoo.models.char_language_model import generator_from, zero_states
from zoo.recipe import Recipe
from zoo.registry import create_model
from zoo.tables import format_table
from zoo.training import ResetStates

MODEL_KEYS = (*DEEP_KEYS, "seed", "cell", "units", "depth", "batch_size", "embedding_dim", "data", "max_characters",
              "validation_fraction", "test_fraction", "min_count", "max_vocabulary")  # fmt: skip
VOCABULARY_FILE = "characters.json"
SAMPLES_FILE = "samples.txt"
OBJECTIVE = Objective()  # each epoch is judged by the validation loss (cross-entropy per character)
TUNING_METRIC = "val_neg_bits_per_character"  # a trial's score: validation bits per character, negated


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
                        **model_options(config), batch_size=config.batch_size,
                        stateful=True)  # fmt: skip


def generator_of(model, config, vocab_size):
    """The generator form (states in and out) of a trained model of either form."""
    return generator_from(model, vocab_size, config.embedding_dim, config.cell, config.units, config.depth,
                          **deep_options(config))


def training_datasets(data, config):
    """(train, validation): each split read as `batch_size` streams of `window`-character windows."""
    return (window_dataset(data.ids["train"], config.batch_size, config.window),
            window_dataset(data.ids["validation"], config.batch_size, config.window))


def trained_vocabulary(workdir):
    """The character vocabulary train saved in `workdir`."""
    return CharacterVocabulary.load(os.path.join(workdir, VOCABULARY_FILE))


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
    return TextGenerator(generator, vocabulary).generate(prompts, config.sample_length, config.temperature,
                                                         config.top_k, config.top_p, config.sample_seed)


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


class LanguageModelRecipe(Recipe):
    """The character language model: a stateful RNN trained with truncated BPTT, scored in bits per
    character beside Kneser-Ney n-grams, and continuing prompts with temperature, top-k and top-p
    sampling."""

    name = "language_model"
    config_class = LanguageModelConfig
    embedded_data = (  # what the default run trains on, and its limits (the model card's Data)
        "the Python standard library's source files on the training machine: real code in one language; its "
        "samples imitate that code"
    )
    description = (
        "Character-level language model (one-to-many): a stateful RNN reads text in consecutive windows (truncated "
        "BPTT) and writes text from a prompt. With no verb: train on Python's standard library source (or --data "
        "FILE.txt | FOLDER), score bits per character against n-gram baselines, write samples, export."
    )
    verbs = {
        "train": "train the model (resumes an interrupted run from its last checkpoint)",
        "evaluate": "bits per character and perplexity on the test split beside Kneser-Ney n-grams; samples.txt",
        "predict": "continue each prompt; sampling settings with --set, e.g. --set temperature=0.8 --set top_p=0.95 "
                   "(also top_k, sample_length, sample_seed)",
        "tune": "search cell type, depth, hidden size, dropout and learning rate with keras-tuner",
        "export": "write the SavedModel (prompt → text) and TFLite files, each checked against the Keras model",
    }
    model_keys = MODEL_KEYS
    predict_help = "a prompt to continue, e.g. \"def main(\""
    predict_keys = SAMPLING_KEYS
    tuning_metric = TUNING_METRIC

    def load_data(self, config, workdir, training, verbose=True):
        """The corpus as ids; train builds the vocabulary from the training text and saves it
        (characters.json), the other verbs read it back (tune, with no workdir, builds it)."""
        if training:
            data = load_data(config)
            with atomic_file(os.path.join(workdir, VOCABULARY_FILE)) as staging:
                data.vocabulary.save(staging)
            return data
        return load_data(config, None if workdir is None else trained_vocabulary(workdir))

    def describe(self, name, config):
        return f"{config.cell} language model"

    def build(self, name, config, data):
        return build_model(config, data.vocabulary.size)

    def datasets(self, name, config, data):
        return training_datasets(data, config)

    def objective(self, config, data):
        return OBJECTIVE

    def training_callbacks(self, name, config):
        return [ResetStates()]  # the stateful layers start each epoch from zero states

    def score(self, trained):
        """Bits per character and perplexity on the test split for the model and the Kneser-Ney n-gram
        baselines (fit on the training split, scored on the same characters), a table, and samples
        (samples.txt)."""
        config, data = trained.config, trained.data
        generator = generator_of(trained.main, config, data.vocabulary.size)
        test = data.ids["test"]
        bits, positions = model_bits_per_character(generator, test, config.evaluation_streams, config.window)
        results = {"model": {"model": f"{body_description(config)} (truncated BPTT)",
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
        write_samples(trained.workdir, prompts, texts, config)
        return {"test": results, "test_characters": int(len(positions)), "samples": [
            {"prompt": p, "text": t, "sampling": describe_sampling(config)} for p, t in zip(prompts, texts)]}

    def validation_score(self, model, config, data):
        """Bits per character on the validation split, the state carried across windows."""
        generator = generator_of(model, config, data.vocabulary.size)
        return model_bits_per_character(generator, data.ids["validation"], config.evaluation_streams,
                                        config.window)[0]  # fmt: skip

    def predict_records(self, trained, inputs):
        """A record per prompt: `{"input": prompt, "text": continuation, "sampling": {key: value}}`, with
        the sampling settings of `trained.config` (predict's `--set` replaced them)."""
        config = trained.config
        vocabulary = trained_vocabulary(trained.workdir)
        generator = generator_of(trained.main, config, vocabulary.size)
        sampling = {key: getattr(config, key) for key in SAMPLING_KEYS}
        for prompt, text in zip(inputs, generate(generator, vocabulary, inputs, config)):
            yield {"input": prompt, "text": text, "sampling": sampling}

    def predict_text(self, record):
        """The sampling settings, then the prompt and its continuation."""
        settings = types.SimpleNamespace(**record["sampling"])
        return f"--- {describe_sampling(settings)} ---\n{record['input']}{record['text']}"

    def export_metadata(self, trained):
        config = trained.config
        return {
            "vocabulary": ["[PAD]", "[UNK]", *trained.data.vocabulary.characters],
            "sampling": {"temperature": config.temperature, "top_k": config.top_k, "top_p": config.top_p},
            "loop": "one character per call; feed each next_state_<layer>_<k> output back as state_<layer>_<k> "
                    "(zeros at the start)",
            "descriptions": {
                "characters": "int32 [1, 1]: the current character id (1 for a character outside the vocabulary)",
                "logits": "scores of the next character over the vocabulary"}}

    def export_models(self, trained, verbose):
        """The generator form's artifacts (see `zoo.language_model.export`), proved on test text."""
        from zoo.language_model.export import export_language_model

        config, data = trained.config, trained.data
        generator = generator_of(trained.main, config, data.vocabulary.size)
        prompts = list(config.prompts) or prompts_from(data.corpus.texts["test"])
        return export_language_model(generator, data.vocabulary, data.ids["test"], prompts, config, trained.workdir,
                                     verbose)


RECIPE = LanguageModelRecipe()
