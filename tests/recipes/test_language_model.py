"""`python -m zoo.recipes.language_model` end to end on a shrunken config: train on a slice of the
standard library's source, evaluate, export, then the artifacts used as a user would (the SavedModel,
the TFLite file a character at a time, predict with sampling settings), and training on a folder of
.txt files with damaged lines."""

import json
import math
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.recipes.arguments import recipe_arguments
from tests.recipes.doc_example import run_example
from tests.recipes.tflite_described import assert_described
from tests.recipes.saved_model_edges import refused, refused_rank
import zoo
from zoo.errors import UsageError
from zoo.export.tflite_model import TFLiteModel
from zoo.language_model import recipe as language_model
from zoo.language_model.data import stream_windows
from zoo.language_model.recipe import RECIPE
from zoo.models.char_language_model import zero_states
from zoo.recipes.language_model import main

pytestmark = pytest.mark.slow

TINY = ["max_characters=40000", "units=16", "embedding_dim=8", "batch_size=8", "window=20", "epochs=1",
        "train_minutes=0.1", "ngram_orders=[1, 3]", "evaluation_streams=4", "sample_length=30",
        "quantizations=['float16']", "agreement_threshold=0.5"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("language_model")
    assert main(recipe_arguments(workdir, TINY)) == 0
    trained = RECIPE.load(str(workdir))
    generator = language_model.generator_of(trained.main, trained.config, trained.data.vocabulary.size)
    return workdir, trained.config, generator, trained.data


def test_the_default_run_leaves_every_artifact(trained):
    workdir = trained[0]
    for name in ("model.keras", "characters.json", "serving/1/saved_model.pb", "model.tflite", "model_fp16.tflite",
                 "config.json", "metrics.json", "samples.txt", "training.png", "history.csv", "export_report.json"):
        assert os.path.exists(workdir / name), name
    metrics = json.loads((workdir / "metrics.json").read_text())
    assert list(metrics["test"]) == ["model", "ngram_1", "ngram_3"]
    for row in metrics["test"].values():
        assert 0 < row["bits_per_character"] < 8 and row["perplexity"] == pytest.approx(2 ** row["bits_per_character"])
    assert metrics["test"]["ngram_3"]["bits_per_character"] < metrics["test"]["ngram_1"]["bits_per_character"]
    samples = (workdir / "samples.txt").read_text(encoding="utf-8")
    assert all(sample["prompt"] + sample["text"] in samples for sample in metrics["samples"])
    assert all(len(sample["text"]) == 30 for sample in metrics["samples"])


def test_bits_per_character_equal_keras_cross_entropy_over_each_whole_stream(trained):
    _, config, generator, data = trained
    test = data.ids["test"]
    bits, positions = language_model.model_bits_per_character(generator, test, 4, 20)
    inputs, targets = stream_windows(test, 4, 20)  # read as one long sequence per stream, no window cut
    whole = lambda windows: np.concatenate(list(windows), axis=1)  # noqa: E731
    logits = generator([tf.constant(whole(inputs)), *zero_states(generator, 4)])[0]
    nats = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(whole(targets), logits)
    assert bits == pytest.approx(float(nats) / math.log(2), abs=1e-4)
    np.testing.assert_array_equal(np.sort(test[positions]), np.sort(targets.reshape(-1)))


def test_the_saved_model_writes_what_predict_writes(trained, capsys):
    workdir, config, generator, data = trained
    serve = tf.saved_model.load(str(workdir / "serving" / "1")).signatures["serving_default"]
    prompts = ["def main(", "import "]
    outputs = serve(prompt=tf.constant(prompts), length=tf.constant(25), temperature=tf.constant(0.7),
                    top_k=tf.constant(5), top_p=tf.constant(0.9), seed=tf.constant(11))  # fmt: skip
    texts = [text.decode("utf-8") for text in outputs["text"].numpy()]
    assert [len(text) for text in texts] == [25, 25]
    settings = ["temperature=0.7", "top_k=5", "top_p=0.9", "sample_length=25", "sample_seed=11"]
    assert main(["predict", "--workdir", str(workdir), *prompts, *sum([["--set", s] for s in settings], [])]) == 0
    printed = capsys.readouterr().out
    assert all(prompt + text in printed for prompt, text in zip(prompts, texts))


def test_zoo_load_writes_what_the_saved_model_writes(trained):
    serve = tf.saved_model.load(str(trained[0] / "serving" / "1")).signatures["serving_default"]
    outputs = serve(prompt=tf.constant(["def ", ""]), length=tf.constant(15), temperature=tf.constant(0.9),
                    top_k=tf.constant(0), top_p=tf.constant(0.95), seed=tf.constant(4))  # fmt: skip
    writer = zoo.load(str(trained[0]))
    assert writer.predict(["def ", ""], length=15, temperature=0.9, top_p=0.95, seed=4) == [
        text.decode() for text in outputs["text"].numpy()]
    assert len(writer.predict("x", length=7)) == 7
    with pytest.raises(UsageError, match="language_model model: temperature must be a finite number >= 0"):
        writer.predict("x", temperature=-1)

def test_the_saved_model_answers_an_empty_batch_or_length_and_refuses_bad_settings_naming_them(trained):
    serve = tf.saved_model.load(str(trained[0] / "serving" / "1")).signatures["serving_default"]
    good = dict(prompt=tf.constant(["def "]), length=tf.constant(4), temperature=tf.constant(0.0),
                top_k=tf.constant(0), top_p=tf.constant(1.0), seed=tf.constant(0))

    def call(**changed):
        return serve(**{**good, **changed})["text"].numpy().tolist()

    assert call(prompt=tf.constant([], tf.string)) == [] and call(length=tf.constant(0)) == [b""]
    for changed, message in [
        (dict(length=tf.constant(-1)), "length must be >= 0"),
        (dict(temperature=tf.constant(float("nan"))), "temperature must be a finite number >= 0"),
        (dict(temperature=tf.constant(-0.5)), "temperature must be a finite number >= 0"),
        (dict(top_k=tf.constant(-2)), "top_k must be >= 0"),
        (dict(top_p=tf.constant(0.0)), "top_p must lie in (0, 1]"),
        (dict(prompt=tf.constant([b"caf\xe9"])), "prompt holds strings that are not UTF-8 text"),
    ]:
        refused(serve, message, **{**good, **changed})
    refused_rank(serve, "prompt", **{**good, "prompt": tf.constant("def ")})
    refused_rank(serve, "length", **{**good, "length": tf.constant([4])})


def test_predict_refuses_settings_fixed_by_training(trained, capsys):
    assert main(["predict", "--workdir", str(trained[0]), "def ", "--set", "units=3"]) == 2
    assert "only temperature, top_k, top_p" in capsys.readouterr().err


def test_the_tflite_file_runs_a_character_at_a_time(trained):
    workdir, config, generator, data = trained
    characters = data.ids["test"][:6][None, :]
    states = zero_states(generator, 1)
    expected = generator([tf.constant(characters), *states])[0].numpy()[0]
    runner = TFLiteModel((workdir / "model.tflite").read_bytes())
    names = {tensor.name.split(":")[0]: "next_" + tensor.name.split(":")[0] for tensor in generator.inputs[1:]}
    feed = {name: state.numpy() for name, state in zip(names, states)}
    for step in range(characters.shape[1]):
        outputs = runner(characters=characters[:, step : step + 1], **feed)
        np.testing.assert_allclose(outputs["logits"][0, 0], expected[step], atol=1e-4, rtol=0)
        feed = {name: outputs[output] for name, output in names.items()}


def test_training_on_a_folder_of_text_files_with_damaged_lines(tmp_path, capsys):
    folder = tmp_path / "books"
    folder.mkdir()
    for index in range(5):
        (folder / f"book{index}.txt").write_text(f"Chapter {index}. It was a dark and stormy night.\n" * 60)
    (folder / "book0.txt").write_bytes((folder / "book0.txt").read_bytes() + b"\xff\xfe broken line\n")
    workdir = tmp_path / "run"
    assert main(["train", *recipe_arguments(workdir, TINY), "--data", str(folder)]) == 0
    captured = capsys.readouterr()
    assert "1 damaged line skipped" in captured.out and "book0.txt:61: not UTF-8" in captured.err
    trained = RECIPE.load(str(workdir))
    assert trained.config.data == str(folder)
    vocabulary = language_model.trained_vocabulary(str(workdir))
    assert set(vocabulary.characters) <= set("Chapter 01234. It was a dark and stormy night.\n")


def test_tune_scores_a_stateful_trial_by_validation_bits_per_character(tmp_path):
    overrides = TINY + ["tune.cells=['lstm']", "tune.max_depth=1", "tune.min_units=8", "tune.max_units=8"]
    assert main(recipe_arguments(tmp_path, overrides, "tune", "--max-trials", "1")) == 0
    trials = (tmp_path / "tuning" / "trials.csv").read_text().splitlines()
    assert len(trials) == 2 and "val_neg_bits_per_character" in trials[0]
    bits = -float(trials[1].split(",")[trials[0].split(",").index("val_neg_bits_per_character")])
    assert 0 < bits < 8


def test_every_tflite_file_carries_its_metadata(trained):
    workdir = trained[0]
    assert_described(workdir, "language_model", {"vocabulary": None, "sampling": None})


def test_the_zoo_load_example_of_the_docs_runs(trained, tmp_path):
    workdir = trained[0]
    printed = run_example("language_model", workdir, str(tmp_path))
    writer = zoo.load(str(workdir))
    expected = [writer.predict("def main(", length=80),
                writer.predict("def main(", length=80, temperature=0.8, top_p=0.95, seed=7)]
    assert printed == "".join(text + "\n" for text in expected)
