"""Atomic writes: an artifact appears whole or not at all, and a failure keeps the previous one."""

import contextlib
import os
import shutil
import tempfile


@contextlib.contextmanager
def atomic_directory(path):
    """Yields a temporary directory beside `path`; on success it replaces `path` by renames.

    The old directory (if any) is renamed aside, the new one renamed into place, and only then is
    the old one deleted. If the block raises, the temporary directory is removed and `path` is
    left as it was.
    """
    path = os.path.abspath(path)
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.tmp-", dir=parent)
    os.chmod(staging, 0o777 & ~_umask())  # mkdtemp's 0700 would survive the rename: a server of another user
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    previous = None
    if os.path.exists(path):
        previous = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.old-", dir=parent)
        os.rmdir(previous)
        os.rename(path, previous)
    os.rename(staging, path)
    if previous:
        shutil.rmtree(previous, ignore_errors=True)


@contextlib.contextmanager
def atomic_file(path):
    """Yields a temporary file path beside `path`; on success it is renamed onto `path`."""
    path = os.path.abspath(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    suffix = os.path.splitext(path)[1]  # kept, for writers that check it (Keras wants ".keras")
    handle, staging = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.tmp-", suffix=suffix, dir=os.path.dirname(path))
    os.close(handle)
    os.chmod(staging, 0o666 & ~_umask())  # mkstemp's 0600 would survive the rename
    try:
        yield staging
    except BaseException:
        if os.path.exists(staging):
            os.remove(staging)
        raise
    os.replace(staging, path)


def _umask():
    """The process's umask (reading it means setting it: it is set straight back)."""
    umask = os.umask(0)
    os.umask(umask)
    return umask


def write_bytes(path, data):
    """Writes `data` to `path` atomically."""
    with atomic_file(path) as staging:
        with open(staging, "wb") as file:
            file.write(data)
