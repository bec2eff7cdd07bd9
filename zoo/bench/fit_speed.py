"""`Model.fit` steps per second of one recipe's model, float32 next to mixed_bfloat16.

The model is the language-model recipe's main model at its default config (a stateful GRU 1 × 256 over
32 streams of 100-character windows, an embedding and a softmax over the characters), built by the recipe's
own `build_model`, trained by Keras' `fit` on a tf.data pipeline of random characters: what a user's run
spends per step, input pipeline and optimizer included.
"""

import numpy as np
import tensorflow as tf

from zoo.bench import timing
from zoo.language_model.config import LanguageModelConfig
from zoo.language_model.recipe import build_model
from zoo.precision import dtype_policy

VOCABULARY = 100
PRECISIONS = ("float32", "mixed_bfloat16")


def _fit_function(precision, config, steps):
    with dtype_policy(precision):
        model = build_model(config, VOCABULARY)
    rng = np.random.default_rng(0)
    tokens = rng.integers(1, VOCABULARY, size=(config.batch_size * 8, config.window + 1)).astype("int32")
    dataset = tf.data.Dataset.from_tensor_slices((tokens[:, :-1], tokens[:, 1:])).batch(
        config.batch_size, drop_remainder=True).repeat()
    return lambda: model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0).history["loss"][-1]


def measure(repeats, steps=20, quick=False):
    """Rows `{model, precision, steps_per_second, ms_per_step}`, the precisions timed interleaved."""
    config = LanguageModelConfig(units=16, window=10, batch_size=4) if quick else LanguageModelConfig()
    steps = 2 if quick else steps
    functions = {precision: _fit_function(precision, config, steps) for precision in PRECISIONS}
    durations = timing.time_interleaved(functions, repeats, warmup=1)
    model = f"language_model: {config.cell} 1x{config.units}, {config.batch_size}x{config.window} characters"
    rows = []
    for precision in PRECISIONS:
        seconds = timing.median_ms(durations[precision]) / 1000 / steps
        rows.append(dict(model=model, precision=precision, steps_per_second=1 / seconds, ms_per_step=seconds * 1000))
    return rows
