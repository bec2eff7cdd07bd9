"""`python -m zoo.bench.serving` runs its loads against a real server and reports what it measured."""

import json

from tests.serve.toy_models import save_half_plus
from zoo.bench import serving


def test_the_serving_bench_reports_every_load_and_the_batching_comparison(tmp_path, capsys):
    save_half_plus(tmp_path / "toy", 1)
    body = tmp_path / "body.json"
    body.write_text(json.dumps({"signature_name": "busy", "instances": [1.0, 2.0]}))
    output = tmp_path / "serving.json"
    status = serving.main([str(tmp_path / "toy"), "--requests", "16", "--clients", "1,8", "--body", str(body),
                           "--batch-window-ms", "20", "--output", str(output)])
    out = capsys.readouterr().out
    assert status == 0, out
    rows = json.loads(output.read_text())["rows"]
    assert [(row["batching"].split()[0], row["clients"]) for row in rows] == [("on", 1), ("on", 8), ("off", 8)]
    assert all(row["errors"] == 0 and row["throughput"] > 0 and row["p99_ms"] >= row["p50_ms"] for row in rows)
    assert rows[1]["mean_batch"] > 2, "8 clients of a busy model share batches (2 rows per request)"
    assert rows[2]["mean_batch"] == 2.0, "without batching each request runs alone"
    assert rows[0]["memory_after_mib"] > 50
    assert "batching at 8 clients:" in out and "req/s" in out


def test_every_recipe_has_a_default_request():
    for recipe in ("captioning", "translation", "frame_labeling", "language_model", "forecasting",
                   "sequence_classification", "long_memory"):
        body = serving.default_body(recipe)
        assert set(body) in ({"instances"}, {"inputs"})
