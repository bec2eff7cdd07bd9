"""The numbered versions of a workdir's `serving/` folder, laid out as TensorFlow Serving reads them:
each `export` writes `serving/<n+1>/` beside the last and keeps the newest `KEEP` versions, so a
server watching the folder picks the new one up and a client pinned to the previous still finds it
for a while."""

import os
import shutil

SERVING = "serving"
KEEP = 3


def versions(serving):
    """The version numbers under a `serving/` folder that hold a SavedModel, ascending."""
    found = []
    for name in os.listdir(serving) if os.path.isdir(serving) else ():
        if name.isdigit() and os.path.isfile(os.path.join(serving, name, "saved_model.pb")):
            found.append(int(name))
    return sorted(found)


def next_version(workdir):
    """The number the next export of `workdir` writes: one past the highest version there (1 for none)."""
    found = versions(os.path.join(workdir, SERVING))
    return found[-1] + 1 if found else 1


def prune(workdir, keep=KEEP):
    """Deletes all but the newest `keep` versions of `workdir/serving/`; returns the deleted numbers."""
    found = versions(os.path.join(workdir, SERVING))
    old = found[:-keep] if keep else found
    for number in old:
        shutil.rmtree(os.path.join(workdir, SERVING, str(number)), ignore_errors=True)
    return old
