"""The lab's studies of LSTM's parts, deep RNNs and clipping modes: every run on a budget of training
steps (not seconds, so a busy machine changes the time a table takes, not its numbers)."""

import math

import keras
import numpy as np
import tensorflow as tf

from zoo.data.long_memory import adding_problem, copy_task
from zoo.data.text_corpus import load_corpus
from zoo.registry import create_model

# The LSTMs of the variant study: (row name, variant, peepholes). Greff et al.'s vanilla LSTM has
# peepholes; zoo's default has none: both are baselines.
LSTM_ROWS = (
    ("vanilla (zoo's default)", "vanilla", False),
    ("vanilla + peepholes (Greff's)", "vanilla", True),
    ("no input gate", "no_input_gate", False),
    ("no forget gate", "no_forget_gate", False),
    ("no output gate", "no_output_gate", False),
    ("coupled input-forget (CIFG)", "cifg", False),
    ("no input activation", "no_input_activation", False),
    ("no output activation", "no_output_activation", False),
    ("σ candidate", "sigmoid_candidate", False),
)
UNKNOWN_CHARACTER = 1  # ids: 0 pads, 1 stands for a character outside the vocabulary


def train_for_steps(model, inputs, targets, steps, batch_size, seed):
    """Trains `model` on `steps` batches drawn (shuffled, repeated) from `(inputs, targets)`."""
    data = tf.data.Dataset.from_tensor_slices((inputs, targets)).shuffle(len(targets), seed=seed).repeat()
    model.fit(data.batch(batch_size), steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False)


class Task:
    """One task of a study: its train, validation and test data and its score (lower is better for every
    task: MSE, copy error, bits per character)."""

    def __init__(self, name, length, split_data, score_name, model_kwargs):
        self.name, self.length, self.score_name, self.model_kwargs = name, length, score_name, model_kwargs
        self.train, self.validation, self.test = split_data

    def score(self, model, split):
        inputs, targets = getattr(self, split)
        predictions = np.asarray(model.predict(inputs, batch_size=500, verbose=0))
        if self.model_kwargs["name"] == "memory_probe" and self.model_kwargs["task"] == "adding":
            return float(np.mean((predictions - targets) ** 2))
        if self.model_kwargs["name"] == "memory_probe":
            copied = slice(-self.model_kwargs["copy_symbols"], None)
            return float(np.mean(predictions[:, copied].argmax(-1) != targets[:, copied]))
        log_probabilities = predictions - _logsumexp(predictions)
        picked = np.take_along_axis(log_probabilities, targets[..., None], axis=-1)[..., 0]
        return float(-picked.mean() / math.log(2))


def _logsumexp(logits):
    top = logits.max(-1, keepdims=True)
    return top + np.log(np.exp(logits - top).sum(-1, keepdims=True))


def adding_task(length, config, examples):
    rng = np.random.default_rng([config.seed, length, 7])
    splits = tuple(adding_problem(count, length, rng) for count in examples)
    return Task(f"adding T={length}", length, splits, "test MSE",
                dict(name="memory_probe", task="adding", units=config.units))


def copy_study_task(length, config, examples):
    rng = np.random.default_rng([config.seed, length, 8])
    splits = tuple(copy_task(count, length, rng, symbols=config.copy_symbols, alphabet=config.copy_alphabet)
                   for count in examples)  # fmt: skip
    return Task(f"copy T={length}", length, splits, "copy error",
                dict(name="memory_probe", task="copy", units=config.units, alphabet=config.copy_alphabet,
                     copy_symbols=config.copy_symbols))


def character_task(config, window, windows):
    """Python's standard library (the language-model recipe's embedded text) as windows of character ids; the
    test windows are the same characters for every model."""
    corpus = load_corpus("", 0.05, 0.05, config.seed, max_characters=config.study_characters)
    counts = {}
    for character in corpus.texts["train"]:
        counts[character] = counts.get(character, 0) + 1
    alphabet = sorted(c for c, n in counts.items() if n >= 20)
    ids = {c: i + 2 for i, c in enumerate(alphabet)}
    splits = []
    for split, count in zip(("train", "validation", "test"), windows):
        encoded = np.array([ids.get(c, UNKNOWN_CHARACTER) for c in corpus.texts[split]], np.int32)
        usable = min(count, (len(encoded) - 1) // window)
        starts = np.arange(usable) * window
        splits.append((np.stack([encoded[s:s + window] for s in starts]),
                       np.stack([encoded[s + 1:s + window + 1] for s in starts])))
    return Task("characters", window, tuple(splits), "bits/char",
                dict(name="char_language_model", vocab_size=len(alphabet) + 2, embedding_dim=16, units=config.units))


def _create(task, learning_rate, seed, **kwargs):
    keras.utils.set_random_seed(seed)
    kwargs = {key: value for key, value in {**task.model_kwargs, **kwargs}.items() if key != "copy_symbols"}
    name = kwargs.pop("name")
    return create_model(name, learning_rate=learning_rate, **kwargs)


def run_rows(task, rows, config, steps, learning_rates, seeds, progress=None):
    """Each row (`name → model kwargs`) on `task`: the learning rate of `learning_rates` with the best validation
    score on the first seed, then every seed at that rate; `{name: {"learning_rate", "scores" (test, per seed),
    "parameters", "seconds"}}`."""
    results = {}
    for name, kwargs in rows.items():
        model = _create(task, learning_rates[0], seeds[0], **kwargs)  # one model per row: its graphs trace once

        def train(learning_rate, seed):
            """`model` trained from `seed`'s initial weights (a fresh model's) and a fresh optimizer."""
            model.set_weights(_create(task, learning_rate, seed, **kwargs).get_weights())
            for variable in model.optimizer.variables:
                variable.assign(np.zeros(variable.shape, variable.dtype))
            model.optimizer.learning_rate = learning_rate
            train_for_steps(model, *task.train, steps, config.batch_size, seed)
            if progress:
                progress()

        trials = {}
        for learning_rate in learning_rates:
            train(learning_rate, seeds[0])
            validation = task.score(model, "validation")
            trials[learning_rate] = (validation if np.isfinite(validation) else np.inf, model.get_weights())
        best = min(trials, key=lambda rate: trials[rate][0])
        scores = []
        for seed in seeds[1:]:
            train(best, seed)
            scores.append(task.score(model, "test"))
        model.set_weights(trials[best][1])
        scores.insert(0, task.score(model, "test"))
        results[name] = {"learning_rate": best, "scores": scores, "parameters": int(model.count_params()),
                         "model": model}
    return results


def lstm_rows():
    return {name: {"cell": "lstm", "cell_options": {"variant": variant, "peephole": peephole}}
            for name, variant, peephole in LSTM_ROWS}  # fmt: skip


def units_for_parameters(task, target, **kwargs):
    """The hidden size whose model of `kwargs` on `task` has the parameter count nearest `target`."""
    def count(units):
        return _create(task, 1e-3, 0, **{**kwargs, "units": units}).count_params()

    low, high = 4, 4 * task.model_kwargs["units"]
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if count(middle) <= target else (low, middle)
    return min((low, high), key=lambda units: abs(count(units) - target))


DEEP_SHAPES = (
    ("shallow", {}),
    ("stacked, depth 2", {"depth": 2}),
    ("deep transition (DT), L=2", {"transition_depth": 2}),
    ("DT(S): with shortcut", {"transition_depth": 2, "cell_options": {"shortcut": True}}),
    ("deep output (DO), 1 layer", {"output_layers": 1}),
    ("DOT: DT(S) + deep output", {"transition_depth": 2, "cell_options": {"shortcut": True}, "output_layers": 1}),
)


def deep_rows(task, cell):
    """The deep RNNs of Pascanu et al. beside stacking, each sized to the shallow model's parameters."""
    target = _create(task, 1e-3, 0, cell=cell).count_params()
    rows = {}
    for name, kwargs in DEEP_SHAPES:
        if "depth" in kwargs and task.model_kwargs["name"] == "memory_probe":
            continue  # the probe is one layer: stacking is the character model's
        units = task.model_kwargs["units"] if not kwargs else units_for_parameters(task, target, cell=cell, **kwargs)
        rows[name] = {"cell": cell, "units": units, **kwargs}
    return rows


def state_norms(model, length, seed):
    """Mean ‖h_t‖ and ‖C_t‖ over a batch, step by step, of a trained adding-problem LSTM on a sequence of
    `length` steps (much longer than it trained on): `{"h": [...], "C": [...]}`."""
    inputs, _ = adding_problem(16, length, np.random.default_rng(seed))
    cell = model.get_layer("rnn").cell
    projected = cell.project_inputs(tf.constant(inputs))
    states = cell.get_initial_state(len(inputs))
    norms = {"h": [], "C": []}

    @tf.function
    def step(projected_t, h, c):
        _, (h, c) = cell.step(projected_t, [h, c])
        return h, c

    h, c = states
    for t in range(length):
        h, c = step(projected[:, t], h, c)
        norms["h"].append(float(tf.reduce_mean(tf.norm(h, axis=-1))))
        norms["C"].append(float(tf.reduce_mean(tf.norm(c, axis=-1))))
    return norms


CLIPPING_CURVES = ("none", "value", "global_norm")


def clipped(gradients, mode, threshold):
    """The gradients as Keras' optimizers clip them: `clipvalue` is `tf.clip_by_value` of each element,
    `global_clipnorm` is `tf.clip_by_global_norm`."""
    if mode == "value":
        return [tf.clip_by_value(g, -threshold, threshold) for g in gradients]
    if mode == "global_norm":
        return tf.clip_by_global_norm(gradients, threshold)[0]
    return list(gradients)


def clipping_modes(config):
    """A simple RNN (recurrent kernel × `clipping_gain`, plain SGD) on the adding problem under each clipping mode
    at `clip_threshold`: per step its loss, the raw gradient's global norm and the cosine between the step taken
    and the raw gradient. `{mode: {"losses", "norms", "cosines"}}`; a non-finite loss ends a curve."""
    rng = np.random.default_rng(config.seed)
    inputs, targets = adding_problem(config.batch_size * config.clipping_steps, config.clipping_length, rng)
    curves = {}
    for mode in CLIPPING_CURVES:
        keras.utils.set_random_seed(config.seed)
        model = create_model("memory_probe", task="adding", cell="simple_rnn", units=config.units)
        kernel = model.get_layer("rnn").cell.recurrent_kernel
        kernel.assign(kernel * config.clipping_gain)
        optimizer = keras.optimizers.SGD(config.clipping_learning_rate)

        @tf.function
        def step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
            raw = tape.gradient(loss, model.trainable_variables)
            taken = clipped(raw, mode, config.clip_threshold)
            optimizer.apply_gradients(zip(taken, model.trainable_variables))
            flat_raw = tf.concat([tf.reshape(g, [-1]) for g in raw], 0)
            flat_taken = tf.concat([tf.reshape(g, [-1]) for g in taken], 0)
            cosine = tf.reduce_sum(flat_raw * flat_taken) / (tf.norm(flat_raw) * tf.norm(flat_taken))
            return loss, tf.norm(flat_raw), cosine

        curve = {"losses": [], "norms": [], "cosines": []}
        for index in range(config.clipping_steps):
            batch = slice(index * config.batch_size, (index + 1) * config.batch_size)
            loss, norm, cosine = (float(v) for v in step(inputs[batch], targets[batch]))
            if not np.isfinite(loss):
                break
            for key, value in (("losses", loss), ("norms", norm), ("cosines", cosine)):
                curve[key].append(value)
        curves[mode] = curve
    return curves

