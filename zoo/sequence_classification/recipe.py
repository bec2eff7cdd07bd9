"""The sequence classification recipe (`python -m zoo.recipes.sequence_classification`): its data,
models (the main one and the comparison cells), score, predict and export on the recipe contract
(`zoo.recipe`)."""

import os

import numpy as np
import tensorflow as tf
from sklearn import metrics as sklearn_metrics

from zoo.atomic import atomic_file
from zoo.config import DEEP_KEYS, model_options
from zoo.epoch_policy import Objective
from zoo.errors import UsageError
from zoo.plots import plot_confusion
from zoo.recipe import MAIN, Recipe
from zoo.registry import create_model
from zoo.sequence_classification.config import SequenceClassificationConfig
from zoo.sequence_classification.data import digit_sequences, load_data
from zoo.tables import format_table
from zoo.workdir import check_same_labels, read_json, write_json

OBJECTIVE = Objective("val_accuracy", higher_is_better=True)  # each epoch is judged by it
MODEL_KEYS = (*DEEP_KEYS, "seed", "cell", "units", "depth", "bidirectional", "data", "reading", "max_length", "max_vocabulary",
              "embedding_dim", "validation_fraction", "test_fraction")
VOCABULARY_FILE = "vocabulary.txt"
LABELS_FILE = "labels.txt"


def build_model(name, config, data):
    inputs = data.splits["train"][0]
    return create_model(
        "sequence_classifier",
        num_classes=len(data.labels),
        cell=(cell := config.cell if name == MAIN else name),
        units=config.units,
        depth=config.depth,
        bidirectional=config.bidirectional,
        dropout=config.dropout,
        **model_options(config, cell),
        input_features=inputs.shape[-1] if data.kind == "vectors" else 0,
        vocab_size=data.vocabulary.size if data.vocabulary else 2,
        embedding_dim=config.embedding_dim,
    )


def dataset(split, batch_size, shuffle=False, seed=0):
    """A tf.data pipeline of (inputs, label ids) batches of one split."""
    inputs, targets = split
    pipeline = tf.data.Dataset.from_tensor_slices((inputs, targets))
    if shuffle:
        pipeline = pipeline.shuffle(len(targets), seed=seed, reshuffle_each_iteration=True)
    return pipeline.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def _save_vocabularies(data, workdir):
    """labels.txt, labels.json and (text) vocabulary.txt of `data` in `workdir`, each written whole."""
    with atomic_file(os.path.join(workdir, LABELS_FILE)) as staging, open(staging, "w", encoding="utf-8") as file:
        file.write("\n".join(data.labels) + "\n")
    write_json(os.path.join(workdir, "labels.json"), list(data.labels))
    if data.vocabulary is not None:
        with atomic_file(os.path.join(workdir, VOCABULARY_FILE)) as staging:
            data.vocabulary.save(staging)


def trained_labels(workdir):
    """The label names train saved in `workdir` (labels.json), in the order of the model's ids."""
    return tuple(read_json(os.path.join(workdir, "labels.json"), "train"))


def predict_ids(model, inputs, batch_size=256):
    """`(label ids, probabilities)` of `inputs` (arrays of the model's input)."""
    logits = model.predict(inputs, batch_size=batch_size, verbose=0)
    probabilities = np.asarray(tf.nn.softmax(logits))
    return probabilities.argmax(-1), probabilities


def score(targets, predictions, num_labels):
    """Accuracy and macro F1 (percent), and per-class F1, from scikit-learn."""
    ids = list(range(num_labels))
    per_class = sklearn_metrics.f1_score(targets, predictions, labels=ids, average=None, zero_division=0)
    return {
        "accuracy": 100 * float(sklearn_metrics.accuracy_score(targets, predictions)),
        "macro_f1": 100 * float(np.mean(per_class)),
        "f1": [100 * float(value) for value in per_class],
    }


def flat_baseline(data):
    """A reference without a sequence: scikit-learn's logistic regression on all the values at once
    (an image's 64 pixels), fit on the training split, scored on the test split."""
    from sklearn.linear_model import LogisticRegression

    (train_inputs, train_targets), (test_inputs, test_targets) = data.splits["train"], data.splits["test"]
    classifier = LogisticRegression(max_iter=2000).fit(train_inputs.reshape(len(train_inputs), -1), train_targets)
    predictions = classifier.predict(test_inputs.reshape(len(test_inputs), -1))
    return {"model": "logistic regression on all pixels (no sequence)", "parameters": int(classifier.coef_.size +
            classifier.intercept_.size), **score(test_targets, predictions, len(data.labels))}  # fmt: skip


def _example_line(data, index, target, guess, probability):
    mark = "ok" if target == guess else "WRONG"
    inputs = data.splits["test"][0][index]
    what = repr(data.vocabulary.decode([inputs])[0][:60]) if data.kind == "tokens" else f"test digit {index}"
    return f"  {what}: true {data.labels[target]}, predicted {data.labels[guess]} ({100 * probability:.0f} %) {mark}"


def plot_digit_examples(images, targets, predictions, labels, path, count=16):
    """The first `count` test digits with their true and predicted labels (wrong ones in red)."""
    from zoo.plots import plt, save_figure

    count = min(count, len(targets))
    figure, axes = plt.subplots(2, (count + 1) // 2, figsize=(1.1 * ((count + 1) // 2), 2.6))
    for axis in axes.flat:
        axis.axis("off")
    for index, axis in zip(range(count), axes.flat):
        axis.imshow(images[index], cmap="gray_r", vmin=0, vmax=1)
        wrong = targets[index] != predictions[index]
        axis.set_title(f"{labels[targets[index]]}→{labels[predictions[index]]}", fontsize=8,
                       color="red" if wrong else "black")
    figure.suptitle("test digits: true → predicted", fontsize=9)
    save_figure(figure, path)


def digit_image(path):
    """An image file (PNG, JPEG, ...) as the 8x8 digit the model reads: grey, dark ink on light paper
    or light on dark, scaled to the digits' [0, 1] ink levels."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            grey = np.asarray(image.convert("L").resize((8, 8), Image.Resampling.BOX), np.float32) / 255.0
    except (UnidentifiedImageError, OSError) as error:
        raise UsageError(f"{path}: not a readable image ({error})") from error
    return 1.0 - grey if grey.mean() > 0.5 else grey  # the digits' ink is high, their background 0


class SequenceClassificationRecipe(Recipe):
    """Sequence classification: a stacked RNN reads a sequence (a digit's pixel rows, or a text's tokens)
    and its final state picks the class; the cells of `compare` are trained beside it on the same
    budget, and a logistic regression on the whole digit joins the table."""

    name = "sequence_classification"
    config_class = SequenceClassificationConfig
    embedded_data = (  # what the default run trains on, and its limits (the model card's Data)
        "scikit-learn's 1,797 handwritten digits (UCI, 8×8 scans) read as sequences of rows: real but small "
        "and low-resolution"
    )
    description = (
        "Sequence classification (many-to-one): a stacked RNN reads a sequence and its final state picks the class. "
        "With no verb: train on scikit-learn's handwritten digits read row by row (or --data FILE, a CSV/TSV of "
        "text,label rows) beside other cells, evaluate on the test split, export."
    )
    verbs = {
        "train": "train the main model and the comparison cells (resumes an interrupted run from its last checkpoint)",
        "evaluate": "accuracy and macro F1 on the test split; metrics.json, confusion.png",
        "predict": "print the predicted class of each input: image files (digits) or texts (a model trained on --data)",
        "tune": "search cell type, depth, hidden size, dropout and learning rate with keras-tuner",
        "export": "write the SavedModel and TFLite files, each checked against the Keras model",
    }
    model_keys = MODEL_KEYS
    predict_help = "an image file of a digit, or a text for a model trained on --data"

    def load_data(self, config, workdir, training, verbose=True):
        """The digits (or `--data`'s texts), split; train saves labels.txt, labels.json and (text)
        vocabulary.txt, the other verbs refuse data whose labels differ from those."""
        data = load_data(config)
        if training:
            _save_vocabularies(data, workdir)
        elif workdir is not None:
            check_same_labels(data.labels, trained_labels(workdir))
        return data

    def model_names(self, config):
        """The comparison cells (other than the main one), then the main model: the table's order."""
        return [name for name in config.compare if name != config.cell] + [MAIN]

    def describe(self, name, config):
        direction = "bidirectional " if config.bidirectional else ""
        return f"{direction}{config.cell} (main)" if name == MAIN else f"{direction}{name}"

    def build(self, name, config, data):
        return build_model(name, config, data)

    def datasets(self, name, config, data):
        return (dataset(data.splits["train"], config.batch_size, shuffle=True, seed=config.seed),
                dataset(data.splits["validation"], config.batch_size))

    def objective(self, config, data):
        return OBJECTIVE

    def score(self, trained):
        """Every model on the test split (and, on the digits, the logistic regression): the table,
        per-class F1 and a few examples; confusion.png and (digits) examples.png."""
        config, data, workdir = trained.config, trained.data, trained.workdir
        inputs, targets = data.splits["test"]
        results = {}
        for name, model in trained.models.items():
            predictions, probabilities = predict_ids(model, inputs)
            results[name] = {"model": self.describe(name, config), "parameters": int(model.count_params()),
                             **score(targets, predictions, len(data.labels))}  # fmt: skip
            if name == MAIN:
                main_predictions, main_probabilities = predictions, probabilities
        if data.kind == "vectors":
            results["logistic_regression"] = flat_baseline(data)
        print(f"test split: {len(targets)} examples; every model trained within the same "
              f"{config.train_minutes:g}-minute budget")
        print(format_table(["model", "parameters", "accuracy %", "macro F1 %"],
                           [[r["model"], r["parameters"], r["accuracy"], r["macro_f1"]] for r in results.values()]))
        print(format_table(["label", "F1 % (main)"],
                           [[label, f1] for label, f1 in zip(data.labels, results[MAIN]["f1"])]))
        for index in range(min(config.examples, len(targets))):
            guess = main_predictions[index]
            print(_example_line(data, index, targets[index], guess, main_probabilities[index, guess]))
        if data.kind == "vectors":
            images = inputs if config.reading == "rows" else np.transpose(inputs, (0, 2, 1))
            plot_digit_examples(images, targets, main_predictions, data.labels, os.path.join(workdir, "examples.png"))
        matrix = sklearn_metrics.confusion_matrix(targets, main_predictions, labels=list(range(len(data.labels))))
        plot_confusion(matrix, data.labels, os.path.join(workdir, "confusion.png"))
        return {"test": results, "test_examples": int(len(targets))}

    def validation_score(self, model, config, data):
        inputs, targets = data.splits["validation"]
        return score(targets, predict_ids(model, inputs)[0], len(data.labels))["accuracy"]

    def predict_records(self, trained, inputs):
        """A record per input, image files for a model trained on the digits, texts for one trained on
        `--data`: `{"input", "label", "probability"}`, or `{"input", "error"}` for an unreadable image
        or an empty text (skipped). The unreadable ones come first: the others are classified in one batch."""
        config, workdir = trained.config, trained.workdir
        labels = trained_labels(workdir)
        rows, names = [], []
        if config.data:
            from zoo.text import Vocabulary

            vocabulary = Vocabulary.load(os.path.join(workdir, VOCABULARY_FILE))
            for number, text in enumerate(inputs, start=1):
                if not text.strip():  # as the SavedModel answers it: nothing to classify
                    yield {"input": text, "error": f"input {number}: empty text, skipped"}
            names = [text for text in inputs if text.strip()]
            rows = list(vocabulary.encode(names, config.max_length)) if names else []
        else:
            for path in inputs:
                try:
                    image = digit_image(path)
                except ValueError as error:
                    yield {"input": path, "error": str(error)}
                    continue
                rows.append(digit_sequences(image[None] * 16.0, config.reading)[0])
                names.append(path)
        if rows:
            ids, probabilities = predict_ids(trained.main, np.stack(rows))
            for name, label_id, row in zip(names, ids, probabilities):
                yield {"input": name, "label": labels[label_id], "probability": float(row[label_id])}

    def predict_text(self, record):
        """The label and its probability in percent (None for an unreadable image: stderr says so)."""
        if "error" in record:
            return None
        percent = 100 * np.float32(record["probability"])  # the model's float32, as predict always printed it
        return f"{record['input']}: {record['label']} ({percent:.1f} %)"

    def export_metadata(self, trained):
        data, config = trained.data, trained.config
        fields = {"labels": list(data.labels), "input_kind": data.kind}
        descriptions = {"logits": "a score per label (softmax gives the probabilities)"}
        if data.kind == "tokens":
            fields["vocabulary"] = data.vocabulary.tokens
            fields["tokenization"] = {"case_fold": True, "split": "whitespace", "max_length": config.max_length}
            descriptions["tokens"] = f"[START] token ids [END] of one text, cut to {config.max_length}, 0-padded"
        else:
            descriptions["vectors"] = "float32 [batch, steps, features]: a digit's pixel rows, values in [0, 1]"
        return {**fields, "descriptions": descriptions}

    def export_models(self, trained, verbose):
        """The main model (see `zoo.sequence_classification.export`), proved on the test split."""
        from zoo.sequence_classification.export import export_classifier

        return export_classifier(trained.main, trained.data, trained.config, trained.workdir, verbose=verbose)


RECIPE = SequenceClassificationRecipe()
