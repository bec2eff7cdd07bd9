"""zoo: a Keras model zoo of hand-written recurrent networks.

Importing zoo selects the TensorFlow backend for Keras unless ``KERAS_BACKEND`` is already set;
zoo's recurrent loop is written with TensorFlow control flow and needs that backend.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402  (must follow the backend choice above)

if keras.backend.backend() != "tensorflow":
    raise ImportError(
        "zoo needs the TensorFlow backend of Keras; KERAS_BACKEND is "
        f"{keras.backend.backend()!r}. Unset it or set KERAS_BACKEND=tensorflow."
    )

from zoo import cells, layers, models, registry  # noqa: E402,F401

__version__ = "0.1.0"
