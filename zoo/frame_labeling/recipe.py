"""The frame labeling recipe (`python -m zoo.recipes.frame_labeling`): its data, models (the main
bidirectional one, the comparisons trained on the same budget, the streaming one), score, predict and
export on the recipe contract (`zoo.recipe`)."""

import os

import numpy as np

from zoo.config import DEEP_KEYS, deep_options, optimizer_options
from zoo.data.timit import read_wav
from zoo.data.utterances import HOP, SAMPLE_RATE, WINDOW, segment_bounds, segments_of
from zoo.encoders.audio import LogMelFrontEnd
from zoo.epoch_policy import Objective
from zoo.frame_labeling.config import FrameLabelingConfig
from zoo.frame_labeling.data import frame_dataset, load_data
from zoo.frame_labeling.evaluate import confusion, predict_frames, score
from zoo.frame_labeling.export import export_frame_labeler
from zoo.frame_labeling.streaming import StreamingLabeler
from zoo.plots import plot_confusion
from zoo.recipe import MAIN, Recipe
from zoo.registry import create_model
from zoo.tables import format_table
from zoo.workdir import check_same_labels, read_json, write_json

OBJECTIVE = Objective("val_frame_accuracy", higher_is_better=True)  # each epoch is judged by it
STREAMING = "streaming"
MODEL_KEYS = (*DEEP_KEYS, "seed", "cell", "units", "depth", "bidirectional", "num_mels", "mlp_units", "data", "fold_timit_39",
              "train_utterances")
STATISTICS_UTTERANCES = 300  # training utterances the streaming model's feature statistics come from
LABELS_FILE = "labels.json"


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
                  **optimizer_options(config))
    if name == "mlp":
        return create_model("frame_tagger", network="mlp", units=config.mlp_units, **common)
    cell = config.cell if name in (MAIN, "unidirectional", STREAMING) else name
    common.update(deep_options(config, cell))
    if name == STREAMING:
        mean, variance = statistics
        return create_model("frame_tagger", cell=cell, units=config.units, bidirectional=False, streaming=True,
                            feature_mean=mean, feature_variance=variance, **common)
    bidirectional = config.bidirectional if name == MAIN else name != "unidirectional"
    return create_model(architecture, cell=cell, units=config.units, bidirectional=bidirectional, **common)


def trained_labels(workdir):
    """The labels (in id order) train saved in `workdir`'s labels.json."""
    return tuple(read_json(os.path.join(workdir, LABELS_FILE), "train"))


def training_datasets(data, config):
    """(train, validation) tf.data pipelines of (waveform, frame labels), every model's."""
    return (frame_dataset(data.splits["train"], data, config.batch_size, shuffle=True, seed=config.seed),
            frame_dataset(data.splits["validation"], data, config.batch_size))


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


def label_segments(model, labels, paths):
    """Yields a record per WAV file: `{"input": path, "frames": n, "segments": [{"start", "end", "label"},
    ...]}` (times in seconds), or `{"input": path, "error": ...}` for a file that can't be read (skipped)."""
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


class FrameLabelingRecipe(Recipe):
    """Frame labeling: a log-mel front end and a stacked bidirectional RNN label every 10 ms frame, beside
    comparison models trained on the same budget and a causal streaming model."""

    name = "frame_labeling"
    config_class = FrameLabelingConfig
    embedded_data = (  # what the default run trains on, and its limits (the model card's Data)
        "synthesized speech (`zoo.data.speech`: formant-shaped voicing and noise for each phone, many "
        "synthetic speakers): not recorded speech; TIMIT or a folder in its layout is the real task "
        "(`--data`)"
    )
    description = (
        "Speech-frame labeling: a log-mel front end and a stacked bidirectional RNN label every 10 ms frame. With no "
        "verb: train on the embedded synthetic speech (or --data DIR, TIMIT layout: .wav + .phn) beside a per-frame "
        "MLP, a unidirectional RNN, other cells and a streaming model, evaluate on unseen speakers, export."
    )
    verbs = {
        "train": "train every model (resumes an interrupted run from its last checkpoint)",
        "evaluate": "frame accuracy, F1 and phone error rate on the test split; metrics.json, confusion.png",
        "predict": "print the label segments (start, end, label) of each WAV file",
        "tune": "search cell type, depth, hidden size, dropout and learning rate with keras-tuner",
        "export": "write the SavedModel (waveform → frame labels), TFLite files and the streaming model, each checked",
    }
    model_keys = MODEL_KEYS
    predict_help = "RIFF WAV files (16-bit PCM mono; resampled to 16 kHz)"

    def load_data(self, config, workdir, training, verbose=True):
        """The splits of the config; train saves their labels (labels.json), the other verbs refuse data
        whose labels differ from those."""
        data = load_data(config)
        if training:
            write_json(os.path.join(workdir, LABELS_FILE), list(data.labels))
        elif workdir is not None:
            check_same_labels(data.labels, trained_labels(workdir))
        return data

    def model_names(self, config):
        return model_names(config)

    def describe(self, name, config):
        return describe(name, config)

    def build(self, name, config, data):
        statistics = None
        if name == STREAMING:
            statistics = feature_statistics(data.splits["train"][:STATISTICS_UTTERANCES], config.num_mels)
        return build_model(name, config, len(data.labels), statistics)

    def datasets(self, name, config, data):
        return training_datasets(data, config)

    def objective(self, config, data):
        return OBJECTIVE

    def score(self, trained):
        """Scores every model on the test split, prints the table, per-class F1 and example labelings,
        checks streaming, writes confusion.png."""
        config, data, models = trained.config, trained.data, trained.models
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
            print(f"  {utterance.name}  reference: "
                  f"{' '.join(label for *_, label in segments_of(data.labels[i] for i in target))}")
            print(f"  {' ' * len(utterance.name)}  predicted: "
                  f"{' '.join(label for *_, label in segments_of(data.labels[i] for i in guess))}")
        plot_confusion(confusion(targets, main_predictions, data.labels), data.labels,
                       os.path.join(trained.workdir, "confusion.png"), counted="frames")
        return {"test": results, "test_utterances": len(test), "split": data.split_report()}

    def validation_score(self, model, config, data):
        """Frame accuracy (%) on the whole validation split."""
        validation = data.splits["validation"]
        predictions = predict_frames(model, validation, data, config.batch_size)
        return score([data.targets(u) for u in validation], predictions, data.labels)["frame_accuracy"]

    def predict_records(self, trained, inputs):
        """A record per WAV file (see `label_segments`), labelled by the main model with the labels
        train saved."""
        return label_segments(trained.main, trained_labels(trained.workdir), inputs)

    def predict_text(self, record):
        """The file's frame count, then a line per segment (None for a file that can't be read: stderr
        says so)."""
        if "error" in record:
            return None
        return "\n".join([f"{record['input']}: {record['frames']} frames"] +
                         [f"  {s['start']:.3f}–{s['end']:.3f} s  {s['label']}" for s in record["segments"]])

    def export_metadata(self, trained):
        return {
            "labels": list(trained.data.labels),
            "sample_rate": SAMPLE_RATE,
            "frames": {"window_samples": WINDOW, "hop_samples": HOP, "count": "1 + (num_samples - window) // hop"},
            "descriptions": {
                "waveform": f"mono audio, float32 samples in [-1, 1] at {SAMPLE_RATE} Hz, zero-padded to the input's "
                            f"length ({trained.config.tflite_seconds:g} s)",
                "num_samples": "how many samples of waveform are real audio",
                "logits": "a score per label for every 10 ms frame; frames past the real audio are padding"}}

    def export_models(self, trained, verbose):
        """The main model's artifacts and the streaming model (see `zoo.frame_labeling.export`)."""
        return export_frame_labeler(trained.main, trained.data, trained.config, trained.workdir,
                                    trained.models.get(STREAMING), verbose=verbose)


RECIPE = FrameLabelingRecipe()
