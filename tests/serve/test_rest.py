"""`zoo.serve` answers the request bodies of TensorFlow Serving's REST documentation (api_rest.md) as
TF Serving does, refuses bad requests with one JSON error and goes on serving, batches concurrent
requests and picks up new versions."""

import base64
import concurrent.futures
import json
import shutil
import signal
import subprocess
import sys
import time

import httpx

import pytest

from tests.serve.server import free_port, serving
from tests.serve.toy_models import save_half_plus


@pytest.fixture(scope="module")
def half_plus_three(tmp_path_factory):
    base = tmp_path_factory.mktemp("models") / "half_plus_three"
    save_half_plus(base, 123)
    return base


@pytest.fixture(scope="module")
def client(half_plus_three):
    with serving([str(half_plus_three)], max_body_bytes=4096) as client:
        yield client


def test_the_documented_status_and_predict_answers(client):
    assert client.get("/v1/models/half_plus_three").json() == {
        "model_version_status": [{"version": "123", "state": "AVAILABLE",
                                  "status": {"error_code": "OK", "error_message": ""}}]}
    assert client.get("/v1/models/half_plus_three/versions/123").json()["model_version_status"][0]["version"] == "123"
    answer = client.post("/v1/models/half_plus_three:predict", content='{"instances": [1.0,2.0,5.0]}')
    assert answer.status_code == 200 and answer.json() == {"predictions": [3.5, 4.0, 5.5]}
    answer = client.post("/v1/models/half_plus_three/versions/123:predict", json={"inputs": [1.0, 2.0, 5.0]})
    assert answer.json() == {"outputs": [3.5, 4.0, 5.5]}
    missing = client.post("/v1/models/half:predict", content='{"instances": [1.0,5.0]}')
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/json"
    assert missing.json()["error"].startswith("Servable not found for request: Latest(half)")


def test_the_documented_row_and_columnar_bodies(client):
    strings = client.post("/v1/models/half_plus_three:predict",
                          json={"signature_name": "echo", "instances": ["foo", "bar", "baz"]}).json()
    assert strings["predictions"] == [{"echo_bytes": {"b64": base64.b64encode(word).decode()}, "length": 3}
                                      for word in (b"foo", b"bar", b"baz")]
    pairs = client.post("/v1/models/half_plus_three:predict",
                        json={"signature_name": "pairs", "instances": [[[1, 2]], [[3, 4]]]}).json()
    assert pairs == {"predictions": [3.0, 7.0]}
    # api_rest.md's example has a stray "]" after the second "signal" list (invalid JSON); it is fixed here.
    rows = {"signature_name": "named", "instances": [
        {"tag": "foo", "signal": [1, 2, 3, 4, 5], "sensor": [[1, 2], [3, 4]]},
        {"tag": "bar", "signal": [3, 4, 1, 2, 5], "sensor": [[4, 5], [6, 8]]}]}
    assert client.post("/v1/models/half_plus_three:predict", json=rows).json() == {
        "predictions": [{"tag": "foo", "total": 25.0}, {"tag": "bar", "total": 38.0}]}
    columns = {"signature_name": "named", "inputs": {
        "tag": ["foo", "bar"], "signal": [[1, 2, 3, 4, 5], [3, 4, 1, 2, 5]],
        "sensor": [[[1, 2], [3, 4]], [[4, 5], [6, 8]]]}}
    assert client.post("/v1/models/half_plus_three:predict", json=columns).json() == {
        "outputs": {"tag": ["foo", "bar"], "total": [25.0, 38.0]}}


def test_b64_inputs_and_bytes_outputs(client):
    body = {"signature_name": "echo", "instances": [{"b64": "aW1hZ2UgYnl0ZXM="}, "seaside"]}
    answer = client.post("/v1/models/half_plus_three:predict", json=body).json()["predictions"]
    assert answer[0] == {"echo_bytes": {"b64": "aW1hZ2UgYnl0ZXM="}, "length": len(b"image bytes")}
    assert answer[1]["length"] == 7


def test_metadata_holds_the_signature_defs_as_tf_serving_prints_them(client):
    metadata = client.get("/v1/models/half_plus_three/metadata").json()
    assert metadata["model_spec"] == {"name": "half_plus_three", "version": "123", "signature_name": ""}
    definition = metadata["metadata"]["signature_def"]["signature_def"]["serving_default"]
    assert definition["method_name"] == "tensorflow/serving/predict"
    assert definition["inputs"]["x"]["dtype"] == "DT_FLOAT"
    assert definition["inputs"]["x"]["tensor_shape"] == {"dim": [{"size": "-1", "name": ""}], "unknown_rank": False}
    assert set(metadata["metadata"]["signature_def"]["signature_def"]) == {"serving_default", "echo", "pairs",
                                                                          "named", "scaled", "slow", "busy"}
    assert metadata["metadata"]["zoo"]["signatures"]["scaled"]["forms"] == ["inputs"]


BAD_REQUESTS = [
    # (what, path, body, status, words in the error)
    ("malformed JSON", ":predict", '{"instances": [1.0,', 400, "not valid JSON"),
    ("not an object", ":predict", "[1.0]", 400, "JSON object"),
    ("neither form", ":predict", '{"rows": [1.0]}', 400, "exactly one of"),
    ("both forms", ":predict", '{"instances": [1.0], "inputs": [1.0]}', 400, "exactly one of"),
    ("unknown model", "/../nothing:predict", '{"instances": [1.0]}', 404, "Servable not found"),
    ("unknown version", "/versions/7:predict", '{"instances": [1.0]}', 404, "Specific(half_plus_three, 7)"),
    ("unknown signature", ":predict", '{"signature_name": "nope", "instances": [1.0]}', 400, "'nope' not found"),
    ("missing input", ":predict", '{"signature_name": "named", "inputs": {"tag": ["a"]}}', 400, "missing ['sensor', 'signal']"),
    ("extra input", ":predict", '{"signature_name": "pairs", "inputs": {"pairs": [[[1, 2]]], "more": [1]}}', 400,
     "unknown ['more']"),
    ("row missing input", ":predict", '{"signature_name": "named", "instances": [{"tag": "a"}]}', 400, "instance 0"),
    ("wrong dtype", ":predict", '{"instances": ["one"]}', 400, "expected numbers"),
    ("a string for bytes", ":predict", '{"signature_name": "echo", "instances": [3]}', 400, "expected strings"),
    ("wrong rank", ":predict", '{"inputs": [[1.0, 2.0]]}', 400, "must have rank 1"),
    ("wrong fixed size", ":predict", '{"signature_name": "pairs", "inputs": [[[1, 2, 3]]]}', 400, "shape [any, 1, 2]"),
    ("ragged", ":predict", '{"signature_name": "pairs", "inputs": [[[1, 2]], [[1]]]}', 400, "ragged"),
    ("invalid base64", ":predict", '{"signature_name": "echo", "instances": [{"b64": "not base64!"}]}', 400,
     "invalid base64"),
    ("empty instances", ":predict", '{"instances": []}', 400, "\"instances\" is empty"),
    ("NaN", ":predict", '{"instances": [1.0, NaN]}', 400, "NaN or Infinity: TensorFlow Serving's JSON allows"),
    ("Infinity", ":predict", '{"inputs": [-Infinity]}', 400, "needs finite numbers"),
    ("scalar input in rows", ":predict", '{"signature_name": "scaled", "instances": [{"x": 1.0, "scale": 2.0}]}',
     400, "send the columnar form"),
    ("classify", ":classify", '{"examples": [{"x": 1.0}]}', 400, "predict signatures only"),
    ("label", "/labels/stable:predict", '{"instances": [1.0]}', 404, "label"),
    ("body over the limit", ":predict", '{"instances": [' + "1.0, " * 1000 + '1.0]}', 413, "over the server's limit"),
]


@pytest.mark.parametrize("what, path, body, status, words", BAD_REQUESTS, ids=[case[0] for case in BAD_REQUESTS])
def test_a_bad_request_gets_one_json_error_and_the_server_goes_on(client, what, path, body, status, words):
    url = "/v1/models/half_plus_three" + path if not path.startswith("/..") else "/v1/models/" + path[4:]
    answer = client.post(url, content=body)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json" and set(answer.json()) == {"error"}
    assert words in answer.json()["error"]
    assert client.post("/v1/models/half_plus_three:predict", json={"instances": [1.0]}).json() == {"predictions": [3.5]}


def test_unknown_routes_and_methods_answer_json(client):
    for answer in (client.get("/v1/nothing"), client.delete("/v1/models/half_plus_three")):
        assert answer.status_code in (404, 405) and "error" in answer.json()
    assert client.get("/healthz").json() == {"status": "ok", "models": {"half_plus_three": True}}


def test_requests_arriving_while_the_model_is_busy_share_batches_and_a_bad_one_refuses_only_itself(tmp_path):
    save_half_plus(tmp_path / "toy", 1)
    with serving([str(tmp_path / "toy")], window=0.5, max_batch=64) as client:
        def ask(value):
            return client.post("/v1/models/toy:predict", json={"signature_name": "busy", "instances": [value]})

        assert ask(1.0).json() == {"predictions": [3.0]}  # alone on an idle server: no wait for others
        alone = client.get("/v1/zoo/stats").json()["toy"]["1"]["busy"]
        assert (alone["requests"], alone["batches"]) == (1, 1)
        values = [float(i) for i in range(23)] + [5000.0]  # 5000 passes the JSON checks; the graph refuses it
        with concurrent.futures.ThreadPoolExecutor(24) as pool:
            answers = list(pool.map(ask, values))
        assert [a.json() for a in answers[:-1]] == [{"predictions": [v + 2.0]} for v in values[:-1]]
        assert answers[-1].status_code == 400 and "x must be below 1000" in answers[-1].json()["error"]
        stats = client.get("/v1/zoo/stats").json()["toy"]["1"]["busy"]
        assert stats["requests"] == 1 + 24 and stats["rows"] > stats["batches"], f"no batch held two rows: {stats}"
        metadata = client.get("/v1/models/toy/metadata").json()["metadata"]["zoo"]["signatures"]
        assert metadata["busy"]["batched"] and not metadata["scaled"]["batched"]


def test_a_new_version_is_picked_up_without_a_restart(tmp_path):
    save_half_plus(tmp_path / "toy", 1, offset=3.0)
    with serving([f"adder={tmp_path / 'toy'}"], poll=0.2) as client:
        assert client.post("/v1/models/adder:predict", json={"instances": [2.0]}).json() == {"predictions": [4.0]}
        save_half_plus(tmp_path / "staging", 2, offset=10.0)
        shutil.move(str(tmp_path / "staging" / "2"), str(tmp_path / "toy" / "2"))
        deadline = time.monotonic() + 30
        while ("2", "AVAILABLE") not in [(entry["version"], entry["state"]) for entry in
                                         client.get("/v1/models/adder").json()["model_version_status"]]:
            assert time.monotonic() < deadline, "version 2 was not picked up"
            time.sleep(0.1)
        assert client.post("/v1/models/adder:predict", json={"instances": [2.0]}).json() == {"predictions": [11.0]}
        assert client.post("/v1/models/adder/versions/1:predict", json={"instances": [2.0]}).status_code == 404
        (tmp_path / "toy" / "3").mkdir()
        (tmp_path / "toy" / "3" / "saved_model.pb").write_bytes(b"not a SavedModel")
        deadline = time.monotonic() + 30
        while (newest := client.get("/v1/models/adder").json()["model_version_status"][0])["version"] != "3":
            assert time.monotonic() < deadline, "the damaged version 3 was not reported"
            time.sleep(0.1)
        assert newest["state"] == "END" and newest["status"]["error_code"] == "UNKNOWN"
        assert client.post("/v1/models/adder:predict", json={"instances": [2.0]}).json() == {"predictions": [11.0]}


def test_json_answers_keep_non_finite_outputs_as_tf_serving_tokens(client):
    answer = client.post("/v1/models/half_plus_three:predict",
                         json={"signature_name": "scaled", "inputs": {"x": [1e38], "scale": 1e10}})
    assert answer.status_code == 200 and "Infinity" in answer.text
    assert json.loads(answer.text) == {"outputs": [float("inf")]}


def test_sigterm_finishes_the_request_in_flight_then_exits(half_plus_three):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "zoo.serve", str(half_plus_three), "--port", str(port), "--quiet"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None and time.monotonic() < deadline, process.stdout.read()
            try:
                if httpx.get(base + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        slow = {"signature_name": "slow", "inputs": {"x": [0.0], "steps": 150000}}
        started = time.monotonic()
        assert httpx.post(base + "/v1/models/half_plus_three:predict", json=slow, timeout=60).json() == {"outputs": [2.0]}
        took = time.monotonic() - started
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            in_flight = pool.submit(httpx.post, base + "/v1/models/half_plus_three:predict", json=slow, timeout=60)
            time.sleep(min(0.3, took / 3))
            process.send_signal(signal.SIGTERM)
            assert in_flight.result().json() == {"outputs": [2.0]}
        assert process.wait(timeout=60) == 0
        with pytest.raises(httpx.TransportError):
            httpx.get(base + "/healthz")
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
