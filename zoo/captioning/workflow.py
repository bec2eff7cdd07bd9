"""The captioning recipe's verbs as library functions: train, evaluate, predict, export, and the
default run that does all of them. `zoo/recipes/captioning.py` only parses arguments."""

import dataclasses
import os
import time

import keras
import numpy as np

from zoo.errors import UsageError
from zoo.captioning import plots
from zoo.captioning.config import CaptioningConfig
from zoo.captioning.data import TEST_SEEN, load_data, training_datasets
from zoo.captioning.evaluate import evaluate as evaluate_model
from zoo.captioning.evaluate import generate_captions, results_table
from zoo.captioning.export import PARITY_IMAGES, export_captioner
from zoo.config import read_saved_config, save_config, stopping
from zoo.epoch_policy import Objective
from zoo.workdir import check_resumable, load_keras_model, write_json
from zoo.data.images import read_image_file
from zoo.atomic import atomic_file
from zoo.plots import plot_training_curves
from zoo.registry import create_model
from zoo.text import Vocabulary
from zoo.training import fit

RECIPE = "captioning"
SPLIT_TITLES = {"test": "test split: every scene holds a shape–colour pair never seen in training",
                "test_seen": "test_seen split: new scenes of the pairs seen in training"}
SAMPLE_LABELS = {"test": "test (novel pair)", "test_seen": "test_seen (seen pairs)"}
SCORED_VALIDATION_IMAGES = 100  # validation images captioned after an epoch to judge it
EXPORT_IMAGES = "export_images.npz"  # test images to prove exports on, training images to calibrate them
# Settings a resumed run must share with the run that wrote the checkpoints.
MODEL_KEYS = ("seed", "cell", "units", "depth", "image_size", "encoder", "embedding_dim", "attention",
              "attention_units", "data", "train_images", "validation_fraction", "test_fraction", "min_token_count")


def build_model(config, vocabulary, architecture="captioner"):
    """The recipe's model from `config`: `architecture` (a registered name) with the recipe's settings."""
    return create_model(
        architecture, vocab_size=vocabulary.size, image_size=config.image_size, encoder=config.encoder,
        encoder_weights=config.encoder_weights or None, embedding_dim=config.embedding_dim, cell=config.cell,
        units=config.units, depth=config.depth, dropout=config.dropout, attention=config.attention,
        attention_units=config.attention_units, learning_rate=config.learning_rate, clipnorm=config.clipnorm,
    )


def train(config, workdir, verbose=1, callbacks=()):
    """Trains a captioner into `workdir`, resuming from its checkpoints if a run was interrupted.

    Returns:
        `(model, data, fit_report)`.
    """
    data = load_data(config, config.data or None, progress=bool(verbose))
    print(data.summary())
    os.makedirs(workdir, exist_ok=True)
    check_resumable(config, workdir, CaptioningConfig, MODEL_KEYS)
    save_config(config, os.path.join(workdir, "config.json"), RECIPE)
    with atomic_file(os.path.join(workdir, "vocabulary.txt")) as staging:
        data.vocabulary.save(staging)
    with atomic_file(os.path.join(workdir, EXPORT_IMAGES)) as staging:
        np.savez(staging, test=data.splits["test"].images[:PARITY_IMAGES],
                 calibration=data.splits["train"].images[:PARITY_IMAGES])

    keras.utils.set_random_seed(config.seed)
    model = build_model(config, data.vocabulary)
    report = fit(model, *training_datasets(data, config), workdir, verbose=verbose, callbacks=callbacks,
                 objective=validation_objective(data, config), **stopping(config))
    print(f"training: {report.describe(workdir)}")
    if report.last_epoch is None:
        model = load_model(workdir)
    plot_training_curves(os.path.join(workdir, "history.csv"), os.path.join(workdir, "training.png"))
    return model, data, report


def validation_objective(data, config):
    """Validation BLEU-4 of greedy captions of at most `SCORED_VALIDATION_IMAGES` images: the number each
    epoch is judged by (early stopping, the learning-rate plateau, the epoch kept)."""
    from zoo.captioning.evaluate import score

    validation = data.splits["validation"]
    images, references = validation.images[:SCORED_VALIDATION_IMAGES], validation.references[:SCORED_VALIDATION_IMAGES]

    def bleu4(model):
        return score(generate_captions(model, data.vocabulary, images, config.max_caption_length), references)["bleu4"]

    return Objective("val_bleu4", higher_is_better=True, compute=bleu4)


def load_model(workdir):
    return load_keras_model(workdir, RECIPE)


def load_trained(workdir):
    """`(config, model, vocabulary)` of what `train` left in `workdir`."""
    config = read_saved_config(CaptioningConfig, os.path.join(workdir, "config.json"))
    return config, load_model(workdir), Vocabulary.load(os.path.join(workdir, "vocabulary.txt"))


def evaluate(workdir, model=None, data=None, config=None):
    """Scores the model on the test split (and, on the embedded data, on the in-distribution
    `test_seen` split beside it), prints the tables, writes metrics.json, samples.png and attention.png.
    Returns the results dict of the test split."""
    if model is None:
        config, model, vocabulary = load_trained(workdir)
        data = load_data(config, config.data or None, vocabulary=vocabulary)
    test = data.splits["test"]
    metrics = {"vocabulary_size": data.vocabulary.size,
               "split": {"unit": "image", **{name: len(part.references) for name, part in data.splits.items()}}}
    shown = []
    for split in ("test", TEST_SEEN):
        if split not in data.splits:
            continue
        results, captions = evaluate_model(model, data, config, split)
        print(f"{SPLIT_TITLES[split] if TEST_SEEN in data.splits else 'test split'}:")
        print(results_table(results, config))
        metrics[split] = results
        metrics[f"{split}_images"] = len(data.splits[split].references)
        shown.append((split, captions))
    write_json(os.path.join(workdir, "metrics.json"), metrics)
    count = min(config.samples, len(test.references))
    per_split = -(-count // len(shown))
    images, captions, references, labels = [], [], [], []
    for split, split_captions in shown:
        part = data.splits[split]
        print(f"captions of {split.replace('_', ' ')} images:")
        print("\n".join(f"  {caption or '(empty)'}   (reference: {refs[0]})"
                        for caption, refs in zip(split_captions[:per_split], part.references)))
        images += list(part.images[:per_split])
        captions += split_captions[:per_split]
        references += part.references[:per_split]
        labels += [SAMPLE_LABELS[split] if len(shown) > 1 else ""] * min(per_split, len(split_captions))
    plots.plot_samples(images, captions, references, os.path.join(workdir, "samples.png"), labels=labels)
    words, weights = plots.attention_over_caption(model, data.vocabulary, test.images[0], config.max_caption_length)
    plots.plot_attention(test.images[0], words, weights, os.path.join(workdir, "attention.png"))
    return metrics["test"]


def predict(workdir, paths):
    """Yields a record per image file: `{"input": path, "caption": ...}`, or `{"input": path, "error": ...}`
    for an unreadable file (the others go on)."""
    config, model, vocabulary = load_trained(workdir)
    for path in paths:
        try:
            image = read_image_file(path, config.image_size)
        except ValueError as error:
            yield {"input": path, "error": str(error)}
            continue
        caption = generate_captions(model, vocabulary, image[None], config.max_caption_length, config.beam_width,
                                    config.length_penalty)[0]
        yield {"input": path, "caption": caption}


def predict_text(record):
    """predict's text line of `record` (an unreadable file's error among the captions)."""
    if "error" in record:
        return f"{record['input']}: error: {record['error']}"
    return f"{record['input']}: {record['caption']}"


def export(workdir, model=None, vocabulary=None, config=None, verbose=True, overrides=None):
    """Exports the trained model of `workdir` (see `zoo.captioning.export`); `overrides` replace config
    values (export_tolerance, agreement_threshold, quantizations)."""
    if model is None:
        config, model, vocabulary = load_trained(workdir)
    if overrides:
        config = dataclasses.replace(config, **overrides)
    path = os.path.join(workdir, EXPORT_IMAGES)
    if not os.path.isfile(path):
        raise UsageError(f"{path} not found: it is written by train; run train into this workdir first.")
    with np.load(path) as archive:
        test_images, calibration_images = archive["test"], archive["calibration"]
    return export_captioner(model, vocabulary, config, workdir, test_images, calibration_images, verbose=verbose)


def run(config, workdir, verbose=1):
    """The default run: train, evaluate (table, samples, attention map), export."""
    start = time.monotonic()
    model, data, _ = train(config, workdir, verbose=verbose)
    evaluate(workdir, model, data, config)
    export(workdir, model, data.vocabulary, config)
    print(f"done in {(time.monotonic() - start) / 60:.1f} min; artifacts in {workdir}/")


def tuning_target(data):
    """The captioning recipe's `TuningTarget`: validation BLEU-4 of greedy captions, maximized."""
    from zoo.captioning.evaluate import score
    from zoo.tuning.search import TuningTarget, fit_trial

    def train_and_score(model, config, trial_dir, fit_kwargs):
        fit_trial(model, *training_datasets(data, config), config, trial_dir, fit_kwargs, objective=validation_objective(data, config))
        validation = data.splits["validation"]
        captions = generate_captions(model, data.vocabulary, validation.images, config.max_caption_length)
        return score(captions, validation.references)["bleu4"]

    return TuningTarget(RECIPE, "val_bleu4", lambda config: build_model(config, data.vocabulary), train_and_score)


def tune(config, workdir, tuner="random", max_trials=10, budget_minutes=0.0, verbose=1, strategy=None):
    """Searches cell, depth, width, dropout and learning rate (see `zoo.tuning.search`)."""
    from zoo.tuning.search import search

    data = load_data(config, config.data or None, progress=bool(verbose))
    print(data.summary())
    return search(tuning_target(data), config, workdir, tuner, max_trials, budget_minutes, verbose=bool(verbose),
                  strategy=strategy)
