"""One row of the own-data comparison: a recipe's model trained on a corpus within a budget and scored on
its test split, through the recipe's own functions (data, datasets, `zoo.training.fit` with the recipe's
objective, early stopping and kept epoch, decoding, scores); only the architecture changes."""

import dataclasses

import keras

from zoo.bench.own_data.keras_models import copy_weights
from zoo.config import load_config, stopping
from zoo.training import fit

TWIN_PREFIX = "keras_"  # "keras_seq2seq" is the Keras twin of "seq2seq"


@dataclasses.dataclass(frozen=True)
class Trained:
    """What one row measured: its test scores and how its run went."""

    scores: dict
    epochs: int
    best_epoch: int
    stopped_by: str
    parameters: int


def _model(build, architecture, seed, paired):
    """The row's model, `build(architecture)` after seeding; with `paired`, a Keras twin starts from the
    weights the zoo model of the same seed starts from, so the two rows differ only in their layers."""
    keras.utils.set_random_seed(seed)
    if not (paired and architecture.startswith(TWIN_PREFIX)):
        return build(architecture)
    start = build(architecture.removeprefix(TWIN_PREFIX))
    twin = build(architecture)
    copy_weights(start, twin)
    return twin


def _fit(model, datasets, objective, config, workdir):
    return fit(model, *datasets, workdir, verbose=0, objective=objective, **stopping(config))


def _trained(model, report, scores):
    return Trained(scores, report.last_epoch, report.best_epoch, report.stopped_by, int(model.count_params()))


def translation(corpus, minutes, seed, architecture, workdir, paired=True):
    from zoo.translation import recipe
    from zoo.translation.config import TranslationConfig
    from zoo.translation.data import load_data, translation_dataset
    from zoo.translation.evaluate import evaluate

    config = load_config(TranslationConfig, overrides=[f"data={corpus!r}", f"train_minutes={minutes}", f"seed={seed}"])
    data = load_data(config)
    model = _model(lambda name: recipe.build_model(config, data, config.attention, name), architecture, seed, paired)
    datasets = [translation_dataset(data.splits[split], data, config, shuffle=split == "train")
                for split in ("train", "validation")]
    report = _fit(model, datasets, recipe.validation_objective(data, config), config, workdir)
    results, _ = evaluate({"model": model}, data, config)
    beam = results[f"model, beam {config.beam_width}"] if config.beam_width > 1 else results["model, greedy"]
    return _trained(model, report, {"BLEU": beam["bleu"], "exact %": beam["exact_match"],
                                    "greedy BLEU": results["model, greedy"]["bleu"]})


def captioning(corpus, minutes, seed, architecture, workdir, paired=True):
    from zoo.captioning import recipe
    from zoo.captioning.config import CaptioningConfig
    from zoo.captioning.data import load_data, training_datasets
    from zoo.captioning.evaluate import evaluate

    config = load_config(CaptioningConfig, overrides=[f"data={corpus!r}", f"train_minutes={minutes}", f"seed={seed}"])
    data = load_data(config, config.data, progress=False)
    model = _model(lambda name: recipe.build_model(config, data.vocabulary, name), architecture, seed, paired)
    report = _fit(model, training_datasets(data, config), recipe.validation_objective(data, config), config, workdir)
    results, _ = evaluate(model, data, config)
    return _trained(model, report, {"BLEU-4": results["greedy"]["bleu4"], "exact %": results["greedy"]["exact_match"],
                                    "beam BLEU-4": results.get("beam", results["greedy"])["bleu4"]})


def frame_labeling(corpus, minutes, seed, architecture, workdir, paired=True):
    from zoo.frame_labeling import recipe
    from zoo.frame_labeling.config import FrameLabelingConfig
    from zoo.frame_labeling.data import frame_dataset, load_data
    from zoo.frame_labeling.evaluate import predict_frames, score
    from zoo.workdir import MAIN_MODEL

    config = load_config(FrameLabelingConfig,
                         overrides=[f"data={corpus!r}", f"train_minutes={minutes}", f"seed={seed}"])
    data = load_data(config)
    model = _model(lambda name: recipe.build_model(MAIN_MODEL, config, len(data.labels), architecture=name),
                   architecture, seed, paired)
    datasets = (frame_dataset(data.splits["train"], data, config.batch_size, shuffle=True, seed=config.seed),
                frame_dataset(data.splits["validation"], data, config.batch_size))
    report = _fit(model, datasets, recipe.OBJECTIVE, config, workdir)
    test = data.splits["test"]
    results = score([data.targets(u) for u in test], predict_frames(model, test, data, config.batch_size), data.labels)
    return _trained(model, report, {"frame accuracy %": results["frame_accuracy"],
                                    "phone error rate %": results["phone_error_rate"]})


RECIPES = {"translation": translation, "captioning": captioning, "frame_labeling": frame_labeling}
ZOO_ARCHITECTURES = {"translation": "seq2seq", "captioning": "captioner", "frame_labeling": "frame_tagger"}
ARCHITECTURES = {  # row → the registered model of each recipe
    "zoo": ZOO_ARCHITECTURES,
    "keras": {recipe: TWIN_PREFIX + name for recipe, name in ZOO_ARCHITECTURES.items()},
}
