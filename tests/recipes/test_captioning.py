"""`python -m zoo.recipes.captioning` end to end on a shrunken config: train, evaluate, export,
then every artifact used the way a user would (SavedModel on raw image bytes, the TFLite runner,
predict on files), plus resume and refusal."""

import base64
import io
import json
import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tests.data.test_flickr8k import _write_image
from tests.recipes.arguments import recipe_arguments
from tests.recipes.doc_example import run_example
from tests.recipes.tflite_described import assert_described
from tests.recipes.saved_model_edges import refused, refused_rank
from tests.serve.browser import choose_model, chromium, screenshot, wait_for
from tests.serve.server import serving
import zoo
from zoo.errors import UsageError
from zoo.captioning import export as captioning_export
from zoo.captioning import recipe as captioning
from zoo.captioning.config import CaptioningConfig
from zoo.captioning.recipe import RECIPE
from zoo.captioning.generate import captioner
from zoo.config import load_config
from zoo.data.images import read_image_file
from zoo.export import ExportError
from zoo.export.decoder_runner import DecoderRunner
from zoo.export.encoder_decoder import runner_agreement
from zoo.export.tflite_model import operator_names
from zoo.recipes.captioning import main

pytestmark = pytest.mark.slow

TINY = [
    "train_images=48", "validation_images=8", "test_images=10", "test_seen_images=6", "epochs=2", "units=16", "embedding_dim=8",
    "attention_units=8", "batch_size=16", "image_size=32", "max_caption_length=12", "samples=4",
    "quantizations=['float16', 'full_int8']", "agreement_threshold=0.0",
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The default run (train, evaluate, export) of a tiny captioner, shared by this module's tests."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("ZOO_CACHE", str(tmp_path_factory.mktemp("cache")))
        workdir = tmp_path_factory.mktemp("captioning")
        assert main(recipe_arguments(workdir, TINY)) == 0
        trained = RECIPE.load(str(workdir))
        yield workdir, trained.config, trained.main, trained.data.vocabulary, trained.data.splits["test"]


def test_the_default_run_leaves_every_artifact(trained):
    workdir = trained[0]
    for name in ("model.keras", "serving/1/saved_model.pb", "encoder.tflite", "decoder_step.tflite",
                 "encoder_fp16.tflite", "decoder_step_fp16.tflite", "encoder_full_int8.tflite",
                 "decoder_step_full_int8.tflite", "vocabulary.txt", "config.json", "metrics.json",
                 "samples.png", "attention.png", "training.png", "history.csv", "export_report.json", "logs"):
        assert os.path.exists(workdir / name), name
    everything = json.loads((workdir / "metrics.json").read_text())
    metrics = everything["test"]
    assert set(metrics) == set(everything["test_seen"]) == {"baseline", "greedy", "beam"}
    assert (everything["test_images"], everything["test_seen_images"]) == (10, 6)
    assert everything["split"] == {"unit": "image", "train": 48, "validation": 8, "test": 10, "test_seen": 6}
    for row in [*metrics.values(), *everything["test_seen"].values()]:
        assert {"bleu1", "bleu2", "bleu3", "bleu4", "exact_match"} <= set(row)
        assert 0 <= row["bleu4"] <= row["bleu1"] <= 100
    assert json.loads((workdir / "config.json").read_text())["recipe"] == "captioning"
    report = json.loads((workdir / "export_report.json").read_text())
    assert [row["artifact"] for row in report] == [
        "model.keras", "serving/1", "encoder.tflite", "decoder_step.tflite", "encoder_fp16.tflite",
        "decoder_step_fp16.tflite", "encoder_full_int8.tflite", "decoder_step_full_int8.tflite"]
    assert not [row for row in report if "refused" in row]
    for row in report[2:]:
        assert row["bytes"] == os.path.getsize(workdir / row["artifact"]), row["artifact"]


def _png(image):
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(image, np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_saved_model_captions_raw_image_bytes_as_the_keras_model_does(trained, tmp_path):
    workdir, config, model, vocabulary, test = trained
    serve = tf.saved_model.load(str(workdir / "serving" / "1")).signatures["serving_default"]
    big = tmp_path / "big.jpg"
    Image.fromarray(np.repeat(np.repeat(test.images[0], 3, 0), 3, 1)).save(big, format="JPEG")
    encoded = [_png(image) for image in test.images[:5]] + [big.read_bytes()]
    captions = [c.decode() for c in serve(image_bytes=tf.constant(encoded))["caption"].numpy()]
    pixels = np.concatenate([test.images[:5].astype(np.float32), read_image_file(str(big), config.image_size)[None]])
    expected = captioner(model, vocabulary, config.max_caption_length, config.length_penalty).generate(
        pixels, config.beam_width)
    assert captions == expected


def test_zoo_load_captions_paths_bytes_and_pixels_from_the_saved_model_alone(trained, tmp_path):
    workdir, config, model, vocabulary, test = trained
    captioner = zoo.load(str(workdir))
    assert captioner.recipe == "captioning" and captioner.directory.endswith(os.path.join("serving", "1"))
    path = tmp_path / "first.png"
    path.write_bytes(_png(test.images[0]))
    serve = tf.saved_model.load(str(workdir / "serving" / "1")).signatures["serving_default"]
    expected = [c.decode() for c in serve(image_bytes=tf.constant([_png(image) for image in test.images[:3]]))[
        "caption"].numpy()]
    assert captioner.predict([str(path), _png(test.images[1]), test.images[2]]) == expected
    assert captioner.predict(str(path)) == expected[0], "one input, one caption"
    with pytest.raises(UsageError, match="captioning model: image_bytes holds an empty string"):
        captioner.predict([b""])


def test_caption_attention_gives_the_keras_greedy_words_and_attention_weights(trained):
    workdir, config, model, vocabulary, test = trained
    attend = tf.saved_model.load(str(workdir / "serving" / "1")).signatures["caption_attention"]
    answer = attend(image_bytes=tf.constant([_png(image) for image in test.images[:2]]))
    task = captioner(model, vocabulary, config.max_caption_length)
    cells = model.get_layer("image_encoder").output.shape[1]
    assert answer["attention"].shape == (2, config.max_caption_length, cells)
    assert attend(image_bytes=tf.constant([], tf.string))["attention"].shape == (0, config.max_caption_length, cells)
    for row in range(2):
        tokens, weights = task.with_attention(test.images[row].astype(np.float32))
        words = [w.decode() for w in answer["words"].numpy()[row]]
        assert [w for w in words if w] == [t for t in tokens if t != "[END]"]
        np.testing.assert_allclose(answer["attention"].numpy()[row, :len(weights)], weights, atol=1e-5)
        np.testing.assert_allclose(answer["attention"].numpy()[row, :len(weights)].sum(-1), 1.0, atol=1e-5)
        assert not answer["attention"].numpy()[row, len(weights):].any()


def test_zoo_serve_captions_a_base64_png_as_tf_serving_would_and_refuses_what_is_not_an_image(trained):
    workdir, config, model, vocabulary, test = trained
    png = _png(test.images[0])
    expected = captioner(model, vocabulary, config.max_caption_length, config.length_penalty).generate(
        test.images[:1].astype(np.float32), config.beam_width)
    good = {"instances": [{"b64": base64.b64encode(png).decode()}]}
    bad = {"not an image": ({"instances": [{"b64": base64.b64encode(b"%PDF-1.4 a document").decode()}]},
                            "Unknown image file format"),
           "a damaged GIF": ({"instances": [{"b64": base64.b64encode(b"GIF89a but not really").decode()}]},
                             "Invalid GIF data"),
           "an empty string": ({"instances": [""]}, "image_bytes holds an empty string"),
           "a number": ({"instances": [7]}, "expected strings"),
           "invalid base64": ({"instances": [{"b64": "%%%"}]}, "invalid base64"),
           "pixels instead of bytes": ({"inputs": test.images[:1].tolist()}, "expected strings"),
           "a batch of batches": ({"inputs": [[good["instances"][0]]]}, "must have rank 1")}
    with serving([str(workdir)]) as client:
        for what, (body, words) in bad.items():
            answer = client.post("/v1/models/captioning:predict", json=body)
            assert answer.status_code == 400 and words in answer.json()["error"], (what, answer.text)
            assert client.post("/v1/models/captioning:predict", json=good).json() == {"predictions": expected}
        attention = client.post("/v1/models/captioning:predict",
                                json={"signature_name": "caption_attention", **good}).json()["predictions"][0]
        assert len(attention["words"]) == config.max_caption_length and len(attention["attention"][0]) == \
            model.get_layer("image_encoder").output.shape[1]


def test_the_page_captions_an_image_in_a_real_browser_and_draws_the_attention(trained, tmp_path):
    workdir, config, model, vocabulary, test = trained
    path = tmp_path / "photo.png"
    path.write_bytes(_png(test.images[0]))
    expected = captioner(model, vocabulary, config.max_caption_length, config.length_penalty).generate(
        test.images[:1].astype(np.float32), config.beam_width)[0]
    tokens, _ = captioner(model, vocabulary, config.max_caption_length).with_attention(test.images[0].astype(np.float32))
    with serving([str(workdir)]) as client, chromium() as browser:
        browser.get(f"{client.base_url}/")
        choose_model(browser, "captioning")
        browser.find_element("id", "image-file").send_keys(str(path))
        wait_for(browser, lambda b: b.find_element("id", "caption").text)
        assert browser.find_element("id", "caption").text == expected.strip()
        chips = [chip.text for chip in browser.find_elements("css selector", "#caption-words .chip")]
        assert chips == [token for token in tokens if token != "[END]"]
        painted = browser.execute_script(
            "const c = document.getElementById('caption-attention');"
            "const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
            "let alpha = 0; for (let i = 3; i < data.length; i += 4) alpha += data[i]; return [c.width, alpha];")
        assert painted[0] > 0 and painted[1] > 0, "the attention overlay is empty"
        assert browser.find_element("id", "status").text == ""
        screenshot(browser, "page_captioning.png")


def test_tflite_files_hold_built_in_ops_only_and_the_runner_gives_the_keras_greedy_captions(trained):
    workdir, config, model, vocabulary, test = trained
    for stem in ("encoder", "decoder_step"):
        for suffix in ("", "_fp16", "_full_int8"):
            ops = operator_names((workdir / f"{stem}{suffix}.tflite").read_bytes())
            assert ops and not [op for op in ops if op.startswith("CUSTOM")], (stem, suffix, ops)
            assert "WHILE" not in ops, "the encoder and one decoder step hold no loop"
        assert "QUANTIZE" in operator_names((workdir / f"{stem}_full_int8.tflite").read_bytes())
    runner = DecoderRunner.from_workdir(str(workdir), config.max_caption_length)
    generator = captioner(model, vocabulary, config.max_caption_length)
    expected = generator.generate(test.images)
    assert [runner.text({"image": image[None].astype(np.float32)}) for image in test.images] == expected
    keras_ids = generator.ids(test.images[:3])
    end = vocabulary.ids["[END]"]
    for image, ids in zip(test.images[:3], keras_ids):
        ids = [int(i) for i in ids[: list(ids).index(end) + 1]] if end in ids else [int(i) for i in ids]
        assert runner.token_choices({"image": image[None].astype(np.float32)}, ids) == ids


def test_the_export_report_states_the_agreement_its_files_reach(trained):
    workdir, config, model, vocabulary, _ = trained
    report = {row["artifact"]: row for row in json.loads((workdir / "export_report.json").read_text())}
    with np.load(workdir / captioning.EXPORT_IMAGES) as archive:
        images = archive["test"]  # the images the export proved its files on
    keras_ids = captioner(model, vocabulary, config.max_caption_length).ids(images)
    for quantization, suffix in (("none", ""), ("float16", "_fp16"), ("full_int8", "_full_int8")):
        runner = DecoderRunner.from_workdir(str(workdir), config.max_caption_length, quantization)
        outputs, tokens = runner_agreement(runner, captioning_export.pixel_examples(images), keras_ids,
                                           vocabulary.ids["[END]"])
        for stem in ("encoder", "decoder_step"):
            row = report[f"{stem}{suffix}.tflite"]
            assert (row["output_agreement"], row["argmax_agreement"]) == (outputs, tokens), (stem, suffix)
    assert report["decoder_step.tflite"]["output_agreement"] == report["decoder_step.tflite"]["argmax_agreement"] == 1.0


def test_predict_captions_files_and_reports_unreadable_ones(trained, tmp_path, capsys):
    workdir, _, _, _, test = trained
    good = tmp_path / "scene.png"
    good.write_bytes(_png(test.images[0]))
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    assert main(["predict", "--workdir", str(workdir), str(bad), str(good)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith(f"{bad}: error:") and "not a readable" in lines[0]
    assert lines[1].startswith(f"{good}: ") and len(lines[1]) > len(f"{good}: ")
    output = tmp_path / "captions.jsonl"
    assert main(["predict", "--workdir", str(workdir), str(bad), str(good), "--format", "jsonl",
                 "--output", str(output)]) == 1
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert records[0]["input"] == str(bad) and "not a readable" in records[0]["error"]
    assert records[1] == {"input": str(good), "caption": lines[1].removeprefix(f"{good}: ")}
    assert capsys.readouterr().out == ""


def test_evaluate_verb_prints_the_table(trained, capsys):
    assert main(["evaluate", "--workdir", str(trained[0])]) == 0
    out = capsys.readouterr().out
    assert "most frequent caption" in out and "BLEU-4" in out and "beam (width 3)" in out


def test_a_disagreeing_export_is_refused_and_the_previous_one_stays(trained, monkeypatch, capsys):
    workdir, config, model, vocabulary, test = trained
    before = (workdir / "serving" / "1" / "saved_model.pb").read_bytes()
    monkeypatch.setattr(captioning_export, "keras_captions", lambda *args, **kwargs: ["wrong"] * len(args[2]))
    monkeypatch.setattr(captioning_export, "export_tflite", lambda *args, **kwargs: [])
    with pytest.raises(ExportError, match="serving/2: serving_default: .* captions differ"):
        RECIPE.export(str(workdir), verbose=False)
    assert main(["export", "--workdir", str(workdir)]) == 1
    assert "error: refused: serving/2:" in capsys.readouterr().err
    assert (workdir / "serving" / "1" / "saved_model.pb").read_bytes() == before
    assert sorted(p for p in os.listdir(workdir / "serving")) == ["1"]


def test_missing_workdirs_and_bad_settings_get_one_line_errors(tmp_path, capsys):
    assert main(["evaluate", "--workdir", str(tmp_path / "empty")]) == 2
    assert "config.json not found" in capsys.readouterr().err
    assert main(["train", "--workdir", str(tmp_path), "--set", "cell=transformer"]) == 2
    assert "`cell` must be one of" in capsys.readouterr().err


def test_train_on_a_flickr8k_folder_resumes_after_an_interruption(tmp_path):
    import keras

    images = tmp_path / "data" / "Images"
    images.mkdir(parents=True)
    rows = ["image,caption"]
    for index in range(24):
        _write_image(images / f"{index}.png")
        rows += [f"{index}.png,picture number {index % 5}", f"{index}.png,an image {index % 3}"]
    rows.append("ghost.png,a missing image")
    (tmp_path / "data" / "captions.txt").write_text("\n".join(rows) + "\n")
    config = load_config(CaptioningConfig, None, TINY + [f"data='{tmp_path / 'data'}'", "epochs=3",
                                                         "validation_fraction=0.2", "test_fraction=0.2"])

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise KeyboardInterrupt

    workdir = str(tmp_path / "run")
    with pytest.raises(KeyboardInterrupt):
        RECIPE.train(config, workdir, verbose=0, callbacks=[Interrupt()])
    trained = RECIPE.train(config, workdir, verbose=0)
    report = trained.reports["main"]
    assert (report.first_epoch, report.last_epoch) == (1, 3)
    assert trained.data.skipped == {"missing image": 1}
    with pytest.raises(ValueError, match=r"other settings \(units 16 → 32\)"):
        RECIPE.train(config.__class__(**{**config.__dict__, "units": 32}), workdir, verbose=0)


def test_python_m_zoo_export_runs_the_recipe_export_with_command_line_settings(trained, capsys):
    from zoo.export.__main__ import main as export_main

    workdir = trained[0]
    assert export_main(["--workdir", str(workdir), "--inputs", "x.npz"]) == 2
    assert "--inputs applies to a plain model" in capsys.readouterr().err
    assert export_main(["--workdir", str(workdir), "--no-quantized", "--tolerance", "1e-3"]) == 0
    report = json.loads((workdir / "export_report.json").read_text())
    assert [row["artifact"] for row in report] == ["model.keras", "serving/2", "encoder.tflite", "decoder_step.tflite"]  # the next version


def test_the_saved_model_answers_an_empty_batch_and_refuses_bad_inputs_naming_them(trained):
    serve = tf.saved_model.load(str(trained[0] / "serving" / "1")).signatures["serving_default"]
    assert serve(image_bytes=tf.constant([], tf.string))["caption"].shape == (0,)
    image = _png(trained[4].images[0])
    refused(serve, "image_bytes holds an empty string", image_bytes=tf.constant([image, b""]))
    refused(serve, "Unknown image file format", image_bytes=tf.constant([b"GIF? no, text"]))
    refused_rank(serve, "image_bytes", image_bytes=tf.constant(image))
    refused_rank(serve, "image_bytes", image_bytes=tf.constant([[image]]))


def test_every_tflite_file_carries_its_metadata(trained):
    workdir = trained[0]
    assert_described(workdir, "captioning", {"vocabulary": trained[3].tokens, "image": None, "decoding": None})


def test_the_zoo_load_example_of_the_docs_runs(trained, tmp_path):
    workdir, config, model, vocabulary, test = trained
    photo = _png(test.images[0])
    printed = run_example("captioning", workdir, str(tmp_path), {"photo.png": photo}).splitlines()
    caption = zoo.load(str(workdir)).predict(photo)
    assert printed == [caption, repr([caption, caption])]
