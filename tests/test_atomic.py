import os

import pytest

from zoo.atomic import atomic_directory, atomic_file, write_bytes


def test_a_failed_directory_write_keeps_the_previous_one(tmp_path):
    target = tmp_path / "serving" / "1"
    with atomic_directory(target) as staging:
        (tmp_path / "serving" / "1").parent.mkdir(exist_ok=True)
        open(os.path.join(staging, "saved_model.pb"), "w").write("first")
    with pytest.raises(RuntimeError):
        with atomic_directory(target) as staging:
            open(os.path.join(staging, "saved_model.pb"), "w").write("half")
            raise RuntimeError("converter died")
    assert (target / "saved_model.pb").read_text() == "first"
    assert sorted(os.listdir(target.parent)) == ["1"], "no staging directory may be left behind"


def test_a_successful_directory_write_replaces_the_previous_one(tmp_path):
    target = tmp_path / "out"
    for text in ("old", "new"):
        with atomic_directory(target) as staging:
            open(os.path.join(staging, "file"), "w").write(text)
    assert (target / "file").read_text() == "new"
    assert os.listdir(tmp_path) == ["out"]


def test_a_failed_file_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "model.tflite"
    write_bytes(path, b"good")
    with pytest.raises(ValueError):
        with atomic_file(path) as staging:
            assert staging.endswith(".tflite")
            open(staging, "wb").write(b"bad")
            raise ValueError("parity failed")
    assert path.read_bytes() == b"good"
    assert os.listdir(tmp_path) == ["model.tflite"]


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_written_directories_and_files_follow_the_umask(tmp_path, umask):
    previous = os.umask(umask)
    try:
        with atomic_directory(tmp_path / "serving" / "1") as staging:
            open(os.path.join(staging, "saved_model.pb"), "w").write("model")
        write_bytes(tmp_path / "model.tflite", b"tflite")
    finally:
        os.umask(previous)
    assert os.stat(tmp_path / "serving" / "1").st_mode & 0o777 == 0o777 & ~umask
    assert os.stat(tmp_path / "model.tflite").st_mode & 0o777 == 0o666 & ~umask
