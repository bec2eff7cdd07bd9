"""The own-data comparison trains both rows through the recipe's own code, saves each row as it ends, and
does not train a saved row again."""

import json
import math
import os

import numpy as np
import pytest

from zoo.bench.own_data.compare import Corpus, run, summary
from zoo.bench.own_data.corpora import write_corpora


@pytest.mark.slow
def test_both_rows_train_on_one_budget_and_a_rerun_resumes(tmp_path):
    corpora, out = tmp_path / "corpora", tmp_path / "out"
    write_corpora(str(corpora), scale=0.05)
    cases = [Corpus("translation", "numbers_fr.tsv", 0.03)]

    measured = run(str(corpora), str(out), seeds=[3], corpora=cases)

    assert [(r["row"], r["seed"], r["recipe"]) for r in measured] == [("zoo", 3, "translation"),
                                                                      ("keras", 3, "translation")]
    zoo_row, keras_row = measured
    assert zoo_row["parameters"] == keras_row["parameters"]  # the same model, other layers
    for row in measured:
        assert row["stopped_by"] in ("budget", "plateau")
        assert 1 <= row["best_epoch"] <= row["epochs"] < 1000
        assert set(row["scores"]) == {"BLEU", "exact %", "greedy BLEU"}
        assert all(math.isfinite(v) and 0 <= v <= 100 for v in row["scores"].values())
        assert os.path.isfile(out / "workdirs" / "translation" / f"paired-{row['row']}-seed3" / "model.keras")

    again = run(str(corpora), str(out), seeds=[3], corpora=cases)
    with open(out / "rows.jsonl", encoding="utf-8") as file:
        assert len(file.readlines()) == 2  # nothing trained twice
    assert again == [json.loads(json.dumps(r)) for r in measured]

    table = summary(again)
    assert "translation: numbers_fr.tsv, 0.03 min per run, paired initial weights" in table
    assert [line.split()[0] for line in table.splitlines()[3:]] == ["zoo", "keras"]


def test_a_paired_keras_row_starts_from_the_zoo_rows_weights():
    from zoo.bench.own_data.keras_models import weight_pairs
    from zoo.bench.own_data.recipes import _model
    from zoo.registry import create_model

    zoo_model = _model(create_model, "seq2seq", seed=4, paired=True)
    paired = _model(create_model, "keras_seq2seq", seed=4, paired=True)
    own = _model(create_model, "keras_seq2seq", seed=4, paired=False)
    assert all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in weight_pairs(zoo_model, paired))
    assert not all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in weight_pairs(zoo_model, own))


def test_a_row_not_recorded_starts_over_instead_of_resuming(tmp_path, monkeypatch):
    from zoo.bench.own_data import compare

    stale = tmp_path / "out" / "workdirs" / "translation" / "paired-zoo-seed0"
    stale.mkdir(parents=True)
    (stale / "training_state.json").write_text("[]")
    seen = []

    def fake_row(corpus, minutes, seed, architecture, workdir, paired=True):
        seen.append(sorted(os.listdir(workdir)) if os.path.isdir(workdir) else None)
        from zoo.bench.own_data.recipes import Trained
        return Trained({"BLEU": 1.0}, epochs=1, best_epoch=1, stopped_by="budget", parameters=1)

    monkeypatch.setitem(compare.RECIPES, "translation", fake_row)
    compare.run(str(tmp_path), str(tmp_path / "out"), [0], [Corpus("translation", "x.tsv", 1.0)], rows=("zoo",))
    assert seen == [None]
