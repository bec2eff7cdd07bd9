"""`python -m zoo.recipes.sequence_classification` end to end on a shrunken config: train (main and a
comparison cell) on the digits, evaluate, export, then the artifacts used as a user would (the
SavedModel, predict on image files), and training on a text,label file with damaged rows."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from sklearn.datasets import load_digits

from tests.recipes.arguments import recipe_arguments
from tests.recipes.doc_example import run_example
from tests.recipes.tflite_described import assert_described
from tests.recipes.saved_model_edges import refused, refused_rank
import zoo
from zoo.sequence_classification.data import digit_sequences
from zoo.recipes.sequence_classification import main
from zoo.sequence_classification import recipe as classification
from zoo.sequence_classification.recipe import RECIPE

pytestmark = pytest.mark.slow

TINY = ["epochs=2", "units=8", "batch_size=64", "train_minutes=0.05", "compare=['gru']",
        "quantizations=['float16']", "agreement_threshold=0.5", "examples=2"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("sequence_classification")
    assert main(recipe_arguments(workdir, TINY)) == 0
    trained = RECIPE.load(str(workdir))
    return workdir, trained.config, trained.models, trained.data


def test_the_default_run_leaves_every_artifact(trained):
    workdir = trained[0]
    for name in ("model.keras", "models/gru/model.keras", "serving/1/saved_model.pb", "model.tflite",
                 "model_fp16.tflite", "labels.txt", "config.json", "metrics.json", "confusion.png", "examples.png",
                 "training.png", "export_report.json"):
        assert os.path.exists(workdir / name), name
    results = json.loads((workdir / "metrics.json").read_text())["test"]
    assert list(results) == ["gru", "main", "logistic_regression"]
    for row in results.values():
        assert 0 <= row["accuracy"] <= 100 and 0 <= row["macro_f1"] <= 100 and len(row["f1"]) == 10
    assert (workdir / "labels.txt").read_text().split() == [str(d) for d in range(10)]
    assert not [row for row in json.loads((workdir / "export_report.json").read_text()) if "refused" in row]


def test_scores_agree_with_keras_accuracy(trained):
    _, config, models, data = trained
    inputs, targets = data.splits["test"]
    accuracy = models["main"].evaluate(inputs, targets, verbose=0, return_dict=True)["accuracy"]
    results = classification.score(targets, classification.predict_ids(models["main"], inputs)[0], 10)
    assert results["accuracy"] == pytest.approx(100 * accuracy, abs=1e-3)


def test_the_saved_model_classifies_test_digits_as_the_keras_model_does(trained):
    workdir, config, models, data = trained
    inputs = data.splits["test"][0][:5]
    serve = tf.saved_model.load(str(workdir / "serving" / "1")).signatures["serving_default"]
    outputs = serve(vectors=tf.constant(inputs))
    expected = tf.nn.softmax(models["main"](inputs)).numpy()
    np.testing.assert_allclose(outputs["probabilities"].numpy(), expected, atol=1e-4)
    assert outputs["label_id"].numpy().tolist() == expected.argmax(-1).tolist()
    assert [label.decode() for label in outputs["label"].numpy()] == [str(i) for i in expected.argmax(-1)]


def test_the_saved_model_answers_an_empty_batch_and_refuses_bad_vectors_naming_them(trained):
    workdir, config, models, data = trained
    serve = tf.saved_model.load(str(workdir / "serving" / "1")).signatures["serving_default"]
    inputs = data.splits["test"][0][:2].copy()
    assert serve(vectors=tf.zeros((0,) + inputs.shape[1:]))["label"].shape == (0,)
    inputs[1, 2, 3] = np.inf
    refused(serve, "vectors holds NaN or infinite values", vectors=tf.constant(inputs))
    refused_rank(serve, "vectors", vectors=tf.constant(inputs[0]))
    refused_rank(serve, "vectors", vectors=tf.zeros((2, inputs.shape[1] + 1, inputs.shape[2])))


def test_zoo_load_classifies_digit_scans_as_the_keras_model_does(trained):
    workdir, config, models, data = trained
    scans = load_digits().images[:6]
    classifier = zoo.load(str(workdir))
    results = classifier.predict(scans)
    expected = tf.nn.softmax(models["main"](digit_sequences(scans, config.reading))).numpy()
    assert [r["label"] for r in results] == [str(i) for i in expected.argmax(-1)]
    np.testing.assert_allclose([r["probability"] for r in results], expected.max(-1), atol=1e-4)
    assert list(results[0]["probabilities"]) == [str(d) for d in range(10)]
    assert classifier.predict(scans[0]) == results[0]

def test_predict_reads_image_files_and_reports_unreadable_ones(trained, tmp_path, capsys):
    workdir, config, models, data = trained
    digit = load_digits().images[0]  # a 0, ink high: saved as dark ink on white paper, 4x larger
    paper = Image.fromarray((255 - digit * 255 / 16).astype(np.uint8)).resize((32, 32), Image.Resampling.NEAREST)
    good, bad = tmp_path / "zero.png", tmp_path / "broken.png"
    paper.save(good)
    bad.write_bytes(b"not a png")
    assert main(["predict", "--workdir", str(workdir), str(bad), str(good)]) == 1
    captured = capsys.readouterr()
    assert "broken.png: not a readable image" in captured.err
    expected = classification.predict_ids(models["main"], (digit / 16.0)[None].astype(np.float32))[0][0]
    assert captured.out.strip().startswith(f"{good}: {expected} (")


def test_evaluate_and_export_verbs(trained, capsys):
    workdir = str(trained[0])
    assert main(["evaluate", "--workdir", workdir]) == 0
    out = capsys.readouterr().out
    assert "lstm (main)" in out and "test digit 0" in out
    from zoo.export.__main__ import main as export_main

    assert export_main(["--workdir", workdir, "--no-quantized"]) == 0
    assert "serving/2" in capsys.readouterr().out  # the next version


def test_training_on_a_text_file_skips_damaged_rows(tmp_path, capsys):
    rng = np.random.default_rng(0)
    rows = ["text,label"]
    for index in range(120):
        positive = index % 2 == 0
        words = rng.choice(["great", "lovely", "fine"] if positive else ["awful", "dull", "bad"], size=4)
        rows.append(f"{' '.join(words)} film {index},{'pos' if positive else 'neg'}")
    rows += ["no label here", ",neg", "too,many,fields", '"an unclosed quote,pos']
    path = tmp_path / "reviews.csv"
    path.write_bytes(("\n".join(rows) + "\n").encode() + b"a label not in UTF-8,p\xf6s\n")
    workdir = tmp_path / "text"
    arguments = recipe_arguments(workdir, TINY + ["epochs=4", "embedding_dim=8", "max_length=8", "compare=[]"])
    assert main(["--data", str(path), *arguments]) == 0
    captured = capsys.readouterr()
    assert "5 damaged rows skipped" in captured.out and "2 classes" in captured.out
    for line in (122, 124, 125, 126):
        assert f"reviews.csv:{line}: " in captured.err
    assert (workdir / "vocabulary.txt").is_file()
    assert f"Trained on `{path}`, the user's own (`--data`)." in (workdir / "MODEL_CARD.md").read_text()
    assert main(["predict", "--workdir", str(workdir), "great lovely fine", "awful dull bad"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(": ")[0] for line in lines] == ["great lovely fine", "awful dull bad"]
    assert all(line.split(": ")[1].split()[0] in ("neg", "pos") for line in lines)
    import tensorflow_text  # noqa: F401  (the SavedModel's tokenizer ops)

    serve = tf.saved_model.load(str(workdir / "serving" / "1")).signatures["serving_default"]
    texts = ["Great LOVELY fine film", "awful dull bad", "words never seen"]
    outputs = serve(text=tf.constant(texts))
    trained = RECIPE.load(str(workdir))
    config, models, labels = trained.config, trained.models, classification.trained_labels(str(workdir))
    from zoo.text import Vocabulary

    ids = Vocabulary.load(str(workdir / "vocabulary.txt")).encode(texts, config.max_length)
    expected = tf.nn.softmax(models["main"](ids)).numpy()
    np.testing.assert_allclose(outputs["probabilities"].numpy(), expected, atol=1e-4)
    assert [label.decode() for label in outputs["label"].numpy()] == [labels[i] for i in expected.argmax(-1)]
    assert (workdir / "model.tflite").is_file()
    assert list(labels) == ["neg", "pos"]
    blank = serve(text=tf.constant(["", texts[0]]))
    assert blank["label"].numpy().tolist() == [b"", outputs["label"].numpy()[0]]
    assert blank["label_id"].numpy()[0] == -1 and not blank["probabilities"].numpy()[0].any()
    assert serve(text=tf.constant([], tf.string))["probabilities"].shape == (0, 2)
    refused(serve, "text holds strings that are not UTF-8 text", text=tf.constant([b"caf\xe9"]))
    refused_rank(serve, "text", text=tf.constant(texts[0]))


def test_every_tflite_file_carries_its_metadata(trained):
    workdir = trained[0]
    assert_described(workdir, "sequence_classification", {"labels": list(trained[3].labels)})


def test_the_zoo_load_example_of_the_docs_runs(trained, tmp_path):
    from sklearn.datasets import load_digits

    workdir = trained[0]
    printed = run_example("sequence_classification", workdir, str(tmp_path)).split()
    result = zoo.load(str(workdir)).predict(load_digits().images[0])
    assert printed == [result["label"], f"{result['probability']:.3f}"]
