import math

import numpy as np
import pytest

from zoo.registry import create_model
from zoo.training import DEFAULT_CLIPNORM, default_optimizer


def test_default_optimizer_clips_the_global_gradient_norm():
    optimizer = default_optimizer()
    assert optimizer.global_clipnorm == DEFAULT_CLIPNORM == 1.0
    assert default_optimizer(clipnorm=None).global_clipnorm is None


def test_rejects_a_non_positive_clipnorm():
    with pytest.raises(ValueError, match="`clipnorm`.*received clipnorm=0"):
        default_optimizer(clipnorm=0)


def _first_token_task(size, seed):
    """Variable-length token sequences whose class is the first token's id modulo 3."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(1, 10, size=(size, 8)).astype("int32")
    lengths = rng.integers(3, 9, size=size)
    tokens[np.arange(8)[None, :] >= lengths[:, None]] = 0
    return tokens, (tokens[:, 0] % 3).astype("int32")


@pytest.mark.slow
def test_stacked_bidirectional_lstm_learns_a_toy_task():
    model = create_model(
        "sequence_classifier", vocab_size=10, num_classes=3, cell="lstm", units=16, depth=2, bidirectional=True,
        learning_rate=1e-2,
    )
    assert model.optimizer.global_clipnorm == 1.0
    tokens, labels = _first_token_task(512, seed=0)
    history = model.fit(tokens, labels, batch_size=32, epochs=8, verbose=0)
    chance = math.log(3)
    assert history.history["loss"][0] > 0.8 * chance
    test_tokens, test_labels = _first_token_task(256, seed=1)
    loss, accuracy = model.evaluate(test_tokens, test_labels, verbose=0)
    assert loss < 0.25 * chance
    assert accuracy > 0.9
