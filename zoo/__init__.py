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


def load(path):
    """A predictor of the model a recipe exported at `path`: a workdir, one of its `serving/<n>` folders, or
    a recipe's name (its default workdir under `saved_models/`). It runs the SavedModel alone and takes the
    inputs a person has (image files, sentences, WAV files, numbers); see `zoo.predictor`.

    Example:
        >>> import zoo
        >>> zoo.load("captioning").predict("photo.png")
    """
    from zoo.predictor import load as load_predictor

    return load_predictor(path)
