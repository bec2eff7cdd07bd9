"""The workdir lock: one writing run per workdir, refused at once with the holder named; released when
the holder's process ends, however it ends."""

import os

import pytest

from tests.workdir_holder import holding
from zoo.errors import UsageError
from zoo.workdir import workdir_lock

@pytest.fixture
def held(tmp_path):
    """A process holding `tmp_path/run` (as a train would) until the test ends."""
    workdir = tmp_path / "run"
    with holding(workdir) as holder:
        yield workdir, holder


def test_a_second_run_is_refused_at_once_naming_the_holder(held):
    workdir, holder = held
    with pytest.raises(UsageError, match=f"{workdir} is in use by pid {holder.pid} \\(train\\); wait for it"):
        with workdir_lock(str(workdir), "evaluate"):
            pass


def test_a_killed_holder_leaves_nothing_to_clean(held):
    workdir, holder = held
    holder.kill()
    holder.wait()
    with workdir_lock(str(workdir), "train"):
        assert (workdir / ".lock").read_text() == f"pid {os.getpid()} (train)\n"


def test_the_verbs_of_one_process_nest(tmp_path):
    with workdir_lock(str(tmp_path), "the default run"):
        with workdir_lock(str(tmp_path), "train"):
            pass
        with workdir_lock(str(tmp_path), "export"):
            pass
    assert (tmp_path / ".lock").read_text() == ""


def test_a_workdir_that_is_a_file_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("x")
    with pytest.raises(UsageError, match="--workdir .*notes.txt is a file"):
        with workdir_lock(str(path), "train"):
            pass


def test_a_run_that_leaves_nothing_leaves_no_workdir_behind(tmp_path):
    fresh = tmp_path / "saved_models" / "new"
    with pytest.raises(UsageError):
        with workdir_lock(str(fresh), "train"):
            raise UsageError("refused before training: no data")
    assert not fresh.exists() and (tmp_path / "saved_models").exists()
    with workdir_lock(str(fresh), "train"):
        (fresh / "config.json").write_text("{}")
    assert sorted(os.listdir(fresh)) == [".lock", "config.json"], "a run that wrote something keeps its workdir"
    existing = tmp_path / "existing"
    existing.mkdir()
    with workdir_lock(str(existing), "train"):
        pass
    assert existing.exists(), "a workdir the user made stays"
