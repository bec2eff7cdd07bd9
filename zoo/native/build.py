"""Compiling and loading zoo's C++ kernels, cached per source, TensorFlow version and CPU.

The library (one per set of sources: today `rnn_forward.cc` and `rnn_backward.cc`, with the headers they
share) lands in `$ZOO_NATIVE_CACHE` (default `~/.cache/zoo/native`) under a name that hashes
the sources and headers, the compiler command and the CPU's instruction-set flags (it is built with
`-march=native`), so an edited source, another TensorFlow or another machine builds anew. A file
lock keeps concurrent processes (pytest workers) from building the same library twice.
"""

import fcntl
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import tensorflow as tf

from zoo.cpu import cpu_flags

_HERE = Path(__file__).parent
SOURCES = (_HERE / "rnn_forward.cc", _HERE / "rnn_backward.cc")
HEADERS = (_HERE / "rnn_common.h", _HERE / "op_glue.h")
LIBRARY_NAME = "zoo_rnn"
DISABLE_VARIABLE = "ZOO_NATIVE"
_status = {"reason": None}


def cache_directory():
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "zoo" / "native"
    return Path(os.environ.get("ZOO_NATIVE_CACHE", default))


def compiler():
    """The C++ compiler: `$CXX`, else g++ or c++ on the PATH; None when there is none."""
    return os.environ.get("CXX") or shutil.which("g++") or shutil.which("c++")


def compile_command(sources, target, cxx):
    return [cxx, "-shared", "-fPIC", "-O3", "-march=native", "-std=c++17", "-pthread",
            f"-I{tf.sysconfig.get_include()}", *map(str, sources), "-o", str(target), *tf.sysconfig.get_link_flags()]


def _as_sources(sources):
    return (Path(sources),) if isinstance(sources, (str, os.PathLike)) else tuple(map(Path, sources))


def library_path(sources=SOURCES, cxx=None):
    """Where the library compiled from `sources` (a path or several) lives for this compiler, TensorFlow and CPU."""
    sources = _as_sources(sources)
    cxx = cxx or compiler() or "c++"
    key = hashlib.sha256()
    headers = HEADERS if sources == SOURCES else ()
    for part in (*(path.read_bytes() for path in (*sources, *headers)),
                 " ".join(compile_command(sources, "", cxx)).encode(), tf.__version__.encode(),
                 " ".join(sorted(cpu_flags() or ())).encode()):
        key.update(part)
    name = LIBRARY_NAME if sources == SOURCES else sources[0].stem
    return cache_directory() / f"{name}-{key.hexdigest()[:16]}.so"


def build(sources=SOURCES, quiet=False):
    """Compiles `sources` (a path or several) into one library unless it is cached; returns the library's path.

    Raises:
        RuntimeError: no compiler, or the compiler failed (its message included).
    """
    cxx = compiler()
    if cxx is None:
        raise RuntimeError("no C++ compiler found (set CXX, or install g++)")
    sources = _as_sources(sources)
    target = library_path(sources, cxx)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return target
        if not quiet:
            print(f"zoo: compiling the fused RNN kernels for this machine (once, 20–40 s) into "
                  f"{target.parent}", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
            partial = Path(scratch) / target.name
            result = subprocess.run(compile_command(sources, partial, cxx), capture_output=True, text=True)
            if result.returncode != 0:
                names = ", ".join(path.name for path in sources)
                raise RuntimeError(f"{cxx} failed on {names}:\n{result.stderr[-2000:]}")
            os.replace(partial, target)
    return target


@functools.lru_cache(maxsize=None)
def _library():
    """The loaded library of zoo's ops, or None where it can't be had (see `rnn_forward_op`)."""
    if os.environ.get(DISABLE_VARIABLE, "1") == "0":
        _status["reason"] = f"disabled by {DISABLE_VARIABLE}=0"
        return None
    try:
        library = tf.load_op_library(str(build()))
    except (RuntimeError, OSError, tf.errors.NotFoundError) as error:
        _status["reason"] = str(error)
        warnings.warn(f"zoo: the fused RNN kernels are unavailable, TensorFlow's loop runs instead: "
                      f"{error}", RuntimeWarning, stacklevel=2)
        return None
    _status["reason"] = None
    return library


def rnn_forward_op():
    """The loaded `ZooRnnForward` op (a callable taking the op's inputs), or None where it can't be had.

    None when `ZOO_NATIVE=0` or when building failed; the reason is in `native_status()` and, for a
    failure, warned once.
    """
    library = _library()
    return None if library is None else library.zoo_rnn_forward


def rnn_backward_op():
    """The loaded `ZooRnnBackward` op, or None where it can't be had (as `rnn_forward_op`)."""
    library = _library()
    return None if library is None else library.zoo_rnn_backward


def forget_loaded():
    """Forgets the loaded library (and a failure's reason), so the next call looks again: after `ZOO_NATIVE` changed."""
    _library.cache_clear()


def native_status():
    """'ready', or why the kernels are not used (after the first `rnn_forward_op()` call)."""
    return "ready" if rnn_forward_op() is not None else _status["reason"]
