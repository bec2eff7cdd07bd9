"""The captioning recipe's verbs as library functions: train, evaluate, predict, export, and the
default run that does all of them. `zoo/recipes/captioning.py` only parses arguments."""

import dataclasses
import os
import time

import keras
import numpy as np

from zoo.captioning import plots
from zoo.captioning.config import CaptioningConfig
from zoo.captioning.data import caption_dataset, load_data
from zoo.captioning.evaluate import evaluate as evaluate_model
from zoo.captioning.evaluate import generate_captions, results_table
from zoo.captioning.export import PARITY_IMAGES, export_captioner
from zoo.config import read_saved_config, save_config, stopping
from zoo.epoch_policy import Objective
from zoo.workdir import check_resumable, load_keras_model, write_json
from zoo.data.images import read_image_file
from zoo.export.atomic import atomic_file
from zoo.plots import plot_training_curves
from zoo.registry import create_model
from zoo.text import Vocabulary
from zoo.training import fit

RECIPE = "captioning"
SCORED_VALIDATION_IMAGES = 100  # validation images captioned after an epoch to judge it
EXPORT_IMAGES = "export_images.npz"  # test images to prove exports on, training images to calibrate them
# Settings a resumed run must share with the run that wrote the checkpoints.
MODEL_KEYS = ("seed", "cell", "units", "depth", "image_size", "encoder", "embedding_dim", "attention",
              "attention_units", "data", "train_images", "validation_fraction", "test_fraction", "min_token_count")


def build_model(config, vocabulary):
    return create_model(
        "captioner", vocab_size=vocabulary.size, image_size=config.image_size, encoder=config.encoder,
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
    datasets = [
        caption_dataset(data.splits[split], data.vocabulary, config.batch_size, config.max_caption_length,
                        shuffle=split == "train", seed=config.seed)
        for split in ("train", "validation")
    ]
    report = fit(model, *datasets, workdir, verbose=verbose, callbacks=callbacks,
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
    """Scores the model on the test split, prints the table, writes metrics.json, samples.png and
    attention.png. Returns the results dict."""
    if model is None:
        config, model, vocabulary = load_trained(workdir)
        data = load_data(config, config.data or None, vocabulary=vocabulary)
    results, captions = evaluate_model(model, data, config)
    print(results_table(results, config))
    test = data.splits["test"]
    metrics = {"test": results, "test_images": len(test.references), "vocabulary_size": data.vocabulary.size}
    write_json(os.path.join(workdir, "metrics.json"), metrics)
    count = min(config.samples, len(captions))
    print("captions of test images:")
    print("\n".join(f"  {caption or '(empty)'}   (reference: {refs[0]})"
                    for caption, refs in zip(captions[:count], test.references)))
    plots.plot_samples(test.images[:count], captions[:count], test.references[:count],
                       os.path.join(workdir, "samples.png"))
    words, weights = plots.attention_over_caption(model, data.vocabulary, test.images[0], config.max_caption_length)
    plots.plot_attention(test.images[0], words, weights, os.path.join(workdir, "attention.png"))
    return results


def predict(workdir, paths):
    """Prints a caption per image file; an unreadable file is reported and the others go on.

    Returns:
        The number of files that could not be read.
    """
    config, model, vocabulary = load_trained(workdir)
    failures = 0
    for path in paths:
        try:
            image = read_image_file(path, config.image_size)
        except ValueError as error:
            print(f"{path}: error: {error}")
            failures += 1
            continue
        caption = generate_captions(model, vocabulary, image[None], config.max_caption_length, config.beam_width,
                                    config.length_penalty)[0]
        print(f"{path}: {caption}")
    return failures


def export(workdir, model=None, vocabulary=None, config=None, verbose=True, overrides=None):
    """Exports the trained model of `workdir` (see `zoo.captioning.export`); `overrides` replace config
    values (export_tolerance, agreement_threshold, quantizations)."""
    if model is None:
        config, model, vocabulary = load_trained(workdir)
    if overrides:
        config = dataclasses.replace(config, **overrides)
    path = os.path.join(workdir, EXPORT_IMAGES)
    if not os.path.isfile(path):
        raise ValueError(f"{path} not found: it is written by train; run train into this workdir first.")
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
        datasets = [caption_dataset(data.splits[split], data.vocabulary, config.batch_size, config.max_caption_length,
                                    shuffle=split == "train", seed=config.seed) for split in ("train", "validation")]
        fit_trial(model, *datasets, config, trial_dir, fit_kwargs, objective=validation_objective(data, config))
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
