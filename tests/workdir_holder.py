"""Another process holding a workdir's lock, as a second `train` would, for the tests of two runs."""

import contextlib
import subprocess
import sys

HOLDER = """
import sys
from zoo.workdir import workdir_lock
with workdir_lock(sys.argv[1], "train"):
    print("held", flush=True)
    sys.stdin.readline()
"""


@contextlib.contextmanager
def holding(workdir):
    """Yields the `subprocess.Popen` of a process that holds `workdir` until the block ends (or it is killed)."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(workdir)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait()
