"""The cache of generated datasets: `$ZOO_CACHE` (default `~/.cache/zoo/`), one file per dataset
keyed by its name, version, seed and size, written atomically."""

import json
import os

import numpy as np

from zoo.atomic import atomic_file


def cache_directory():
    """`$ZOO_CACHE`, or `~/.cache/zoo` when it is unset."""
    return os.environ.get("ZOO_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "zoo")


def cached(key, build):
    """Arrays and JSON-able extras, built once by `build()` and then read from the cache.

    Args:
        key: str. The file name, e.g. "scenes-v1-seed0-train-4000-64".
        build: callable returning `(arrays: dict name → np.ndarray, extras: JSON-able)`.

    Returns:
        `(arrays, extras)`. A damaged cache file is rebuilt.
    """
    path = os.path.join(cache_directory(), f"{key}.npz")
    if os.path.isfile(path):
        try:
            with np.load(path) as archive:
                arrays = {name: archive[name] for name in archive.files if name != "__extras__"}
                extras = json.loads(str(archive["__extras__"]))
            return arrays, extras
        except (OSError, ValueError, KeyError):
            pass  # a damaged or foreign file: build it again
    arrays, extras = build()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with atomic_file(path) as staging:
        with open(staging, "wb") as file:
            np.savez(file, __extras__=np.array(json.dumps(extras)), **arrays)
    return arrays, extras
