"""The own-data comparison: each recipe on a corpus it was not written for, zoo's model beside its Keras
twin, on the same budget and seeds; rows are saved as they finish, so an interrupted run resumes."""

import dataclasses
import json
import os
import shutil
import statistics
import time

from zoo.bench.own_data import keras_models  # noqa: F401  (registers the Keras twins)
from zoo.bench.own_data.recipes import ARCHITECTURES, RECIPES
from zoo.tables import format_table


@dataclasses.dataclass(frozen=True)
class Corpus:
    """A recipe's corpus (a path inside the corpora folder) and the budget each row trains on."""

    recipe: str
    path: str
    minutes: float


CORPORA = (
    Corpus("translation", "numbers_fr.tsv", 1.0),
    Corpus("frame_labeling", "timit_small", 0.5),
    Corpus("captioning", "flickr_shapes", 4.0),
)
ROWS = ("zoo", "keras")
ROWS_FILE = "rows.jsonl"
INITS = ("paired", "own")  # the Keras row starts from the zoo row's initial weights, or from its own draw


def _done(out):
    path = os.path.join(out, ROWS_FILE)
    if not os.path.isfile(path):
        return []
    with open(path, encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


def _key(record):
    return (record["recipe"], record["corpus"], record["minutes"], record.get("init", "own"), record["seed"],
            record["row"])


def run(corpora_dir, out, seeds, corpora=CORPORA, rows=ROWS, init="paired"):
    """Trains and scores every (corpus, seed, row) not yet in `out/rows.jsonl`, appending each as it ends;
    a row not recorded there starts over in an empty workdir (never from an earlier run's checkpoints).

    With `init="paired"` the Keras row of a seed starts from the weights the zoo row of that seed starts
    from (the rows then differ only in their layers); with "own" it draws its own.

    Returns:
        Every row measured in `out` (earlier runs included), as dicts.
    """
    os.makedirs(out, exist_ok=True)
    measured = _done(out)
    done = {_key(r) for r in measured}
    for corpus in corpora:
        for seed in seeds:
            for row in rows:
                record = {"recipe": corpus.recipe, "corpus": corpus.path, "minutes": corpus.minutes, "init": init,
                          "seed": seed, "row": row}
                if _key(record) in done:
                    continue
                workdir = os.path.join(out, "workdirs", corpus.recipe, f"{init}-{row}-seed{seed}")
                shutil.rmtree(workdir, ignore_errors=True)  # a row resumed from checkpoints would train past its budget
                start = time.monotonic()
                trained = RECIPES[corpus.recipe](os.path.join(corpora_dir, corpus.path), corpus.minutes, seed,
                                                 ARCHITECTURES[row][corpus.recipe], workdir, paired=init == "paired")
                record.update(wall_minutes=(time.monotonic() - start) / 60, **dataclasses.asdict(trained))
                with open(os.path.join(out, ROWS_FILE), "a", encoding="utf-8") as file:
                    file.write(json.dumps(record) + "\n")
                measured.append(record)
                scores = ", ".join(f"{name} {value:.1f}" for name, value in trained.scores.items())
                print(f"{corpus.recipe} {row} ({init} init) seed {seed}: {scores}; {trained.epochs} epochs "
                      f"(stopped by {trained.stopped_by}, kept {trained.best_epoch}), "
                      f"{record['wall_minutes']:.1f} min", flush=True)
    return measured


def _mean_sd(values):
    if len(values) == 1:
        return f"{values[0]:.1f}"
    return f"{statistics.mean(values):.1f} ± {statistics.stdev(values):.1f}"


def summary(measured):
    """The table of the comparison: per corpus and row, each score as mean ± sample sd over seeds."""
    tables = []
    for case in dict.fromkeys(_key(r)[:4] for r in measured):
        rows = [r for r in measured if _key(r)[:4] == case]
        names = list(rows[0]["scores"])
        lines = []
        for row in dict.fromkeys(r["row"] for r in rows):
            runs = [r for r in rows if r["row"] == row]
            stops = ", ".join(f"{stop} {sum(r['stopped_by'] == stop for r in runs)}"
                              for stop in dict.fromkeys(r["stopped_by"] for r in runs))
            lines.append([row, len(runs), *[_mean_sd([r["scores"][name] for r in runs]) for name in names],
                          _mean_sd([r["epochs"] for r in runs]), stops, runs[0]["parameters"]])
        title = f"{case[0]}: {case[1]}, {case[2]:g} min per run, {case[3]} initial weights"
        tables.append(title + "\n" + format_table(["row", "seeds", *names, "epochs", "stopped by", "parameters"],
                                                  lines))
    return "\n\n".join(tables)
