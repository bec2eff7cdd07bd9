"""The frame labeling recipe's verbs as library functions: train, evaluate, predict, export, tune, and
the default run that does all of them. `zoo/recipes/frame_labeling.py` only parses arguments."""

import dataclasses
import os

import numpy as np

from zoo.data.timit import read_wav
from zoo.data.utterances import HOP, SAMPLE_RATE, WINDOW, segments_of
from zoo.encoders.audio import LogMelFrontEnd
from zoo.frame_labeling.config import FrameLabelingConfig
from zoo.frame_labeling.data import frame_dataset, load_data
from zoo.frame_labeling.evaluate import confusion, predict_frames, score
from zoo.frame_labeling.export import export_frame_labeler
from zoo.frame_labeling.streaming import StreamingLabeler
from zoo.plots import plot_confusion, plot_training_curves
from zoo.registry import create_model
from zoo.tables import format_table
from zoo.epoch_policy import Objective
from zoo.workdir import MAIN_MODEL as MAIN
from zoo.workdir import check_same_labels, model_workdir, train_evaluate_export, train_in_workdir, write_json
from zoo.workdir import load_trained as load_trained_models

RECIPE = "frame_labeling"
OBJECTIVE = Objective("val_frame_accuracy", higher_is_better=True)  # each epoch is judged by it
STREAMING = "streaming"
MODEL_KEYS = ("seed", "cell", "units", "depth", "bidirectional", "num_mels", "mlp_units", "data", "fold_timit_39",
              "train_utterances")
STATISTICS_UTTERANCES = 300  # training utterances the streaming model's feature statistics come from


def model_names(config):
    """The models `train` builds, in table order: the comparisons, the main model, the streaming one."""
    return [*config.compare, MAIN] + ([STREAMING] if config.streaming else [])


def describe(name, config):
    """The row name of a model in the results table."""
    if name == MAIN:
        return f"{'bidirectional' if config.bidirectional else 'unidirectional'} {config.cell} (main)"
    if name == STREAMING:
        return f"streaming {config.cell} (causal)"
    if name == "mlp":
        return "per-frame MLP"
    if name == "unidirectional":
        return f"unidirectional {config.cell}"
    return f"bidirectional {name}"


def feature_statistics(utterances, num_mels):
    """Mean and variance of the causal front end's log-mel features over `utterances`."""
    front_end = LogMelFrontEnd(num_mels, deltas=False, normalization="none")
    frames = np.concatenate([np.asarray(front_end.log_mel(u.waveform[None]))[0] for u in utterances])
    return frames.mean(0), frames.var(0)


def build_model(name, config, num_labels, statistics=None, architecture="frame_tagger"):
    """Model `name` of the recipe (see `model_names`) from `config`; the recurrent ones as `architecture`
    (a registered name)."""
    common = dict(num_labels=num_labels, depth=config.depth, dropout=config.dropout, num_mels=config.num_mels,
                  learning_rate=config.learning_rate, clipnorm=config.clipnorm)
    if name == "mlp":
        return create_model("frame_tagger", network="mlp", units=config.mlp_units, **common)
    cell = config.cell if name in (MAIN, "unidirectional", STREAMING) else name
    if name == STREAMING:
        mean, variance = statistics
        return create_model("frame_tagger", cell=cell, units=config.units, bidirectional=False, streaming=True,
                            feature_mean=mean, feature_variance=variance, **common)
    bidirectional = config.bidirectional if name == MAIN else name != "unidirectional"
    return create_model(architecture, cell=cell, units=config.units, bidirectional=bidirectional, **common)


def _fit_one(name, config, data, workdir, verbose):
    def build():
        statistics = None
        if name == STREAMING:
            statistics = feature_statistics(data.splits["train"][:STATISTICS_UTTERANCES], config.num_mels)
        return build_model(name, config, len(data.labels), statistics)

    def datasets():
        return (frame_dataset(data.splits["train"], data, config.batch_size, shuffle=True, seed=config.seed),
                frame_dataset(data.splits["validation"], data, config.batch_size))

    return train_in_workdir(model_workdir(workdir, name), config, RECIPE, FrameLabelingConfig, MODEL_KEYS, build,
                            datasets, describe(name, config), verbose, objective=OBJECTIVE)


def _save_labels(labels, workdir):
    write_json(os.path.join(workdir, "labels.json"), list(labels))


def train(config, workdir, verbose=1):
    """Trains the main bidirectional model into `workdir`, and each comparison and the streaming model
    into `workdir/models/<name>`, every one on the same budget; resumes interrupted runs.

    Returns:
        `(models, data)`: {name: model} in table order (see `model_names`), and the `FrameData`.
    """
    os.makedirs(workdir, exist_ok=True)
    data = load_data(config)
    print(data.summary())
    _save_labels(data.labels, workdir)
    models = {name: _fit_one(name, config, data, workdir, verbose) for name in model_names(config)}
    plot_training_curves(os.path.join(workdir, "history.csv"), os.path.join(workdir, "training.png"))
    return models, data


def load_trained(workdir):
    """`(config, models, labels)` of what `train` left in `workdir` (models missing on disk left out)."""
    return load_trained_models(workdir, RECIPE, FrameLabelingConfig, model_names)


def _loaded_data(config, labels):
    data = load_data(config)
    check_same_labels(data.labels, labels)
    return data


def streaming_check(model, utterance, chunk_ms):
    """`(chunks, equal)`: the streaming labeler fed `utterance` in chunks of `chunk_ms` against the
    same model run on the whole utterance at once."""
    labeler = StreamingLabeler(model)
    size = max(1, chunk_ms * SAMPLE_RATE // 1000)
    pieces = [utterance.waveform[i:i + size] for i in range(0, len(utterance.waveform), size)]
    streamed = np.concatenate([labeler.feed(piece) for piece in pieces])
    whole = model({"waveform": utterance.waveform[None], "num_samples": np.array([len(utterance.waveform)])},
                  training=False)
    return len(pieces), np.array_equal(streamed, np.argmax(np.asarray(whole)[0], -1))


def evaluate(workdir, models=None, data=None, config=None):
    """Scores every model on the test split, prints the table, per-class F1 and example labelings,
    checks streaming, writes metrics.json and confusion.png. Returns the results dict."""
    if models is None:
        config, models, labels = load_trained(workdir)
        data = _loaded_data(config, labels)
    test = data.splits["test"]
    targets = [data.targets(u) for u in test]
    results, main_predictions = {}, None
    for name, model in models.items():
        predictions = predict_frames(model, test, data, config.batch_size)
        results[name] = {"model": describe(name, config), "parameters": int(model.count_params()),
                         **score(targets, predictions, data.labels)}
        main_predictions = predictions if name == MAIN else main_predictions
    rows = [[r["model"], r["parameters"], r["frame_accuracy"], r["macro_f1"], r["phone_error_rate"]]
            for r in results.values()]
    whose = ("unseen speakers" if data.split_unit == "speaker"
             else "speakers also in train (split by utterance: scores overstate new speakers')")
    print(f"test split: {len(test)} utterances of {whose}; every model trained within the same "
          f"{config.train_minutes:g}-minute budget")
    print(format_table(["model", "parameters", "frame accuracy %", "macro F1 %", "phone error rate %"], rows))
    per_class = results[MAIN]["f1"]
    print(format_table(["label", "F1 % (main)"], [[label, per_class[label]] for label in data.labels]))
    if STREAMING in models and test:
        chunks, equal = streaming_check(models[STREAMING], test[0], config.chunk_ms)
        results[STREAMING]["streaming_equals_whole"] = bool(equal)
        print(f"streaming: {test[0].name} fed in {chunks} chunks of {config.chunk_ms} ms; labels "
              f"{'equal' if equal else 'DIFFER from'} the whole-utterance labels")
    for utterance, target, guess in list(zip(test, targets, main_predictions))[: config.examples]:
        print(f"  {utterance.name}  reference: {' '.join(label for *_, label in segments_of(data.labels[i] for i in target))}")
        print(f"  {' ' * len(utterance.name)}  predicted: {' '.join(label for *_, label in segments_of(data.labels[i] for i in guess))}")
    write_json(os.path.join(workdir, "metrics.json"), {"test": results, "test_utterances": len(test),
                                                       "split": data.split_report()})
    plot_confusion(confusion(targets, main_predictions, data.labels), data.labels, os.path.join(workdir, "confusion.png"),
                   counted="frames")
    return results


def segment_bounds(first, end, frames, num_samples):
    """Samples `[start, stop)` of the frames `[first, end)` of an utterance of `frames` frames: a label
    holds at its frame's centre, so boundaries fall halfway between neighbouring centres (the first
    segment starts at 0, the last ends with the audio)."""
    between = (WINDOW - HOP) // 2  # frame i's boundary with frame i - 1: i * HOP + between
    start = 0 if first == 0 else first * HOP + between
    stop = num_samples if end == frames else end * HOP + between
    return start, stop


def predict(workdir, paths):
    """Yields a record per WAV file: `{"input": path, "frames": n, "segments": [{"start", "end", "label"},
    ...]}` (times in seconds), or `{"input": path, "error": ...}` for a file that can't be read (skipped)."""
    config, models, labels = load_trained(workdir)
    model = models[MAIN]
    for path in paths:
        try:
            waveform = read_wav(path, SAMPLE_RATE)
        except ValueError as error:  # it names the file
            yield {"input": path, "error": str(error)}
            continue
        except OSError as error:
            yield {"input": path, "error": f"{path}: {error}"}
            continue
        if len(waveform) < WINDOW:
            yield {"input": path, "error": f"{path}: {len(waveform)} samples, shorter than one 25 ms window; skipped"}
            continue
        logits = model({"waveform": waveform[None], "num_samples": np.array([len(waveform)])}, training=False)
        ids = np.argmax(np.asarray(logits)[0], -1)
        segments = []
        for first, end, label in segments_of(labels[i] for i in ids):
            start, stop = segment_bounds(first, end, len(ids), len(waveform))
            segments.append({"start": start / SAMPLE_RATE, "end": stop / SAMPLE_RATE, "label": label})
        yield {"input": path, "frames": len(ids), "segments": segments}


def predict_text(record):
    """predict's text of `record`: the file's frame count, then a line per segment (None for a file that
    can't be read: stderr says so)."""
    if "error" in record:
        return None
    return "\n".join([f"{record['input']}: {record['frames']} frames"] +
                     [f"  {s['start']:.3f}–{s['end']:.3f} s  {s['label']}" for s in record["segments"]])


def export(workdir, models=None, data=None, config=None, verbose=True, overrides=None):
    """Exports the trained models of `workdir` (see `zoo.frame_labeling.export`); `overrides` replace config
    values (export_tolerance, agreement_threshold, quantizations)."""
    if models is None:
        config, models, labels = load_trained(workdir)
        data = _loaded_data(config, labels)
    if overrides:
        config = dataclasses.replace(config, **overrides)
    return export_frame_labeler(models[MAIN], data, config, workdir, models.get(STREAMING), verbose=verbose)


def run(config, workdir, verbose=1):
    """The default run: train (main, comparisons, streaming), evaluate, export."""
    train_evaluate_export(config, workdir, train, evaluate, export, verbose)


def tuning_target(data):
    """The frame labeling recipe's `TuningTarget`: validation frame accuracy, maximized."""
    from zoo.tuning.search import TuningTarget, fit_trial

    def train_and_score(model, config, trial_dir, fit_kwargs):
        train_set = frame_dataset(data.splits["train"], data, config.batch_size, shuffle=True, seed=config.seed)
        validation = frame_dataset(data.splits["validation"], data, config.batch_size)
        fit_trial(model, train_set, validation, config, trial_dir, fit_kwargs, objective=OBJECTIVE)
        targets = [data.targets(u) for u in data.splits["validation"]]
        predictions = predict_frames(model, data.splits["validation"], data, config.batch_size)
        return score(targets, predictions, data.labels)["frame_accuracy"]

    def build(config):
        return build_model(MAIN, config, len(data.labels))

    return TuningTarget(RECIPE, "val_frame_accuracy", build, train_and_score)


def tune(config, workdir, tuner="random", max_trials=10, budget_minutes=0.0, verbose=1, strategy=None):
    """Searches cell, depth, width, dropout and learning rate (see `zoo.tuning.search`)."""
    from zoo.tuning.search import search

    data = load_data(config)
    print(data.summary())
    return search(tuning_target(data), config, workdir, tuner, max_trials, budget_minutes, verbose=bool(verbose),
                  strategy=strategy)

