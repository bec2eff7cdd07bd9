"""`MODEL_CARD.md` of a workdir, written from what the workdir holds: the settings (`config.json`), the
scores and how they were measured (`metrics.json`), the exported forms with their parity and latency
(`export_report.json`). Each verb that writes one of them (evaluate, export) writes the card again."""

import datetime
import importlib.metadata
import json
import os
import platform

from zoo.atomic import atomic_file

CARD = "MODEL_CARD.md"


def provenance(recipe_name, workdir):
    """What a score depends on besides the model: the command that measured it, when, and the versions."""
    import keras
    import tensorflow as tf

    return {"command": f"python -m zoo.recipes.{recipe_name} evaluate --workdir {workdir}",
            "measured_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "zoo": importlib.metadata.version("zoo"), "tensorflow": tf.__version__, "keras": keras.__version__,
            "python": platform.python_version()}


def _read(workdir, name):
    path = os.path.join(workdir, name)
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def _numbers(value, path=()):
    """`(dotted path, number)` of every number in a nested dict (lists left out: per-step curves)."""
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield ".".join(path), value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in ("provenance", "split"):
                yield from _numbers(item, path + (str(key),))


def _metrics_section(metrics):
    if metrics is None:
        return ["Not evaluated yet: run `evaluate`."]
    lines = ["| measure | value |", "|---|---|"]
    lines += [f"| {name} | {value:.4g} |" for name, value in _numbers(metrics)]
    split = metrics.get("split")
    if split:
        lines += ["", "Split by " + str(split.get("unit", "record")) + ": " +
                  ", ".join(f"{name} {size}" for name, size in split.items() if name != "unit") + "."]
    for name, signature in (metrics.get("sacrebleu") or {}).items():
        lines.append(f"sacrebleu {name} signature: `{signature}`.")
    measured = metrics.get("provenance")
    if measured:
        lines += ["", f"Measured by `{measured['command']}` at {measured['measured_at']} with zoo {measured['zoo']}, "
                      f"TensorFlow {measured['tensorflow']}, Keras {measured['keras']}, Python {measured['python']}."]
    return lines


def _exports_section(report):
    if not report:
        return ["Not exported yet: run `export`."]
    lines = ["| artifact | size | max abs diff from Keras | agreement | latency (ms) |", "|---|---|---|---|---|"]
    for row in report:
        size = f"{row['bytes'] / 1024:.1f} KiB" if row.get("bytes") is not None else "-"
        diff = f"{row['max_abs_diff']:.2e}" if row.get("max_abs_diff") is not None else "-"
        agreement = f"{100 * row['argmax_agreement']:.1f} %" if row.get("argmax_agreement") is not None else "-"
        latency = f"{row['latency_ms']:.2f}" if row.get("latency_ms") is not None else "-"
        refused = f" (refused: {row['refused']})" if row.get("refused") else ""
        lines.append(f"| {row.get('artifact', '?')}{refused} | {size} | {diff} | {agreement} | {latency} |")
    return lines + ["", "Each artifact was written only after it agreed with the Keras model (zoo.export)."]


def model_card(recipe, workdir):
    """The text of the workdir's model card (see the module's docstring)."""
    from zoo.config import read_saved_config

    config = read_saved_config(recipe.config_class, os.path.join(workdir, "config.json"))
    data = f"`{config.data}`, the user's own (`--data`)" if getattr(config, "data", "") else recipe.embedded_data
    settings = {key: value for key, value in _read(workdir, "config.json").items() if key != "recipe"}
    lines = [f"# Model card: {recipe.name}, {recipe.describe('main', config)}", "",
             "## Intended use", "", recipe.description, "",
             "## Data", "", f"Trained on {data}.", "",
             "## Metrics (test split)", "", *_metrics_section(_read(workdir, "metrics.json")), "",
             "## Exported forms", "", *_exports_section(_read(workdir, "export_report.json")), "",
             "## Settings", "", "```json", json.dumps(settings, indent=1, ensure_ascii=False), "```", ""]
    return "\n".join(lines)


def write_model_card(recipe, workdir):
    """Writes `workdir/MODEL_CARD.md` whole (atomically)."""
    with atomic_file(os.path.join(workdir, CARD)) as staging, open(staging, "w", encoding="utf-8") as file:
        file.write(model_card(recipe, workdir))
