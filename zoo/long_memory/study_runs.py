"""The lab's studies run and printed: LSTM variants, deep RNNs against stacking, clipping modes (see
`zoo.long_memory.studies`), at the size `study_size` names."""

import dataclasses
import os

import keras
import numpy as np

from zoo.long_memory import plots, studies
from zoo.tables import format_table
from zoo.workdir import read_json, write_json

STUDIES_FILE = "studies.json"


@dataclasses.dataclass(frozen=True)
class StudySize:
    """How large the studies run: tasks ("adding:50" is the adding problem at T = 50, "copy:10" the copy task
    at T = 10, "characters" the character language model), training steps per run, learning rates tried,
    seeds."""

    variant_tasks: tuple
    deep_tasks: tuple
    steps: int
    character_steps: int
    learning_rates: tuple
    seeds: int
    examples: tuple = (4000, 500, 500)
    character_windows: tuple = (6000, 300, 300)
    character_window: int = 32
    norms_length: int = 1000


SIZES = {
    # The default run's size: the whole lab took 6 min 16 s on 2 cores with it.
    "quick": StudySize(variant_tasks=("adding:30",), deep_tasks=("adding:20",), steps=500, character_steps=300,
                       learning_rates=(1e-2,), seeds=1),
    # What the README's tables were measured with.
    "full": StudySize(variant_tasks=("adding:50", "adding:100", "copy:10", "copy:20", "characters"),
                      deep_tasks=("characters", "adding:20"), steps=800, character_steps=500,
                      learning_rates=(3e-3, 1e-2), seeds=3),
}


def make_task(kind, size, config):
    """The task a `StudySize` entry names ("adding:50", "copy:10", "characters")."""
    name, _, length = kind.partition(":")
    if name == "adding":
        return studies.adding_task(int(length), config, size.examples)
    if name == "copy":
        return studies.copy_study_task(int(length), config, size.examples)
    return studies.character_task(config, size.character_window, size.character_windows)


def _plan(config, size):
    """`[(study, task kind)]` of the training studies `config.studies` names."""
    plan = []
    if "variants" in config.studies:
        plan += [("variants", kind) for kind in size.variant_tasks]
    if "deep" in config.studies:
        plan += [("deep", kind) for kind in size.deep_tasks]
    return plan


def run_studies(config, workdir, verbose=1):
    """Runs the studies of `config.studies` at `config.study_size`; writes studies.json, state_norms.png and
    clipping.png (those it makes) in `workdir`, and returns the results."""
    size = SIZES[config.study_size]
    seeds = tuple(config.seed + index for index in range(size.seeds))
    plan = _plan(config, size)
    runs_per_row = len(size.learning_rates) + len(seeds) - 1
    total = sum(runs_per_row * (len(studies.LSTM_ROWS) if study == "variants" else len(studies.DEEP_SHAPES))
                for study, _ in plan)  # fmt: skip
    progress = keras.utils.Progbar(max(total, 1), unit_name="run", verbose=1 if verbose and total else 0)
    results = {"size": config.study_size, "seeds": list(seeds), "variants": {}, "deep": {}}
    for study, kind in plan:
        task = make_task(kind, size, config)
        steps = size.character_steps if kind == "characters" else size.steps
        if study == "variants":
            rows = studies.lstm_rows()
        else:
            rows = studies.deep_rows(task, "simple_rnn")
        ran = studies.run_rows(task, rows, config, steps, size.learning_rates, seeds,
                               progress=lambda: progress.add(1))  # fmt: skip
        if study == "variants" and kind == size.variant_tasks[0] and kind.startswith("adding"):
            results["state_norms"] = {
                name: studies.state_norms(ran[name]["model"], size.norms_length, config.seed)
                for name in ("vanilla (zoo's default)", "no forget gate", "no output activation")}  # fmt: skip
        results[study][task.name] = {
            "score": task.score_name, "steps": steps,
            "rows": {name: {key: value for key, value in row.items() if key != "model"} for name, row in ran.items()}}
    if "state_norms" in results:
        plots.plot_state_norms(results["state_norms"], os.path.join(workdir, "state_norms.png"))
    if "clipping" in config.studies:
        results["clipping"] = studies.clipping_modes(config)
        plots.plot_clipping(results["clipping"], config, os.path.join(workdir, "clipping.png"))
    write_json(os.path.join(workdir, STUDIES_FILE), results)
    return results


def read_studies(workdir):
    path = os.path.join(workdir, STUDIES_FILE)
    return read_json(path, "train") if os.path.isfile(path) else None


def _mean_and_spread(scores, percent):
    scale = 100 if percent else 1
    mean = scale * float(np.mean(scores))
    if len(scores) == 1:
        return f"{mean:.1f} %" if percent else f"{mean:.4f}"
    spread = scale * float(np.std(scores))
    return f"{mean:.1f} ± {spread:.1f} %" if percent else f"{mean:.4f} ± {spread:.4f}"


def study_tables(results):
    """The studies as printed tables: per study, one row per model, one column per task (mean ± std over
    the seeds; the learning rate each row chose)."""
    tables = []
    seeds = len(results["seeds"])
    for study, title in (("variants", "LSTM variants"), ("deep", "deep RNNs (simple RNN cells) at equal parameters")):
        tasks = results.get(study) or {}
        if not tasks:
            continue
        names = list(next(iter(tasks.values()))["rows"])
        headers = ["model"]
        for task_name, task in tasks.items():
            headers += [f"{task_name}: {task['score']}", "lr"]
        if study == "deep":
            headers.append("parameters")
        lines = []
        for name in names:
            line = [name]
            for task in tasks.values():
                row = task["rows"].get(name)
                if row is None:
                    line += ["-", "-"]
                    continue
                line += [_mean_and_spread(row["scores"], task["score"] == "copy error"), f"{row['learning_rate']:g}"]
            if study == "deep":
                line.append(" / ".join(str(task["rows"][name]["parameters"]) for task in tasks.values()
                                       if name in task["rows"]))  # fmt: skip
            lines.append(line)
        steps = ", ".join(f"{task_name} {task['steps']}" for task_name, task in tasks.items())
        tables.append(f"{title}: lower is better; mean ± std over {seeds} seed(s); training steps per run: {steps}\n"
                      + format_table(headers, lines))
    clipping = results.get("clipping")
    if clipping:
        lines = []
        for mode, curve in clipping.items():
            cosines = curve["cosines"]
            lines.append([mode, len(curve["losses"]), f"{curve['losses'][-1]:.3g}" if curve["losses"] else "-",
                          f"{max(curve['norms']):.3g}" if curve["norms"] else "-",
                          f"{np.mean(cosines):.3f}" if cosines else "-", f"{min(cosines):.3f}" if cosines else "-"])
        tables.append("clipping: simple RNN, plain SGD, the adding problem (cosine: the step taken against the raw "
                      "gradient)\n" + format_table(["clipping", "finite steps", "last loss", "largest raw norm",
                                                    "mean cosine", "lowest cosine"], lines))
    norms = results.get("state_norms")
    if norms:
        lines = [[name, f"{values['h'][9]:.3g}", f"{values['h'][-1]:.3g}", f"{values['C'][9]:.3g}",
                  f"{values['C'][-1]:.3g}"] for name, values in norms.items()]
        length = len(next(iter(norms.values()))["h"])
        tables.append(f"state norms of the adding-problem LSTMs over {length} steps (mean over 16 sequences)\n"
                      + format_table(["LSTM", "‖h‖ at t=10", f"‖h‖ at t={length}", "‖C‖ at t=10",
                                      f"‖C‖ at t={length}"], lines))
    return tables
