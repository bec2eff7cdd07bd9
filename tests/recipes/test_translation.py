"""`python -m zoo.recipes.translation` end to end on a shrunken config: train (with the baseline),
evaluate, export, then the artifacts used as a user would (the SavedModel on raw strings, the
TFLite runner, predict from arguments and stdin), and the TSV reader in training."""

import base64
import io
import json
import os
import re

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_text  # noqa: F401  (the SavedModel's tokenizer ops)

from tests.recipes.arguments import recipe_arguments
from tests.recipes.doc_example import run_example
from tests.recipes.tflite_described import assert_described
from tests.recipes.saved_model_edges import refused, refused_rank
from tests.serve.browser import choose_model, chromium, screenshot, wait_for
from tests.serve.server import serving
import zoo
from zoo.errors import UsageError
from zoo.config import load_config
from zoo.export.decoder_runner import DecoderRunner
from zoo.export.tflite_model import operator_names
from zoo.recipes.translation import main
from zoo.subwords import SubwordVocabulary
from zoo.translation.config import TranslationConfig
from zoo.translation.data import source_ids
from zoo.translation.recipe import RECIPE
from zoo.translation.evaluate import translator

pytestmark = pytest.mark.slow

TINY = [
    "train_pairs=240", "validation_pairs=16", "test_pairs=12", "epochs=2", "units=16", "embedding_dim=8",
    "attention_units=8", "batch_size=32", "baseline_minutes=0.02", "max_source_length=24", "max_target_length=24",
    "beam_width=3", "quantizations=['float16']", "agreement_threshold=0.0", "examples=3",
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("ZOO_CACHE", str(tmp_path_factory.mktemp("cache")))
        workdir = tmp_path_factory.mktemp("translation")
        assert main(recipe_arguments(workdir, TINY)) == 0
        trained = RECIPE.load(str(workdir))
        yield workdir, trained.config, trained.models, trained.data


def test_the_default_run_leaves_every_artifact(trained):
    workdir = trained[0]
    for name in ("model.keras", "models/baseline/model.keras", "serving/1/saved_model.pb", "encoder.tflite",
                 "decoder_step.tflite", "encoder_fp16.tflite", "decoder_step_fp16.tflite", "source_vocabulary.txt",
                 "target_vocabulary.txt", "config.json", "metrics.json", "attention.png", "training.png",
                 "export_report.json"):
        assert os.path.exists(workdir / name), name
    results = json.loads((workdir / "metrics.json").read_text())["test"]
    assert set(results) == {"main, greedy", "main, beam 3", "baseline, greedy", "baseline, beam 3"}
    for row in results.values():
        assert 0 <= row["bleu"] <= 100 and 0 <= row["chrf"] <= 100 and 0 <= row["exact_match"] <= 100
    assert not [row for row in json.loads((workdir / "export_report.json").read_text()) if "refused" in row]


def test_metrics_record_sacrebleus_signatures(trained):
    metrics = json.loads((trained[0] / "metrics.json").read_text())
    assert metrics["sacrebleu"]["bleu"].startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:")
    assert metrics["sacrebleu"]["chrf"].startswith("nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:")
    assert "sacrebleu bleu signature: `nrefs:1" in (trained[0] / "MODEL_CARD.md").read_text()

def test_evaluate_prints_the_table_under_the_models_labels(trained, capsys):
    assert main(["evaluate", "--workdir", str(trained[0])]) == 0
    out = capsys.readouterr().out
    labels = {re.split(r"\s{2,}", line.strip())[0] for line in out.splitlines()}
    assert {"attention, greedy", "attention, beam 3", "no attention, greedy", "no attention, beam 3"} <= labels
    assert "translations of test sentences:" in out


def test_the_saved_model_translates_raw_strings_as_the_keras_model_does(trained):
    workdir, config, models, data = trained
    sentences = [s for s, _ in data.splits["test"][:5]] + ["☃ Monday, May 6, 1957", "x " * 40]
    loaded = tf.saved_model.load(str(workdir / "serving" / "1"))
    translations = [t.decode() for t in loaded.signatures["serving_default"](text=tf.constant(sentences))["translation"].numpy()]
    assert translations == translator(models["main"], data, config).generate(sentences, config.beam_width)
    nbest = loaded.signatures["translate_nbest"](text=tf.constant(sentences))
    assert nbest["hypotheses"].shape == (len(sentences), 3) and nbest["scores"].shape == (len(sentences), 3)
    assert [h.decode() for h in nbest["hypotheses"].numpy()[:, 0]] == translations
    assert np.all(np.diff(nbest["scores"].numpy(), axis=1) <= 1e-6), "best first"


def test_the_saved_model_answers_empty_inputs_empty_and_refuses_bad_ones_naming_them(trained):
    workdir, config, models, data = trained
    signatures = tf.saved_model.load(str(workdir / "serving" / "1")).signatures
    serve, nbest = signatures["serving_default"], signatures["translate_nbest"]
    assert serve(text=tf.constant([], tf.string))["translation"].shape == (0,)
    assert nbest(text=tf.constant([], tf.string))["hypotheses"].shape == (0, 3)
    sentence = data.splits["test"][0][0]
    alone = serve(text=tf.constant([sentence]))["translation"].numpy().tolist()
    assert serve(text=tf.constant(["", sentence, "  "]))["translation"].numpy().tolist() == [b""] + alone + [b""]
    blank = nbest(text=tf.constant([""]))
    assert blank["hypotheses"].numpy().tolist() == [[b""] * 3] and blank["scores"].numpy().tolist() == [[0.0] * 3]
    for signature in (serve, nbest):
        refused(signature, "text holds strings that are not UTF-8 text", text=tf.constant([b"caf\xe9"]))
        refused_rank(signature, "text", text=tf.constant(sentence))
        refused_rank(signature, "text", text=tf.constant([[sentence, sentence]]))


def test_zoo_load_translates_and_gives_n_best_lists_from_the_saved_model_alone(trained):
    workdir, config, models, data = trained
    predictor = zoo.load(str(workdir / "serving" / "1"))
    sentences = [s for s, _ in data.splits["test"][:3]]
    expected = translator(models["main"], data, config).generate(sentences, config.beam_width)
    assert predictor.predict(sentences) == expected and predictor.predict(sentences[0]) == expected[0]
    nbest = predictor.predict(sentences + [""], nbest=True)
    assert [beams[0][0] for beams in nbest[:3]] == expected and nbest[3] == [("", 0.0)] * 3
    assert all(len(beams) == 3 and beams[0][1] >= beams[-1][1] for beams in nbest)
    with pytest.raises(UsageError, match="translation model: text holds strings that are not UTF-8"):
        predictor.run("serving_default", text=tf.constant([b"caf\xe9"]))


def test_the_page_shows_the_n_best_list_in_a_real_browser_and_the_server_refuses_bad_requests(trained):
    workdir, config, models, data = trained
    sentence = data.splits["test"][0][0]
    nbest = tf.saved_model.load(str(workdir / "serving" / "1")).signatures["translate_nbest"](text=tf.constant([sentence]))
    hypotheses = [h.decode() for h in nbest["hypotheses"].numpy()[0]]
    with serving([str(workdir)]) as client:
        for body, words in (({"instances": [{"b64": base64.b64encode(b"caf\xe9").decode()}]}, "not UTF-8"),
                            ({"instances": [["nested"]]}, "must have rank 1"),
                            ({"signature_name": "translate_nbest", "instances": []}, "is empty")):
            answer = client.post("/v1/models/translation:predict", json=body)
            assert answer.status_code == 400 and words in answer.json()["error"], answer.text
        answer = client.post("/v1/models/translation:predict", json={"signature_name": "translate_nbest",
                                                                        "instances": [sentence]})
        assert [row["hypotheses"] for row in answer.json()["predictions"]] == [hypotheses]
        with chromium() as browser:
            browser.get(f"{client.base_url}/")
            choose_model(browser, "translation")
            browser.find_element("id", "source").send_keys(sentence)
            browser.find_element("id", "translate").click()
            wait_for(browser, lambda b: b.find_elements("css selector", "#nbest tbody tr"))
            rows = [[cell.text for cell in row.find_elements("tag name", "td")]
                    for row in browser.find_elements("css selector", "#nbest tbody tr")]
            assert [row[1] for row in rows] == [h.strip() for h in hypotheses]
            assert [float(row[2]) for row in rows] == pytest.approx(nbest["scores"].numpy()[0].tolist(), abs=1e-3)
            screenshot(browser, "page_translation.png")


def test_the_tflite_runner_gives_the_keras_greedy_translations(trained):
    workdir, config, models, data = trained
    runner = DecoderRunner.from_workdir(str(workdir), config.max_target_length, vocabulary_file="target_vocabulary.txt",
                                        vocabulary_class=SubwordVocabulary)
    sentences = [s for s, _ in data.splits["test"]]
    sources = source_ids(data.source_vocabulary, sentences, config.max_source_length)
    expected = data.target_vocabulary.decode(translator(models["main"], data, config).ids(sentences))
    assert [runner.text({"source": source[None]}) for source in sources] == expected
    for name in ("encoder.tflite", "decoder_step.tflite", "encoder_fp16.tflite"):
        ops = operator_names((workdir / name).read_bytes())
        assert not [op for op in ops if op.startswith("CUSTOM")], ops
    assert "WHILE" in operator_names((workdir / "encoder.tflite").read_bytes()), "the encoder's loop stays a loop"


def test_predict_from_arguments_and_from_stdin(trained, capsys):
    workdir, config, models, data = trained
    sentence = data.splits["test"][0][0]
    assert main(["predict", "--workdir", str(workdir), sentence]) == 0
    expected = translator(models["main"], data, config).generate([sentence], config.beam_width)[0]
    assert capsys.readouterr().out.splitlines() == [expected]
    stdin = io.StringIO(f"{sentence}\n\n{'one ' * 30}\n")
    assert main(["predict", "--workdir", str(workdir)], stdin=stdin) == 1
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2
    assert "line 2: empty sentence, skipped" in captured.err
    assert "line 3: 59 tokens, cut to the model's limit of 24" in captured.err


def test_train_on_a_tsv_file_counts_what_it_skips(tmp_path, capsys):
    rows = [f"item {i}\tпункт {i}\tattribution" for i in range(60)]
    rows += ["", "one column only", "item 1\tпункт 1", "a " * 40 + "\tслишком длинно"]
    path = tmp_path / "pairs.tsv"
    path.write_text("\n".join(rows) + "\n")
    config = load_config(TranslationConfig, None, TINY + [f"data='{path}'", "epochs=1", "validation_fraction=0.2",
                                                          "test_fraction=0.2", "baseline_minutes=0"])
    trained = RECIPE.train(config, str(tmp_path / "run"), verbose=0)
    assert list(trained.models) == ["main"] and trained.reports["main"].last_epoch == 1
    assert trained.data.skipped == {"empty line": 1, "one column": 1, "duplicate": 1, "too long": 1}
    assert "data: " in capsys.readouterr().out


def test_with_data_epochs_are_a_bound_and_the_budget_ends_the_run(tmp_path, capsys):
    rows = [f"item {i}\tпункт {i}" for i in range(80)]
    path = tmp_path / "pairs.tsv"
    path.write_text("\n".join(rows) + "\n")
    settings = [o for o in TINY if not o.startswith("epochs")]
    config = load_config(TranslationConfig, None, settings + [f"data='{path}'", "train_minutes=0.1", "patience=0",
                                                              "baseline_minutes='same'"])
    trained = RECIPE.train(config, str(tmp_path / "run"), verbose=0)
    report = trained.reports["main"]
    assert report.epochs == 1000 and report.stopped_by == "budget"
    assert report.best_epoch is not None and "val_bleu" in open(tmp_path / "run" / "history.csv").readline()
    out = capsys.readouterr().out
    assert "training no attention:" in out, "the baseline trains on the same budget"
    assert out.count("the 0.1-minute budget was spent") == 2


def test_the_tune_verb_runs_a_search_and_writes_a_config_to_train_the_winner(tmp_path, capsys):
    arguments = recipe_arguments(tmp_path, TINY + ["epochs=1", "tune.min_units=8", "tune.max_units=16", "tune.max_depth=1",
                                                   "tune.cells=['gru']"])
    assert main(["tune", *arguments, "--max-trials", "1"]) == 0
    assert "| rank | trial | cell |" in capsys.readouterr().out
    best = load_config(TranslationConfig, str(tmp_path / "tuning" / "best.toml"))
    assert best.cell == "gru" and best.depth == 1 and best.units <= 16


def test_every_tflite_file_carries_its_metadata(trained):
    workdir = trained[0]
    assert_described(workdir, "translation", {"source_vocabulary": None, "target_vocabulary": None, "tokenization": None})


def test_the_zoo_load_example_of_the_docs_runs(trained, tmp_path):
    workdir, config, models, data = trained
    printed = run_example("translation", workdir, str(tmp_path)).splitlines()
    translator = zoo.load(str(workdir))
    assert printed[0] == translator.predict("Monday, May 6, 1957")
    assert len(printed) == 1 + config.beam_width
