"""keras-tuner's distributed mode through zoo's sweep driver: a chief holding the oracle and two
workers training the trials it hands out, on 127.0.0.1."""

import json

import pytest

from tests.test_distribute import _free_ports, run_together
from zoo.tuning.search import search

pytestmark = pytest.mark.slow


def test_a_chief_and_two_workers_finish_a_search_and_the_chief_writes_the_results(tmp_path):
    port = str(_free_ports(1)[0])
    roles = ("chief", "tuner0", "tuner1")
    outputs = dict(zip(roles, run_together([["tests.tuning.distributed_search", role, port, str(tmp_path)]
                                            for role in roles])))
    results = {role: json.loads(out.strip().splitlines()[-1]) for role, (out, _) in outputs.items()}
    assert results["chief"] == {"trained": 0, "rows": 3}, "the chief serves the oracle and trains nothing"
    assert results["tuner0"]["rows"] == results["tuner1"]["rows"] == 0
    assert results["tuner0"]["trained"] + results["tuner1"]["trained"] == 3
    table = (tmp_path / "tuning" / "trials.csv").read_text().splitlines()
    assert len(table) == 4 and (tmp_path / "tuning" / "best.toml").is_file()


def test_a_budget_is_refused_in_a_distributed_search(tmp_path, monkeypatch):
    from tests.tuning.test_search import ToyConfig, _toy_target

    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
    with pytest.raises(ValueError, match="--max-trials"):
        search(_toy_target([]), ToyConfig(), str(tmp_path), budget_minutes=1.0)
