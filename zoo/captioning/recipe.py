"""The captioning recipe (`python -m zoo.recipes.captioning`): its data, captioner, score, predict and
export on the recipe contract (`zoo.recipe`)."""

import os

import numpy as np

from zoo.config import DEEP_KEYS, model_options
from zoo.metrics import sacrebleu_signatures
from zoo.atomic import atomic_file
from zoo.captioning import plots
from zoo.captioning.config import CaptioningConfig
from zoo.captioning.data import TEST_SEEN, load_data, training_datasets
from zoo.captioning.evaluate import evaluate as evaluate_model
from zoo.captioning.evaluate import results_table, score
from zoo.captioning.generate import captioner
from zoo.captioning.export import PARITY_IMAGES, export_captioner
from zoo.data.images import read_image_file
from zoo.epoch_policy import Objective
from zoo.errors import UsageError
from zoo.recipe import Recipe
from zoo.registry import create_model
from zoo.text import END, START, Vocabulary

SPLIT_TITLES = {"test": "test split: every scene holds a shape–colour pair never seen in training",
                "test_seen": "test_seen split: new scenes of the pairs seen in training"}
SAMPLE_LABELS = {"test": "test (novel pair)", "test_seen": "test_seen (seen pairs)"}
SCORED_VALIDATION_IMAGES = 100  # validation images captioned after an epoch to judge it
EXPORT_IMAGES = "export_images.npz"  # test images to prove exports on, training images to calibrate them
VOCABULARY = "vocabulary.txt"
# Settings a resumed run must share with the run that wrote the checkpoints.
MODEL_KEYS = (*DEEP_KEYS, "seed", "cell", "units", "depth", "image_size", "encoder", "embedding_dim", "attention",
              "attention_units", "data", "train_images", "validation_fraction", "test_fraction", "min_token_count")


def build_model(config, vocabulary, architecture="captioner"):
    """The recipe's model from `config`: `architecture` (a registered name) with the recipe's settings."""
    return create_model(
        architecture, vocab_size=vocabulary.size, image_size=config.image_size, encoder=config.encoder,
        encoder_weights=config.encoder_weights or None, embedding_dim=config.embedding_dim, cell=config.cell,
        units=config.units, depth=config.depth, dropout=config.dropout, attention=config.attention,
        attention_units=config.attention_units, **model_options(config),
    )


def validation_objective(data, config):
    """Validation BLEU-4 of greedy captions of at most `SCORED_VALIDATION_IMAGES` images: the number each
    epoch is judged by (early stopping, the learning-rate plateau, the epoch kept)."""
    validation = data.splits["validation"]
    images, references = validation.images[:SCORED_VALIDATION_IMAGES], validation.references[:SCORED_VALIDATION_IMAGES]

    task = {}  # the captioner of the model being fit, traced once for every epoch it judges

    def bleu4(model):
        if task.get("model") is not model:
            task.update(model=model, generator=captioner(model, data.vocabulary, config.max_caption_length))
        return score(task["generator"].generate(images), references)["bleu4"]

    return Objective("val_bleu4", higher_is_better=True, compute=bleu4)


def saved_vocabulary(workdir):
    """The vocabulary train saved in `workdir` (all predict and export need besides the model)."""
    path = os.path.join(workdir, VOCABULARY)
    if not os.path.isfile(path):
        raise UsageError(f"{path} not found: it is written by train; run train into this workdir first.")
    return Vocabulary.load(path)


class CaptioningRecipe(Recipe):
    """Image captioning: a CNN encoder and an RNN decoder with attention, scored by BLEU-1..4 and exact
    match (greedy, beam search and the most frequent caption) on the test split, and on the embedded
    data's in-distribution `test_seen` split beside it."""

    name = "captioning"
    config_class = CaptioningConfig
    embedded_data = (  # what the default run trains on, and its limits (the model card's Data)
        "synthetic scenes of coloured shapes with captions from templates (`zoo.data.scenes`), 64×64 pixels: "
        "the model has never seen a photograph, and the novel-pair test split measures how it composes seen "
        "words in unseen pairs"
    )
    description = (
        "Image captioning: a CNN encoder and an RNN decoder with attention. With no verb: train on the embedded "
        "scenes (or --data DIR, a Flickr8k-style folder), evaluate on the test split, show captions, export."
    )
    verbs = {
        "train": "train (resumes an interrupted run from its last checkpoint)",
        "evaluate": "BLEU-1..4 and exact match on the test split; metrics.json, samples.png, attention.png",
        "predict": "print a caption for each image file",
        "tune": "search cell type, depth, hidden size, dropout and learning rate with keras-tuner",
        "export": "write the SavedModel (image bytes → caption) and TFLite files, each checked first",
    }
    model_keys = MODEL_KEYS
    predict_help = "PNG or JPEG files of any size"

    # --- data ---------------------------------------------------------------------------------------
    def load_data(self, config, workdir, training, verbose=True):
        """The images and captions. With `training`, the vocabulary is built on the training captions and
        saved with the images export proves (and calibrates) its files on; else the one saved in
        `workdir` is used (none in `tune`: built)."""
        if not training:
            vocabulary = saved_vocabulary(workdir) if workdir else None
            return load_data(config, config.data or None, progress=verbose, vocabulary=vocabulary)
        data = load_data(config, config.data or None, progress=verbose)
        with atomic_file(os.path.join(workdir, VOCABULARY)) as staging:
            data.vocabulary.save(staging)
        with atomic_file(os.path.join(workdir, EXPORT_IMAGES)) as staging:
            np.savez(staging, test=data.splits["test"].images[:PARITY_IMAGES],
                     calibration=data.splits["train"].images[:PARITY_IMAGES])
        return data

    # --- models -------------------------------------------------------------------------------------
    def build(self, name, config, data):
        return build_model(config, data.vocabulary)

    def datasets(self, name, config, data):
        return training_datasets(data, config)

    def objective(self, config, data):
        return validation_objective(data, config)

    # --- score --------------------------------------------------------------------------------------
    def score(self, trained):
        """Scores the model on the test split (and, on the embedded data, on the in-distribution
        `test_seen` split beside it), prints the tables and captions, draws samples.png and
        attention.png."""
        config, data, model, workdir = trained.config, trained.data, trained.main, trained.workdir
        test = data.splits["test"]
        metrics = {"vocabulary_size": data.vocabulary.size, "sacrebleu": sacrebleu_signatures(test.references),
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
        return metrics

    def validation_score(self, model, config, data):
        """BLEU-4 of greedy captions of the whole validation split."""
        validation = data.splits["validation"]
        captions = captioner(model, data.vocabulary, config.max_caption_length).generate(validation.images)
        return score(captions, validation.references)["bleu4"]

    # --- predict ------------------------------------------------------------------------------------
    def predict_records(self, trained, inputs):
        """A record per image file: `{"input": path, "caption": ...}`, or `{"input": path, "error": ...}`
        for an unreadable file (the others go on)."""
        config, vocabulary = trained.config, saved_vocabulary(trained.workdir)
        generator = captioner(trained.main, vocabulary, config.max_caption_length, config.length_penalty)
        for path in inputs:
            try:
                image = read_image_file(path, config.image_size)
            except ValueError as error:
                yield {"input": path, "error": str(error)}
                continue
            caption = generator.generate(image[None], config.beam_width)[0]
            yield {"input": path, "caption": caption}

    def predict_text(self, record):
        """The caption after the file's name (an unreadable file's error among the captions)."""
        if "error" in record:
            return f"{record['input']}: error: {record['error']}"
        return f"{record['input']}: {record['caption']}"

    # --- export -------------------------------------------------------------------------------------
    def export_metadata(self, trained):
        vocabulary, size = saved_vocabulary(trained.workdir), trained.config.image_size
        return {
            "vocabulary": vocabulary.tokens,  # index = id: [PAD] 0, [UNK] 1, [START] 2, [END] 3
            "image": {"size": [size, size], "channels": "RGB", "range": [0, 255],
                      "resize": "bilinear, antialiased (tf.image.resize)"},
            "decoding": {"start_id": vocabulary.ids[START], "end_id": vocabulary.ids[END],
                         "max_length": trained.config.max_caption_length,
                         "loop": "encoder once; then decoder_step per token, its state_* outputs fed back as the "
                                 "same-named inputs, memory from the encoder every step; greedy = argmax of logits"},
            "descriptions": {
                "image": f"one RGB image, {size}×{size}, float32 pixel values 0..255 (the model rescales them)",
                "memory": "the encoded image grid (the encoder's output, fed to every decoder step)",
                "token": "the previous token id ([START] first)",
                "logits": "scores of the next token over the vocabulary",
                "attention": "this step's attention weights over the image grid"}}

    def export_models(self, trained, verbose):
        """The captioner (see `zoo.captioning.export`), proved on the test images train saved."""
        path = os.path.join(trained.workdir, EXPORT_IMAGES)
        if not os.path.isfile(path):
            raise UsageError(f"{path} not found: it is written by train; run train into this workdir first.")
        with np.load(path) as archive:
            test_images, calibration_images = archive["test"], archive["calibration"]
        return export_captioner(trained.main, saved_vocabulary(trained.workdir), trained.config, trained.workdir,
                                test_images, calibration_images, verbose=verbose)


RECIPE = CaptioningRecipe()
