"""Registry of model architectures, so recipes and tests build models by name.

    @register_model("sequence_classifier", example_batch=token_batch)
    def sequence_classifier(vocab_size=50, cell="lstm", ...): ...

    model = create_model("sequence_classifier", cell="gru", units=128)
    list_models()  # every registered name; the test suite smoke-tests each

Every builder works with no arguments (a tiny default size) and returns a compiled
`keras.Model`; its `example_batch(model, batch_size, seed)` returns `(inputs, targets)` that
fit the model, so a registered model can be built and trained one step with nothing else.
"""

import dataclasses
from typing import Callable

from zoo.errors import UsageError

_MODELS = {}


@dataclasses.dataclass(frozen=True)
class ModelEntry:
    """A registered architecture: its builder and a maker of example batches."""

    name: str
    build: Callable
    example_batch: Callable


def register_model(name, example_batch):
    """Decorator registering a model builder under `name`.

    Args:
        name: str. The registry name; registering it twice raises ValueError.
        example_batch: callable `(model, batch_size, seed) -> (inputs, targets)`.

    Returns:
        The decorator; it returns the builder unchanged.
    """

    def decorator(build):
        if name in _MODELS:
            raise UsageError(f"A model named {name!r} is already registered ({_MODELS[name].build.__module__}).")
        _MODELS[name] = ModelEntry(name, build, example_batch)
        return build

    return decorator


def _entry(name):
    if name not in _MODELS:
        raise UsageError(f"Unknown model {name!r}; registered models: {', '.join(list_models())}.")
    return _MODELS[name]


def create_model(name, **overrides):
    """Builds the registered model `name`, with `overrides` passed to its builder."""
    return _entry(name).build(**overrides)


def example_batch(name, model, batch_size=4, seed=0):
    """`(inputs, targets)` of `batch_size` examples that fit `model`, built by `name`."""
    return _entry(name).example_batch(model, batch_size, seed)


def list_models():
    """The sorted names of all registered models."""
    return sorted(_MODELS)
