"""`python -m zoo.recipes.frame_labeling` end to end on a shrunken config: train (main, comparisons,
streaming), evaluate, export, then the artifacts used as a user would (the SavedModel on raw
waveforms, the TFLite file, predict on WAV files), and training on a TIMIT-layout folder."""

import base64
import dataclasses
import json
import os
import wave

import numpy as np
import pytest
import tensorflow as tf

from tests.recipes.arguments import recipe_arguments
from tests.recipes.doc_example import run_example
from tests.recipes.tflite_described import assert_described
from tests.recipes.saved_model_edges import refused, refused_rank
from tests.serve.server import serving
import zoo
from zoo.errors import UsageError
from zoo.data import speech
from zoo.data.splits import split_of
from zoo.export.tflite_model import TFLiteModel, operator_names
from zoo.frame_labeling import export
from zoo.frame_labeling import recipe as frame_labeling
from zoo.frame_labeling.evaluate import predict_frames
from zoo.frame_labeling.recipe import RECIPE
from zoo.recipes.frame_labeling import main

pytestmark = pytest.mark.slow

TINY = [
    "train_utterances=48", "validation_utterances=8", "test_utterances=16", "epochs=2", "units=8", "depth=1",
    "num_mels=12", "mlp_units=16", "batch_size=16", "train_minutes=0.05", "compare=['mlp', 'unidirectional']",
    "quantizations=['float16']", "agreement_threshold=0.9", "examples=2",
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("ZOO_CACHE", str(tmp_path_factory.mktemp("cache")))
        workdir = tmp_path_factory.mktemp("frame_labeling")
        assert main(recipe_arguments(workdir, TINY)) == 0
        trained = RECIPE.load(str(workdir))
        yield workdir, trained.config, trained.models, trained.data  # its labels checked against labels.json


def test_the_default_run_leaves_every_artifact(trained):
    workdir = trained[0]
    for name in ("model.keras", "models/mlp/model.keras", "models/unidirectional/model.keras",
                 "models/streaming/model.keras", "streaming/model.keras", "serving/1/saved_model.pb", "model.tflite",
                 "model_fp16.tflite", "labels.txt", "config.json", "metrics.json", "confusion.png", "training.png",
                 "export_report.json"):
        assert os.path.exists(workdir / name), name
    results = json.loads((workdir / "metrics.json").read_text())["test"]
    assert list(results) == ["mlp", "unidirectional", "main", "streaming"]
    for row in results.values():
        assert 0 <= row["frame_accuracy"] <= 100 and 0 <= row["macro_f1"] <= 100 and row["phone_error_rate"] >= 0
    assert results["streaming"]["streaming_equals_whole"] is True
    assert (workdir / "labels.txt").read_text().split() == list(speech.LABELS)
    assert not [row for row in json.loads((workdir / "export_report.json").read_text()) if "refused" in row]


def test_the_saved_model_labels_raw_waveforms_as_the_keras_model_does(trained):
    workdir, config, models, data = trained
    utterances = data.splits["test"][:3]
    expected = predict_frames(models["main"], utterances, data)
    loaded = tf.saved_model.load(str(workdir / "serving" / "1"))
    single = loaded.signatures["serving_default"](waveform=tf.constant(utterances[0].waveform[None]))
    assert single["label_ids"].numpy()[0].tolist() == expected[0].tolist()
    assert [n.decode() for n in single["labels"].numpy()[0]] == [data.labels[i] for i in expected[0]]
    lengths = [len(u.waveform) for u in utterances]
    batch = np.zeros((3, max(lengths)), np.float32)
    for row, utterance in enumerate(utterances):
        batch[row, : lengths[row]] = utterance.waveform
    padded = loaded.signatures["label_padded"](waveform=tf.constant(batch), num_samples=tf.constant(lengths))
    for row, ids in enumerate(expected):
        assert padded["label_ids"].numpy()[row, : len(ids)].tolist() == ids.tolist()
        assert set(padded["label_ids"].numpy()[row, len(ids):].tolist()) <= {-1}
        assert set(padded["labels"].numpy()[row, len(ids):].tolist()) <= {b""}


def test_the_saved_model_answers_an_empty_batch_and_refuses_bad_waveforms_naming_them(trained):
    signatures = tf.saved_model.load(str(trained[0] / "serving" / "1")).signatures
    serve, padded = signatures["serving_default"], signatures["label_padded"]
    assert serve(waveform=tf.zeros([0, 16000]))["labels"].shape[0] == 0
    waveform = trained[3].splits["test"][0].waveform[None]
    refused_rank(serve, "waveform", waveform=tf.constant(waveform[0]))
    refused_rank(padded, "waveform", waveform=tf.constant(waveform[None]), num_samples=tf.constant([100]))
    damaged = waveform.copy()
    damaged[0, 7] = np.nan
    refused(serve, "waveform holds NaN or infinite values", waveform=tf.constant(damaged))
    length = waveform.shape[1]
    for wrong in ([length + 1], [-1]):
        refused(padded, "num_samples must lie between 0 and the waveform length", waveform=tf.constant(waveform),
                num_samples=tf.constant(wrong))
    refused(padded, "num_samples must hold one length per waveform row", waveform=tf.constant(waveform),
            num_samples=tf.constant([length, length]))


def test_label_wav_labels_wav_files_as_the_keras_model_labels_their_16_bit_samples(trained):
    workdir, config, models, data = trained
    utterances = data.splits["test"][:3]
    label_wav = tf.saved_model.load(str(workdir / "serving" / "1")).signatures["label_wav"]
    stored = [export.pcm16(u.waveform) for u in utterances]
    expected = predict_frames(models["main"], [dataclasses.replace(u, waveform=w) for u, w in zip(utterances, stored)],
                              data)
    answer = label_wav(wav_bytes=tf.constant([export.wav_bytes(u.waveform) for u in utterances]))
    for row, ids in enumerate(expected):
        assert answer["label_ids"].numpy()[row, : len(ids)].tolist() == ids.tolist()
        assert set(answer["label_ids"].numpy()[row, len(ids):].tolist()) <= {-1}
    assert label_wav(wav_bytes=tf.constant([], tf.string))["label_ids"].shape[0] == 0
    refused(label_wav, "wav_bytes holds bytes that are not a WAV file", wav_bytes=tf.constant([b"RIFF....AVI LIST"]))
    eight_khz = tf.audio.encode_wav(tf.zeros([800, 1]), 8000).numpy()
    refused(label_wav, "sample rate is not 16000 Hz", wav_bytes=tf.constant([eight_khz]))


def test_zoo_serve_labels_a_wav_sent_as_base64_and_refuses_what_is_not_audio(trained):
    workdir, config, models, data = trained
    utterance = data.splits["test"][0]
    expected = predict_frames(models["main"], [dataclasses.replace(utterance, waveform=export.pcm16(utterance.waveform))],
                              data)[0]
    good = {"signature_name": "label_wav",
            "instances": [{"b64": base64.b64encode(export.wav_bytes(utterance.waveform)).decode()}]}
    bad = {"not a WAV": ({"signature_name": "label_wav", "instances": [{"b64": base64.b64encode(b"MThd" * 20).decode()}]},
                         "not a WAV file"),
           "a WAV of silence at 8 kHz": ({"signature_name": "label_wav", "instances": [{"b64": base64.b64encode(
               tf.audio.encode_wav(tf.zeros([800, 1]), 8000).numpy()).decode()}]}, "not 16000 Hz"),
           "NaN samples": ('{"instances": [[0.5, NaN, 0.25]]}', "NaN or Infinity"),
           "a waveform of strings": ({"instances": [["loud", "quiet"]]}, "expected numbers")}
    with serving([str(workdir)]) as client:
        for what, (body, words) in bad.items():
            answer = client.post("/v1/models/frame_labeling:predict",
                                 **({"content": body} if isinstance(body, str) else {"json": body}))
            assert answer.status_code == 400 and words in answer.json()["error"], (what, answer.text)
            answer = client.post("/v1/models/frame_labeling:predict", json=good)
            assert answer.status_code == 200, answer.text
            assert answer.json()["predictions"][0]["labels"] == [data.labels[i] for i in expected]


def test_the_tflite_file_takes_a_waveform_and_gives_the_keras_labels(trained):
    workdir, config, models, data = trained
    data_bytes = (workdir / "model.tflite").read_bytes()
    ops = operator_names(data_bytes)
    assert "RFFT2D" in ops and not [op for op in ops if op.startswith("CUSTOM") or "FLEX" in op], ops
    runner = TFLiteModel(data_bytes)
    samples = int(config.tflite_seconds * 16000)
    for utterance, expected in zip(data.splits["test"][:4], predict_frames(models["main"], data.splits["test"][:4], data)):
        waveform = np.zeros((1, samples), np.float32)
        waveform[0, : len(utterance.waveform)] = utterance.waveform
        logits = next(iter(runner(waveform=waveform, num_samples=np.array([len(utterance.waveform)], np.int32)).values()))
        assert np.argmax(logits[0, : len(expected)], -1).tolist() == expected.tolist()


def _write_wav(path, samples, rate=16000):
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())


def test_predict_prints_label_segments_and_reports_unreadable_files(trained, tmp_path, capsys):
    workdir, config, models, data = trained
    utterance = data.splits["test"][0]
    good, bad = tmp_path / "good.wav", tmp_path / "bad.wav"
    _write_wav(good, utterance.waveform)
    bad.write_bytes(b"NIST_1A\n   1024\n")
    assert main(["predict", "--workdir", str(workdir), str(bad), str(good)]) == 1
    captured = capsys.readouterr()
    assert "bad.wav" in captured.err and "NIST SPHERE" in captured.err
    lines = captured.out.strip().splitlines()
    frames = 1 + (len(utterance.waveform) - 400) // 160
    assert lines[0] == f"{good}: {frames} frames"
    bounds = [[float(t) for t in line.split()[0].split("–")] for line in lines[1:]]
    assert bounds[0][0] == 0.0 and bounds[-1][1] == round(len(utterance.waveform) / 16000, 3)
    assert all(a[1] == b[0] and a[0] < a[1] for a, b in zip(bounds, bounds[1:])), "contiguous, no overlap"
    assert all(line.split()[-1] in speech.LABELS for line in lines[1:])
    ids = predict_frames(trained[2]["main"], [utterance], data)[0]
    assert len(lines) - 1 == sum(1 for i in range(len(ids)) if i == 0 or ids[i] != ids[i - 1])


def test_zoo_load_gives_the_segments_predict_prints_from_a_path_or_resampled_samples(trained, tmp_path):
    workdir, config, models, data = trained
    utterance = data.splits["test"][1]
    path = tmp_path / "one.wav"
    _write_wav(path, utterance.waveform)
    records = list(frame_labeling.label_segments(models["main"], data.labels, [str(path)]))
    labeler = zoo.load(str(workdir))
    segments = labeler.predict(str(path))
    assert [(s["label"], round(s["start"], 4), round(s["end"], 4)) for s in segments] == [
        (s["label"], round(s["start"], 4), round(s["end"], 4)) for s in records[0]["segments"]]
    assert labeler.predict([str(path), str(path)]) == [segments, segments], "a padded batch labels as one alone"
    at_8k = labeler.predict(utterance.waveform[::2].copy(), sample_rate=8000)
    assert at_8k[0]["start"] == 0.0 and abs(at_8k[-1]["end"] - segments[-1]["end"]) < 0.01
    with pytest.raises(UsageError, match="frame_labeling model: waveform holds NaN"):
        labeler.predict(np.full(4000, np.nan, np.float32))

def test_segment_bounds_fall_halfway_between_frame_centres():
    # frames 0-2 "a", 3-4 "b" of a 1,100-sample utterance (5 frames: centres 200, 360, 520, 680, 840)
    assert frame_labeling.segment_bounds(0, 3, 5, 1100) == (0, 600)
    assert frame_labeling.segment_bounds(3, 5, 5, 1100) == (600, 1100)


def test_evaluate_and_export_verbs(trained, capsys):
    workdir = str(trained[0])
    assert main(["evaluate", "--workdir", workdir]) == 0
    out = capsys.readouterr().out
    assert "per-frame MLP" in out and "bidirectional lstm (main)" in out and "labels equal the whole-utterance" in out
    from zoo.export.__main__ import main as export_main

    assert export_main(["--workdir", workdir, "--no-quantized"]) == 0
    assert "serving/2" in capsys.readouterr().out  # the next version


def _timit_folder(root, utterances_by_split):
    """TRAIN/ and TEST/ folders of RIFF .wav + .phn, one folder per speaker, as TIMIT lays them out;
    returns the .wav paths of each folder."""
    paths = {}
    for folder, utterances in utterances_by_split.items():
        for index, utterance in enumerate(utterances):
            directory = root / "TIMIT" / folder / "DR1" / utterance.speaker
            directory.mkdir(parents=True, exist_ok=True)
            _write_wav(directory / f"SX{index}.wav", utterance.waveform)
            (directory / f"SX{index}.phn").write_text("".join(f"{s} {e} {label}\n" for s, e, label in utterance.segments))
            paths.setdefault(folder, []).append(directory / f"SX{index}.wav")
    return paths


def test_train_on_a_timit_folder_skips_and_counts_damaged_utterances(tmp_path, capsys):
    train = speech.generate("train", 30, seed=5)
    speakers = [f"M{index:03d}" for index in range(200)]
    validation_speaker = next(s for s in speakers if split_of(s, 0.1, 0.0) == "validation")
    train_speakers = [s for s in speakers if split_of(s, 0.1, 0.0) != "validation"][:5]
    for index, utterance in enumerate(train):
        utterance.speaker = validation_speaker if index < 6 else train_speakers[index % 5]
    test = speech.generate("test", 6, seed=5)
    paths = _timit_folder(tmp_path / "data", {"TRAIN": train, "TEST": test})
    no_phn, overlapping = paths["TRAIN"][10].with_suffix(".phn"), paths["TRAIN"][11].with_suffix(".phn")
    no_phn.unlink()  # a .wav with no .phn
    phn = overlapping.read_text().splitlines()
    start, end, label = phn[1].split()
    phn[1] = f"{int(start) - 10} {end} {label}"  # overlaps the range before it
    overlapping.write_text("\n".join(phn) + "\n")
    short = paths["TRAIN"][12]  # 300 labelled samples: not one whole 25 ms window
    _write_wav(short, train[12].waveform[:300])
    short.with_suffix(".phn").write_text("0 300 sil\n")
    workdir = tmp_path / "work"
    overrides = [o for o in TINY if not o.startswith(("compare", "train_utterances"))] + ["compare=[]",
                                                                                         "streaming=false"]
    assert main(recipe_arguments(workdir, overrides, "train", "--data", str(tmp_path / "data"))) == 0
    captured = capsys.readouterr()
    assert "skipped 3" in captured.out and "too short 1" in captured.out
    assert "SX10.wav" in captured.err and "SX11.phn" in captured.err and "SX12.wav: 300 labelled samples" in captured.err
    assert "train 21 utterances" in captured.out and "validation 6 utterances" in captured.out
    assert "test 6 utterances" in captured.out
    assert os.path.isfile(workdir / "model.keras")


def test_seven_speakers_train_with_a_repaired_validation_split(tmp_path, capsys):
    speakers = [f"M{index:03d}" for index in range(200)]
    train_speakers = [s for s in speakers if split_of(s, 0.1, 0.0) == "train"][:5]  # none hashes to validation
    train = speech.generate("train", 20, seed=7)
    for index, utterance in enumerate(train):
        utterance.speaker = train_speakers[index % 5]
    _timit_folder(tmp_path / "data", {"TRAIN": train, "TEST": speech.generate("test", 4, seed=7)})
    overrides = [o for o in TINY if not o.startswith(("compare", "train_utterances"))] + ["compare=[]",
                                                                                         "streaming=false"]
    workdir = tmp_path / "work"
    assert main(recipe_arguments(workdir, overrides, "train", "--data", str(tmp_path / "data"))) == 0
    out = capsys.readouterr().out
    assert "validation 4 utterances (" in out and "1 speakers" in out and "moved speaker" in out
    refused = main(recipe_arguments(tmp_path / "other", overrides + ["split_by='speaker'", "test_fraction=0.5"],
                                    "train", "--data", str(tmp_path / "data" / "TIMIT" / "TRAIN" / "DR1" /
                                                           train_speakers[0])))
    assert refused == 2 and 'split_by="auto"' in capsys.readouterr().err


def test_bad_settings_and_missing_data_get_one_line_errors(tmp_path, capsys):
    assert main(["train", "--workdir", str(tmp_path), "--set", "compare=['transformer']"]) == 2
    assert "`compare` must be one of" in capsys.readouterr().err
    assert main(["train", "--workdir", str(tmp_path), "--data", str(tmp_path / "nowhere")]) == 2
    assert "nowhere" in capsys.readouterr().err


def test_tune_searches_with_validation_frame_accuracy_as_the_objective(tmp_path, capsys):
    overrides = TINY + ["tune.cells=['gru']", "tune.max_depth=1", "tune.max_units=8", "tune.min_units=4",
                        "tune.bidirectional=[false]"]
    assert main(recipe_arguments(tmp_path, overrides, "tune", "--max-trials", "1")) == 0
    rows = (tmp_path / "tuning" / "trials.csv").read_text().splitlines()
    assert len(rows) == 2 and "val_frame_accuracy" in rows[0]
    row = dict(zip(rows[0].split(","), rows[1].split(",")))
    assert row["cell"] == "gru" and row["bidirectional"] == "False" and 0 <= float(row["val_frame_accuracy"]) <= 100
    assert "bidirectional = false" in (tmp_path / "tuning" / "best.toml").read_text()


def _two_workers(tmp_path, *arguments):
    """Runs the recipe's command line in two local worker processes of one cluster; their (stdout, stderr)."""
    from tests.test_distribute import _environment, _free_ports, run_together

    ports = _free_ports(2)
    commands, environments = [], []
    for index in range(2):
        cluster = {"cluster": {"worker": [f"127.0.0.1:{port}" for port in ports]},
                   "task": {"type": "worker", "index": index}}
        environments.append({**_environment(), "TF_CONFIG": json.dumps(cluster), "ZOO_CACHE": str(tmp_path / "cache")})
        commands.append(["zoo.recipes.frame_labeling", *arguments, "--strategy", "multi_worker",
                         "--workdir", str(tmp_path / f"worker{index}")])
    return run_together(commands, environments)


def test_two_workers_train_the_recipe_and_the_chief_evaluates_and_exports(tmp_path):
    overrides = [o for o in TINY if not o.startswith("compare")] + ["compare=[]", "streaming=false", "quantizations=[]"]
    outputs = _two_workers(tmp_path, *recipe_arguments(tmp_path / "unused", overrides)[2:])
    assert "worker done" in outputs[1][0] and not (tmp_path / "worker1").exists()
    for name in ("model.keras", "metrics.json", "serving/1/saved_model.pb", "model.tflite", "checkpoints"):
        assert (tmp_path / "worker0" / name).exists(), name


def test_tune_with_the_mirrored_strategy(tmp_path):
    overrides = TINY + ["tune.max_depth=1", "tune.max_units=8", "tune.min_units=4"]
    assert main(recipe_arguments(tmp_path, overrides, "tune", "--max-trials", "1", "--strategy", "mirrored")) == 0
    assert len((tmp_path / "tuning" / "trials.csv").read_text().splitlines()) == 2


def test_every_tflite_file_carries_its_metadata(trained):
    workdir = trained[0]
    assert_described(workdir, "frame_labeling", {"labels": list(trained[3].labels), "sample_rate": 16000})


def test_the_zoo_load_example_of_the_docs_runs(trained, tmp_path):
    workdir, config, models, data = trained
    wav = export.wav_bytes(data.splits["test"][0].waveform)
    printed = run_example("frame_labeling", workdir, str(tmp_path), {"utterance.wav": wav}).splitlines()
    segments = zoo.load(str(workdir)).predict(str(tmp_path / "utterance.wav"))
    assert [line.split()[-1] for line in printed] == [segment["label"] for segment in segments] and segments
