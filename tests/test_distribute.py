"""tf.distribute in zoo's trainer: MirroredStrategy over two logical CPUs matches one device, and two
local MultiWorkerMirroredStrategy workers (zoo's own loop) agree on the weights and resume."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from zoo.distribute import is_chief, keras_tuner_environment, make_strategy

pytestmark = pytest.mark.slow
REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 240


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _environment():
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": REPOSITORY}


def run_together(commands, environments=None):
    """Runs the `python -m` argument lists of `commands` as simultaneous processes in the repository
    (a cluster's workers); asserts each exits 0 and returns their (stdout, stderr). None is left
    running, even on a timeout: a worker could otherwise wait forever in a collective."""
    environments = environments or [_environment()] * len(commands)
    processes = [subprocess.Popen([sys.executable, "-m", *command], cwd=REPOSITORY, env=environment,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for command, environment in zip(commands, environments)]
    try:
        outputs = [process.communicate(timeout=TIMEOUT) for process in processes]
    finally:
        for process in processes:
            process.kill()
            process.wait()
    for command, process, (_, err) in zip(commands, processes, outputs):
        assert process.returncode == 0, (command, err[-3000:])
    return outputs


def _run_workers(workdirs, epochs, outputs):
    ports = ",".join(str(p) for p in _free_ports(2))
    results = run_together([["tests.distribute_worker", "multi_worker", str(index), ports, str(workdirs[index]),
                             str(epochs), str(outputs[index])] for index in range(2)])
    return [json.loads(out.strip().splitlines()[-1]) for out, _ in results]


def test_two_workers_agree_on_the_weights_and_only_the_chief_writes(tmp_path):
    workdirs = [tmp_path / "chief", tmp_path / "worker"]
    outputs = [tmp_path / "w0.npy", tmp_path / "w1.npy"]
    reports = _run_workers(workdirs, 2, outputs)
    chief, worker = np.load(outputs[0]), np.load(outputs[1])
    np.testing.assert_allclose(chief, worker, atol=1e-6, rtol=0)
    assert reports[0]["loss"] == pytest.approx(reports[1]["loss"]) and len(reports[0]["loss"]) == 2
    assert reports[0]["loss"][1] < reports[0]["loss"][0], "it trains"
    assert (workdirs[0] / "model.keras").is_file() and (workdirs[0] / "history.csv").is_file()
    assert not (workdirs[1] / "model.keras").exists() and not (workdirs[1] / "checkpoints").exists()

    # Resume: the chief's checkpoint (2 epochs) is the start of every worker, wherever their workdir is.
    reports = _run_workers([tmp_path / "chief", tmp_path / "elsewhere"], 3, outputs)
    assert [r["first_epoch"] for r in reports] == [2, 2] and [r["last_epoch"] for r in reports] == [3, 3]
    np.testing.assert_allclose(np.load(outputs[0]), np.load(outputs[1]), atol=1e-6, rtol=0)
    assert not np.allclose(np.load(outputs[0]), chief), "one more epoch changed the weights"


def test_mirrored_over_two_devices_steps_like_one_device(tmp_path):
    out = tmp_path / "weights.npz"
    process = subprocess.run([sys.executable, "-m", "tests.distribute_worker", "mirrored_vs_default", str(out)],
                             cwd=REPOSITORY, env=_environment(), capture_output=True, text=True, timeout=TIMEOUT)
    assert process.returncode == 0, process.stderr[-3000:]
    weights = np.load(out)
    assert int(weights["mirrored_replicas"]) == 2 and int(weights["default_replicas"]) == 1
    np.testing.assert_array_equal(weights["default_before"], weights["mirrored_before"])
    assert not np.allclose(weights["default"], weights["default_before"]), "the step moved the weights"
    np.testing.assert_allclose(weights["mirrored"], weights["default"], atol=1e-5, rtol=0)


def test_strategy_names_and_a_missing_cluster_get_clear_errors(monkeypatch):
    with pytest.raises(ValueError, match="strategy"):
        make_strategy("tpu")
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="TF_CONFIG"):
        make_strategy("multi_worker")
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        make_strategy("multi_worker")


def test_the_chief_is_worker_zero_or_the_chief_task(monkeypatch):
    cluster = {"worker": ["a:1", "b:2"]}
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 0}}))
    assert is_chief()
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 1}}))
    assert not is_chief()
    with_chief = {"chief": ["c:3"], **cluster}
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": with_chief, "task": {"type": "worker", "index": 0}}))
    assert not is_chief()
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": with_chief, "task": {"type": "chief", "index": 0}}))
    assert is_chief()


def test_a_tf_config_cluster_becomes_keras_tuners_chief_and_workers():
    workers = {"cluster": {"worker": ["10.0.0.1:2222", "10.0.0.2:2222"]}}
    roles = [keras_tuner_environment({**workers, "task": {"type": "worker", "index": i}}) for i in (0, 1)]
    oracle = {"KERASTUNER_ORACLE_IP": "10.0.0.1", "KERASTUNER_ORACLE_PORT": "2222"}
    assert roles == [{"KERASTUNER_TUNER_ID": "chief", **oracle}, {"KERASTUNER_TUNER_ID": "tuner_worker1", **oracle}]
    with_chief = {"cluster": {"chief": ["head:3000"], "worker": ["10.0.0.1:2222"]}}
    chief = keras_tuner_environment({**with_chief, "task": {"type": "chief", "index": 0}})
    assert chief["KERASTUNER_TUNER_ID"] == "chief"
    worker = keras_tuner_environment({**with_chief, "task": {"type": "worker", "index": 0}})
    assert (worker["KERASTUNER_TUNER_ID"], worker["KERASTUNER_ORACLE_IP"]) == ("tuner_worker0", "head")
    with pytest.raises(ValueError, match="not host:port"):
        keras_tuner_environment({"cluster": {"worker": ["nohost"]}, "task": {"type": "worker", "index": 0}})


def test_tune_spreads_trials_over_a_tf_config_cluster(tmp_path):
    """`tune --strategy multi_worker` on two local workers: worker 0 serves the oracle, worker 1 trains both trials."""
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    environments = [{**_environment(), "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker",
                                                                                             "index": i}})}
                    for i in (0, 1)]  # fmt: skip
    settings = ["dataset='sunspots'", "window=22", "horizon=4", "epochs=1", "train_minutes=0.05", "tune.cells=['gru']",
                "tune.max_depth=1", "tune.min_units=4", "tune.max_units=8"]
    command = ["zoo.recipes.forecasting", "tune", "--workdir", str(tmp_path), "--quiet", "--strategy", "multi_worker",
               "--max-trials", "2", *sum([["--set", setting] for setting in settings], [])]
    (chief_out, _), (worker_out, _) = run_together([command, command], environments)
    assert "no trials left; the chief writes the results" in worker_out
    assert len((tmp_path / "tuning" / "trials.csv").read_text().splitlines()) == 3
    assert (tmp_path / "tuning" / "best.toml").is_file()
