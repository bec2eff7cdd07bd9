import numpy as np

from zoo.data.cache import cache_directory, cached


def test_builds_once_then_reads_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path))
    calls = []

    def build():
        calls.append(1)
        return {"x": np.arange(3)}, [["a", "b"]]

    first = cached("toy-v1", build)
    second = cached("toy-v1", build)
    assert len(calls) == 1 and cache_directory() == str(tmp_path)
    np.testing.assert_array_equal(first[0]["x"], second[0]["x"])
    assert second[1] == [["a", "b"]]


def test_a_damaged_cache_file_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path))
    (tmp_path / "toy-v1.npz").write_bytes(b"garbage")
    arrays, extras = cached("toy-v1", lambda: ({"x": np.ones(2)}, {"k": 1}))
    assert extras == {"k": 1}
    assert cached("toy-v1", lambda: ({"x": np.zeros(2)}, {}))[1] == {"k": 1}
