"""Using an exported model: `zoo.load(path)` returns a predictor of the recipe that trained it, which
runs the exported SavedModel alone (no Keras model, no training code) on the inputs a person has and
returns plain Python values.

`path` is a workdir (its newest `serving/<n>/` is loaded), one `serving/<n>/` folder of a workdir, or
a recipe's name, meaning its default workdir `saved_models/<name>/`. The recipe is the one the
workdir's `config.json` names; each recipe's predictor is `zoo.<recipe>.predictor.PREDICTOR`.

A SavedModel refuses bad inputs at its boundary (`zoo.export.boundary`); a predictor turns the
refusal into a `UsageError` holding the SavedModel's message alone.
"""

import importlib
import json
import os
import re

import numpy as np
import tensorflow as tf

from zoo.config import saved_recipe
from zoo.errors import UsageError
from zoo.export.versions import SERVING, versions

SAVED_MODELS = "saved_models"


def load_text_ops():
    """Registers tensorflow-text's ops, which the text models' graphs use, if it is installed."""
    try:
        import tensorflow_text  # noqa: F401
    except ImportError:
        pass


def resolve(path):
    """`(recipe, SavedModel folder, workdir)` of what `zoo.load` was given (see the module's docstring).

    Raises:
        UsageError naming `path` when it is none of those, holds no export, or names no recipe.
    """
    path = os.fspath(path)
    if not os.path.exists(path) and re.fullmatch(r"[a-z_]+", path):
        path = os.path.join(SAVED_MODELS, path)
    if not os.path.isdir(path):
        raise UsageError(f"{path}: no such folder; give a workdir, its serving/<n> folder or a recipe's name.")
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        directory = path
        parent = os.path.dirname(os.path.abspath(path))
        workdir = os.path.dirname(parent) if os.path.basename(parent) == SERVING else None
    else:
        found = versions(os.path.join(path, SERVING))
        if not found:
            raise UsageError(f"{path}: no exported model (no {SERVING}/<n>/saved_model.pb); run the recipe's export.")
        directory, workdir = os.path.join(path, SERVING, str(found[-1])), path
    recipe = saved_recipe(os.path.join(workdir, "config.json")) if workdir else None
    if not recipe:
        raise UsageError(f"{path}: cannot tell which recipe exported it (no config.json naming one beside "
                         f"{SERVING}/); load it from its workdir.")
    return recipe, directory, workdir


def load(path):
    """The predictor of the model exported at `path` (see the module's docstring)."""
    recipe, directory, workdir = resolve(path)
    try:
        module = importlib.import_module(f"zoo.{recipe}.predictor")
    except ModuleNotFoundError:
        raise UsageError(f"{path}: its config.json names the recipe {recipe!r}, which zoo does not have.") from None
    return module.PREDICTOR(directory, workdir)


def refusal_message(error):
    """The SavedModel's own words in an `InvalidArgumentError`, without TensorFlow's node names."""
    words = []
    for line in error.message.splitlines():
        line = line.strip()
        if not line or line.startswith(("Graph execution error", "Detected at node", "<stack traces", "[[")):
            continue
        line = re.sub(r"\s*\[\[\{\{node .*$", "", line)
        line = re.sub(r"\s*\[Op:__inference.*$", "", line)
        match = re.fullmatch(r"assertion failed: \[(.*)\]", line)
        words.append(match.group(1) if match else line)
    return "; ".join(words) or error.message


class Predictor:
    """A recipe's exported SavedModel, called with plain Python inputs. Subclasses (one per recipe, in
    `zoo.<recipe>.predictor`) define `predict`.

    Args:
        directory: str. The SavedModel folder (`serving/<n>`).
        workdir: str or None. The workdir it belongs to (labels and vocabularies beside it).

    Attributes:
        recipe: str. The recipe's name.
        settings: dict. The workdir's config.json (the settings it was trained with), {} without a workdir.
        signatures: dict name → the loaded signature functions.

    Example:
        >>> translator = zoo.load("saved_models/translation")  # a TranslationPredictor
        >>> translator.predict(["3 cats"])  # the recipe's own inputs and outputs
        >>> translator.run("serving_default", text=["3 cats"])  # or a signature, numpy arrays out
    """

    recipe = None

    def __init__(self, directory, workdir=None):
        load_text_ops()
        self.directory, self.workdir = directory, workdir
        self.settings = self._read_json("config.json") or {}
        self.saved_model = tf.saved_model.load(directory)
        self.signatures = dict(self.saved_model.signatures)

    def __repr__(self):
        return f"<{type(self).__name__} of {self.directory}>"

    def _read_json(self, name):
        """A JSON file of the workdir (None when there is no workdir or no such file)."""
        path = os.path.join(self.workdir, name) if self.workdir else None
        if not path or not os.path.isfile(path):
            return None
        with open(path, encoding="utf-8") as file:
            return json.load(file)

    def run(self, signature, **inputs):
        """`{output name: numpy array}` of one signature; a refusal is a UsageError in the model's words."""
        try:
            outputs = self.signatures[signature](**{name: tf.convert_to_tensor(value) for name, value in inputs.items()})
        except tf.errors.InvalidArgumentError as error:
            raise UsageError(f"{self.recipe} model: {refusal_message(error)}") from None
        return {name: value.numpy() for name, value in outputs.items()}

    def predict(self, inputs, **options):
        """The results of `inputs` (a list) or of one input; each recipe's predictor says what they are."""
        raise NotImplementedError

    def __call__(self, inputs, **options):
        return self.predict(inputs, **options)


def strings(values):
    """The UTF-8 strings of a numpy array of bytes, flattened, as a list."""
    return [value.decode("utf-8") for value in np.asarray(values).ravel()]


def nesting(value):
    """How deep `value` nests: an array's `ndim`, a list's 1 + its first item's (lists may be ragged)."""
    if isinstance(value, np.ndarray):
        return value.ndim
    if isinstance(value, (list, tuple)):
        return 1 + (nesting(value[0]) if len(value) else 0)
    return 0


def one_or_many(inputs, single):
    """`(list of inputs, was one input)`: `single(inputs)` says whether `inputs` is one input, not a list."""
    return ([inputs], True) if single(inputs) else (list(inputs), False)
