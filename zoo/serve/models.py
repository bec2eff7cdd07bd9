"""The models a server holds: for each name, the versions of one `serving/` folder, loaded as they
appear (TensorFlow Serving's "latest" version policy: the newest `keep_loaded` versions answer).

A model is named by the command line's `NAME=DIR` or, for a workdir, by its recipe (`config.json`).
DIR may be a workdir, a recipe's name (its `saved_models/<name>/`) or any folder of numbered
SavedModels, as TF Serving's `--model_base_path` takes.
"""

import os
import threading

import tensorflow as tf

from zoo.config import saved_recipe
from zoo.errors import UsageError
from zoo.export.versions import SERVING, versions
from zoo.predictor import SAVED_MODELS, load_text_ops, refusal_message
from zoo.serve import protos
from zoo.serve.batching import Batcher, can_batch
from zoo.serve.errors import RequestError

DEFAULT_SIGNATURE = "serving_default"


class ServedVersion:
    """One loaded version: its signatures, their definitions and their batchers.

    Args:
        number: int. The version.
        directory: str. Its SavedModel folder.
        executor: where the model runs (a `concurrent.futures.Executor`).
        window, max_batch, capacity: the batching options (see `zoo.serve.batching.Batcher`).
    """

    def __init__(self, number, directory, executor, window, max_batch, capacity=1):
        load_text_ops()
        self.number, self.directory = number, directory
        self.saved_model = tf.saved_model.load(directory)
        self.functions = dict(self.saved_model.signatures)
        self.definitions = protos.signature_defs(os.path.join(directory, "saved_model.pb"))
        self.input_specs = {name: function.structured_input_signature[1] for name, function in self.functions.items()}
        self.batchers = {}
        for name, function in self.functions.items():
            batchable = can_batch(self.input_specs[name], function.structured_outputs)
            self.batchers[name] = Batcher(lambda inputs, name=name: self._run(name, inputs), executor,
                                          window if batchable else 0, max_batch, capacity)

    def _run(self, signature, inputs):
        try:
            outputs = self.functions[signature](**{name: tf.constant(value) for name, value in inputs.items()})
        except tf.errors.InvalidArgumentError as error:
            raise RequestError(400, refusal_message(error)) from None
        return {name: value.numpy() for name, value in outputs.items()}

    def signature(self, name):
        """The signature called `name` (None: the default one), or a 400 naming the ones there are."""
        name = name or DEFAULT_SIGNATURE
        if name not in self.functions:
            raise RequestError(400, f"Serving signature name: '{name}' not found in signature def; this model has "
                                    f"{sorted(self.functions)}")
        return name


class ServedModel:
    """A name's `serving/` folder and its loaded versions.

    Args:
        name: str. The name in the URL.
        base: str. The folder of numbered versions.
        recipe: str or None. The recipe that exported it.
        keep_loaded: int. How many of the newest versions answer.
        labels: list of str or None. The class names of a classifier (its workdir's labels.txt).
    """

    def __init__(self, name, base, recipe, keep_loaded=1, labels=None):
        self.name, self.base, self.recipe, self.keep_loaded, self.labels = name, base, recipe, keep_loaded, labels
        self.loaded = {}  # number → ServedVersion
        self.loading = set()
        self.failed = {}  # number → why it could not be loaded (not tried again)
        self._lock = threading.Lock()

    def refresh(self, executor, window, max_batch, capacity=1):
        """Loads the newest versions on disk that are not loaded yet, then unloads the others; returns
        the numbers loaded. Runs in a worker thread: requests go on meanwhile. A version that fails to
        load is remembered (its status says why) and the error raised once."""
        wanted = [number for number in versions(self.base) if number not in self.failed][-self.keep_loaded:]
        new = [number for number in wanted if number not in self.loaded]
        for number in new:
            with self._lock:
                self.loading.add(number)
            try:
                version = ServedVersion(number, os.path.join(self.base, str(number)), executor, window, max_batch,
                                        capacity)
            except Exception as error:
                self.failed[number] = f"{type(error).__name__}: {error}"
                raise
            finally:
                with self._lock:
                    self.loading.discard(number)
            with self._lock:
                self.loaded[number] = version
        with self._lock:
            for number in [number for number in self.loaded if number not in wanted]:
                del self.loaded[number]  # requests that hold it finish on it
        return new

    def version(self, number=None):
        """A loaded version (None: the newest), or TF Serving's 404."""
        with self._lock:
            if number is None:
                if self.loaded:
                    return self.loaded[max(self.loaded)]
                raise RequestError(404, f"Servable not found for request: Latest({self.name})")
            if number in self.loaded:
                return self.loaded[number]
        raise RequestError(404, f"Servable not found for request: Specific({self.name}, {number})")

    def states(self):
        """`[(version, state, error message)]`, newest first, for the status answer."""
        with self._lock:
            states = ([(number, "AVAILABLE", "") for number in self.loaded] +
                      [(number, "LOADING", "") for number in self.loading] +
                      [(number, "END", message) for number, message in self.failed.items()])
        return sorted(states, reverse=True)


def model_from_argument(argument):
    """`ServedModel` of one command-line argument: `[NAME=]DIR` (see the module's docstring).

    Raises:
        UsageError naming the argument when it holds no exported model.
    """
    name, _, path = argument.rpartition("=") if "=" in argument else (None, None, argument)
    if not os.path.exists(path) and os.path.isdir(os.path.join(SAVED_MODELS, path)):
        path = os.path.join(SAVED_MODELS, path)
    if not os.path.isdir(path):
        raise UsageError(f"{argument}: no such folder; give a workdir, a recipe's name or a folder of numbered "
                         "SavedModels (NAME=DIR to choose the name)")
    recipe = saved_recipe(os.path.join(path, "config.json"))
    base = os.path.join(path, SERVING) if os.path.isdir(os.path.join(path, SERVING)) else path
    if not versions(base):
        raise UsageError(f"{argument}: no exported model (no {SERVING}/<n>/saved_model.pb, nor <n>/saved_model.pb); "
                         "run the recipe's export")
    name = name or recipe or os.path.basename(os.path.abspath(path))
    labels_file = os.path.join(path, "labels.txt")
    labels = None
    if base != path and os.path.isfile(labels_file):
        with open(labels_file, encoding="utf-8") as file:
            labels = [line.rstrip("\n") for line in file if line.strip()]
    return ServedModel(name, base, recipe, labels=labels)
