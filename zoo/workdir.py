"""What every recipe keeps in its workdir, and the checks around it: the model, the config it was
trained with, JSON results."""

import contextlib
import fcntl
import json
import os
import tempfile

import keras

from zoo.errors import UsageError
from zoo.config import read_saved_config
from zoo.atomic import atomic_file


def check_resumable(config, workdir, config_class, model_keys):
    """Raises ValueError if `workdir` holds checkpoints of a run whose `model_keys` settings differ.

    Resuming such a run would load weights of another shape or meaning, so the message names the
    changed settings and the ways out.
    """
    path = os.path.join(workdir, "config.json")
    if not os.path.isdir(os.path.join(workdir, "checkpoints")) or not os.path.isfile(path):
        return
    previous = read_saved_config(config_class, path)
    changed = [f"{key} {getattr(previous, key)!r} → {getattr(config, key)!r}" for key in model_keys
               if getattr(previous, key) != getattr(config, key)]
    if changed:
        raise UsageError(
            f"{workdir} holds the checkpoints of a run with other settings ({'; '.join(changed)}); resuming would "
            f"mix them. Use another --workdir, or delete {os.path.join(workdir, 'checkpoints')} to start over."
        )


def load_keras_model(workdir, recipe):
    """`workdir/model.keras`, loaded with Keras' safe mode; a clear error if train has not run."""
    path = os.path.join(workdir, "model.keras")
    if not os.path.isfile(path):
        raise UsageError(f"{path} not found: run `python -m zoo.recipes.{recipe} train` first.")
    return keras.models.load_model(path, safe_mode=True)


def write_json(path, value):
    """Writes `value` as indented JSON, atomically."""
    with atomic_file(path) as staging, open(staging, "w", encoding="utf-8") as file:
        json.dump(value, file, indent=2, ensure_ascii=False)


def read_json(path, what):
    """The JSON in `path`; ValueError naming the file and `what` wrote it if it is missing."""
    if not os.path.isfile(path):
        raise UsageError(f"{path} not found: it is written by {what}.")
    with open(path, encoding="utf-8") as file:
        return json.load(file)


MAIN_MODEL = "main"


def model_workdir(workdir, name):
    """Where a recipe keeps one of its models: the workdir itself for the main one, `models/<name>` else."""
    return workdir if name == MAIN_MODEL else os.path.join(workdir, "models", name)


def check_same_labels(data_labels, trained_labels):
    """Raises ValueError unless the data's labels are those the model was trained with."""
    if tuple(data_labels) != tuple(trained_labels):
        raise UsageError(f"the data's labels {list(data_labels)} differ from the trained model's "
                         f"{list(trained_labels)}; use the data it was trained on.")


LOCK_FILE = ".lock"


def writable_workdir(workdir):
    """Creates `workdir` if missing; UsageError naming it if it is a file or cannot be written."""
    if os.path.exists(workdir) and not os.path.isdir(workdir):
        raise UsageError(f"--workdir {workdir} is a file; give a directory (it is created if missing).")
    try:
        os.makedirs(workdir, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=workdir, prefix=".writable-")
        probe.close()
    except OSError as error:
        raise UsageError(f"--workdir {workdir} cannot be written ({error.strerror}); give a directory you can "
                         f"write to.") from None


def open_lock_file(workdir):
    writable_workdir(workdir)
    try:
        return open(os.path.join(workdir, LOCK_FILE), "a+", encoding="utf-8")
    except OSError as error:
        raise UsageError(f"--workdir {workdir}: its {LOCK_FILE} cannot be opened ({error.strerror}).") from None
_HELD = {}  # real path of a workdir → how many verbs of this process hold its lock (run nests train, ...)


@contextlib.contextmanager
def workdir_lock(workdir, verb):
    """Holds `workdir` for one run of `verb` that writes there: a second process that asks for it
    meanwhile is refused at once, told the holder's pid and verb. An OS lock (`fcntl.flock` on
    `workdir/.lock`): the process's death releases it, so a killed run leaves nothing to clean.
    The verbs of one process nest (the default run holds it for train, evaluate and export). A workdir
    this call created is removed again if the run left nothing in it (a refusal before training).

    Raises:
        UsageError naming the workdir and the holder, or a workdir that is a file or not writable.
    """
    key = os.path.realpath(workdir)
    created = not os.path.exists(workdir)
    if _HELD.get(key):
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    file = open_lock_file(workdir)
    with file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or "another process"
            raise UsageError(f"{workdir} is in use by {holder}; wait for it to end, or use another --workdir.") from None
        file.seek(0)
        file.truncate()
        file.write(f"pid {os.getpid()} ({verb})\n")
        file.flush()
        _HELD[key] = 1
        try:
            yield
        finally:
            del _HELD[key]
            file.truncate(0)
            if created:
                _remove_if_empty(workdir)


def _remove_if_empty(workdir):
    """Removes a workdir that holds only its lock file: one a refused or failed run created, left as if
    the run had not been."""
    try:
        if os.listdir(workdir) == [LOCK_FILE]:
            os.remove(os.path.join(workdir, LOCK_FILE))
            os.rmdir(workdir)
    except OSError:
        pass  # another process came in meanwhile: the folder is theirs
