"""The translation recipe (`python -m zoo.recipes.translation`): its data, the attention model and the
no-attention baseline, score, predict and export on the recipe contract (`zoo.recipe`)."""

import os
import sys

from zoo import metrics
from zoo.atomic import atomic_file
from zoo.config import DEEP_KEYS, model_options
from zoo.epoch_policy import Objective
from zoo.errors import UsageError
from zoo.recipe import MAIN, Recipe
from zoo.registry import create_model
from zoo.subwords import PRETOKEN, SPACE, SUFFIX, SubwordVocabulary
from zoo.text import END, START
from zoo.translation import plots
from zoo.translation.config import TranslationConfig
from zoo.translation.data import Vocabularies, load_data, translation_dataset
from zoo.translation.evaluate import evaluate as evaluate_models
from zoo.translation.evaluate import results_table, score, translator
from zoo.translation.export import PROOF_SENTENCES, export_translator
from zoo.workdir import read_json, write_json

BASELINE = "baseline"  # the no-attention model, trained beside an attention model on the same budget
SCORED_VALIDATION_PAIRS = 200  # validation pairs translated after an epoch to judge it
EXPORT_SENTENCES = "export_sentences.json"  # test sentences to prove exports on
MODEL_KEYS = (*DEEP_KEYS, "seed", "cell", "units", "depth", "decoder_depth", "embedding_dim", "attention", "attention_units",
              "data", "reverse", "target_lang", "train_pairs", "validation_fraction", "test_fraction", "vocab_size",
              "min_token_count", "max_source_length", "max_target_length")


def build_model(config, data, attention, architecture="seq2seq"):
    """The recipe's model from `config`: `architecture` (a registered name) with the recipe's settings."""
    return create_model(
        architecture, source_vocab_size=data.source_vocabulary.size, target_vocab_size=data.target_vocabulary.size,
        embedding_dim=config.embedding_dim, cell=config.cell, units=config.units, encoder_depth=config.depth,
        decoder_depth=config.decoder_depth, dropout=config.dropout, attention=attention,
        attention_units=config.attention_units, label_smoothing=config.label_smoothing,
        **model_options(config),
    )


def _saved_vocabularies(workdir):
    paths = [os.path.join(workdir, f"{side}_vocabulary.txt") for side in ("source", "target")]
    if all(os.path.isfile(path) for path in paths):
        return tuple(SubwordVocabulary.load(path) for path in paths)
    return None


def saved_vocabularies(workdir):
    """The `Vocabularies` train saved in `workdir`: all predict and export need besides the model."""
    vocabularies = _saved_vocabularies(workdir)
    if vocabularies is None:
        raise UsageError(f"{workdir}: source_vocabulary.txt / target_vocabulary.txt not found; run train first.")
    return Vocabularies(*vocabularies)


def validation_objective(data, config):
    """Validation BLEU of greedy translations of at most `SCORED_VALIDATION_PAIRS` pairs: the number each
    epoch is judged by (early stopping, the learning-rate plateau, the epoch kept)."""
    sources, references = zip(*data.splits["validation"][:SCORED_VALIDATION_PAIRS])

    task = {}  # the translator of the model being fit, traced once for every epoch it judges

    def bleu(model):
        if task.get("model") is not model:
            task.update(model=model, generator=translator(model, data, config))
        return score(task["generator"].generate(list(sources)), list(references))["bleu"]

    return Objective("val_bleu", higher_is_better=True, compute=bleu)


class TranslationRecipe(Recipe):
    """Translation: a bidirectional RNN encoder and an RNN decoder with attention (`main`), beside the
    plain encoder-decoder (`baseline`) trained on the same budget; scored by BLEU, chrF and exact match,
    greedy and with beam search."""

    name = "translation"
    config_class = TranslationConfig
    embedded_data = (  # what the default run trains on, and its limits (the model card's Data)
        "synthetic English→Russian phrases (dates, times, numbers, amounts, rendered by `zoo.data.phrases` "
        "with Babel and num2words): it translates that kind of phrase, not general text"
    )
    description = (
        "Translation: a bidirectional RNN encoder and an RNN decoder with attention. With no verb: train on the "
        "embedded phrase pairs (English → Russian; --set target_lang=de|fr|es) or --data FILE (tab-separated "
        "pairs), with a no-attention baseline, evaluate on the test split, show translations, export."
    )
    verbs = {
        "train": "train (resumes an interrupted run from its last checkpoint)",
        "evaluate": "BLEU, chrF and exact match on the test split; metrics.json, attention.png",
        "predict": "print the translation of each sentence (arguments, or lines from stdin)",
        "tune": "search cell type, depth, hidden size, dropout and learning rate with keras-tuner",
        "export": "write the SavedModel (text → translation) and TFLite files, each checked first",
    }
    model_keys = MODEL_KEYS
    predict_help = "sentences to translate (none: read stdin)"
    predict_inputs = "*"

    # --- data ---------------------------------------------------------------------------------------
    def load_data(self, config, workdir, training, verbose=True):
        """The pairs and vocabularies. With `training`, the vocabularies are learned (or, resuming, read
        back) and saved with the test sentences export proves its files on; else those saved in
        `workdir` are used (none in `tune`: learned)."""
        if not training:
            if workdir is None:
                return load_data(config)
            vocabularies = saved_vocabularies(workdir)
            return load_data(config, (vocabularies.source_vocabulary, vocabularies.target_vocabulary))
        resuming = os.path.isdir(os.path.join(workdir, "checkpoints"))
        data = load_data(config, _saved_vocabularies(workdir) if resuming else None)
        for side, vocabulary in (("source", data.source_vocabulary), ("target", data.target_vocabulary)):
            with atomic_file(os.path.join(workdir, f"{side}_vocabulary.txt")) as staging:
                vocabulary.save(staging)
        write_json(os.path.join(workdir, EXPORT_SENTENCES), [s for s, _ in data.splits["test"][:PROOF_SENTENCES]])
        return data

    # --- models -------------------------------------------------------------------------------------
    def model_names(self, config):
        """The attention model and, beside it, the no-attention baseline (unless `baseline_minutes` is 0,
        or the main model has no attention itself)."""
        if config.attention != "none" and config.baseline_minutes_or_budget > 0:
            return [MAIN, BASELINE]
        return [MAIN]

    def describe(self, name, config):
        """The rows of the table: "attention" (the main model; "no attention" when it has none) and
        "no attention" (the baseline)."""
        return "attention" if name == MAIN and config.attention != "none" else "no attention"

    def build(self, name, config, data):
        attention = None if name == BASELINE or config.attention == "none" else config.attention
        return build_model(config, data, attention)

    def datasets(self, name, config, data):
        return tuple(translation_dataset(data.splits[split], data, config, shuffle=split == "train")
                     for split in ("train", "validation"))

    def objective(self, config, data):
        return validation_objective(data, config)

    def train_minutes(self, name, config):
        return config.baseline_minutes_or_budget if name == BASELINE else config.train_minutes

    # --- score --------------------------------------------------------------------------------------
    def score(self, trained):
        """Scores every model on the test split, greedy and with beam search; prints the table and
        example translations, draws attention.png."""
        config, data, workdir = trained.config, trained.data, trained.workdir
        results, translations = evaluate_models(trained.models, data, config)
        rows = {}  # the table's rows, "<model's label>, <decoding>"; metrics.json's keys name the models
        for key, scores in results.items():
            name, decoding = key.split(", ", 1)
            rows[f"{self.describe(name, config)}, {decoding}"] = scores
        print(results_table(rows))
        test = data.splits["test"]
        split = {"unit": "source sentence", **{name: len(pairs) for name, pairs in data.splits.items()}}
        print("translations of test sentences:")
        for (source, reference), translation in list(zip(test, translations))[: config.examples]:
            print(f"  {source}  →  {translation}   (reference: {reference})")
        if config.attention != "none" and test:
            plots.plot_alignment(*plots.alignment(trained.main, data, test[0][0], config),
                                 os.path.join(workdir, "attention.png"))
        return {"test": results, "test_pairs": len(test), "split": split,
                "sacrebleu": metrics.sacrebleu_signatures([[reference] for _, reference in test])}

    def validation_score(self, model, config, data):
        """BLEU of greedy translations of the whole validation split."""
        sources, references = zip(*data.splits["validation"])
        return score(translator(model, data, config).generate(list(sources)), list(references))["bleu"]

    # --- predict ------------------------------------------------------------------------------------
    def predict_records(self, trained, inputs):
        """A record per sentence: `{"input": sentence, "translation": ...}`, or `{"input": "", "error": ...}`
        for an empty one (skipped); an over-long one is cut to max_source_length with a warning on
        stderr."""
        config, vocabularies = trained.config, saved_vocabularies(trained.workdir)
        generator = translator(trained.main, vocabularies, config)
        for number, sentence in enumerate(inputs, start=1):
            if not sentence.strip():
                yield {"input": sentence, "error": f"line {number}: empty sentence, skipped"}
                continue
            length = int(vocabularies.source_vocabulary.lengths([sentence])[0])
            if length > config.max_source_length:
                print(f"line {number}: {length} tokens, cut to the model's limit of {config.max_source_length}",
                      file=sys.stderr)
            yield {"input": sentence, "translation": generator.generate([sentence], config.beam_width)[0]}

    def predict_text(self, record):
        """The translation alone (None for an empty sentence: stderr says so)."""
        return None if "error" in record else record["translation"]

    # --- export -------------------------------------------------------------------------------------
    def export_metadata(self, trained):
        vocabularies, config = saved_vocabularies(trained.workdir), trained.config
        target = vocabularies.target_vocabulary
        return {
            "source_vocabulary": vocabularies.source_vocabulary.tokens,
            "target_vocabulary": target.tokens,
            "tokenization": {"kind": "wordpiece", "pretokens": PRETOKEN, "space": SPACE, "suffix_indicator": SUFFIX,
                             "case": "kept", "unknown_id": 1},
            "decoding": {"start_id": target.ids[START], "end_id": target.ids[END], "max_length": config.max_target_length,
                         "loop": "encoder once; then decoder_step per token, its state_* outputs fed back as the "
                                 "same-named inputs, memory and memory_mask from the encoder every step"},
            "descriptions": {
                "source": f"source token ids (no [START]/[END]), cut to {config.max_source_length}, 0-padded",
                "memory": "the encoded source (the encoder's output, fed to every decoder step)",
                "memory_mask": "1.0 for real source tokens, 0.0 for padding",
                "token": "the previous target token id ([START] first)",
                "logits": "scores of the next target token over the target vocabulary",
                "attention": "this step's attention weights over the source tokens"}}

    def export_models(self, trained, verbose):
        """The main model (see `zoo.translation.export`), proved on the test sentences train saved."""
        sentences = read_json(os.path.join(trained.workdir, EXPORT_SENTENCES), "train")
        return export_translator(trained.main, saved_vocabularies(trained.workdir), trained.config, trained.workdir,
                                 sentences, verbose=verbose)


RECIPE = TranslationRecipe()
