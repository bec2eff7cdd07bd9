"""Export of a trained character language model, each artifact proved against the Keras model first.

- `serving/<n>/`: a SavedModel whose `serving_default` continues prompts — inputs `prompt` (string
  [batch]), `length` (int32), `temperature` (float32; 0 = greedy), `top_k` (int32; 0 = off),
  `top_p` (float32; 1 = off), `seed` (int32); output `text` (string [batch]). It runs the very
  generation code `predict` runs (`zoo.language_model.sampling`), and must write the same texts as
  the Keras model, greedy and sampled.
- `model.tflite` (+ `_fp16`, `_int8`): one step of the generator form, for an app's own sampling
  loop — int32 `characters` [1, 1] and the states `state_<layer>_<index>` [1, units] in, `logits`
  [1, 1, vocab] and `next_state_<layer>_<index>` out. Proved by running it a character at a time
  over test text, its states fed back, against the Keras model reading the same text at once.
  `characters.json` beside it maps ids 2, 3, ... to characters (0 pads, 1 is unknown).
- `model.keras`: the generator form (states in and out, any batch), and `export_report.json`.
"""

import os
import tempfile
from functools import partial

import numpy as np
import tensorflow as tf

from zoo.export import exporter, parity, saved_model, tflite_files
from zoo.language_model.sampling import TextGenerator, continue_with
from zoo.models.char_language_model import zero_states

CHECKED_CHARACTERS = 64  # the TFLite files are proved over this many steps of test text


def state_names(generator):
    return [saved_model.input_name(tensor) for tensor in generator.inputs[1:]]


def warm_start(generator, ids, warm_up=100):
    """`(characters, states)`: test characters to check on, and the states after the `warm_up` before them."""
    warm_up = min(warm_up, len(ids) // 2)
    _, *states = generator([tf.constant(ids[None, :warm_up]), *zero_states(generator, 1)])
    return ids[warm_up : warm_up + CHECKED_CHARACTERS], [np.asarray(state) for state in states]


def run_a_character_at_a_time(runner, characters, states, names):
    """Feeds `characters` one by one to a TFLite runner of the one-step file, its states fed back;
    returns `{"logits": (1, steps, vocab)}`."""
    feed, logits = dict(zip(names, states)), []
    for character in characters:
        outputs = runner(characters=np.array([[character]], np.int32), **feed)
        logits.append(outputs["logits"][0, 0])
        feed = {name: outputs["next_" + name] for name in names}
    return {"logits": np.stack(logits)[None]}


def export_step_tflite(generator, workdir, ids, config, scratch):
    """model.tflite (+ quantized variants): the one-step generator, proved a character at a time."""
    characters, states = warm_start(generator, ids)
    expected = {"logits": np.asarray(generator([tf.constant(characters[None]), *map(tf.constant, states)])[0])}
    names = state_names(generator)
    fixed = {"characters": (1, 1), **{name: (1, state.shape[-1]) for name, state in zip(names, states)}}
    source = os.path.join(scratch, "step_source")
    signature = saved_model.numeric_function(generator, saved_model.input_specs(generator, fixed_shapes=fixed))
    saved_model.save(generator, source, {tflite_files.TFLITE_SIGNATURE: signature})
    rows = []
    for quantization in ("none", *config.quantizations):
        name = tflite_files.tflite_file_name("model", quantization)
        if quantization == "none":
            check = partial(parity.check_float, name, expected, tolerance=config.export_tolerance)
        else:
            check = partial(parity.check_agreement, name, expected, threshold=config.agreement_threshold)
        try:
            data, ops = tflite_files.convert_built_in(source, tflite_files.TFLITE_SIGNATURE, name, quantization, scratch)
            rows.append(tflite_files.prove_and_write_tflite(
                workdir, name, data, ops, None, check,
                run=lambda runner: run_a_character_at_a_time(runner, characters, states, names)))  # fmt: skip
        except exporter.ExportError as error:
            rows.append(exporter.refusal_row(error))
    return rows


def export_saved_model(generator, vocabulary, config, workdir, prompts):
    """Writes `serving/<n+1>`, checked: its greedy and seeded-sample continuations of `prompts` against
    those of the Keras model."""
    module = TextGenerator(generator, vocabulary)
    settings = [(0.0, 0, 1.0), (config.temperature, config.top_k, config.top_p)]
    length = min(config.sample_length, 60)
    expected = [continue_with(module.continue_text, prompts, length, *s, config.sample_seed) for s in settings]

    def check(loaded):
        serve = loaded.signatures["serving_default"]
        for (temperature, top_k, top_p), texts in zip(settings, expected):
            actual = continue_with(serve, prompts, length, temperature, top_k, top_p, config.sample_seed)
            result = parity.check_texts("serving_default", texts, actual, f"texts at temperature {temperature:g}")
        return result, lambda: continue_with(serve, prompts, length, *settings[-1], config.sample_seed)

    return exporter.write_saved_model(
        workdir, lambda directory: tf.saved_model.save(module, directory,
                                                       signatures={"serving_default": module.continue_text}), check)


def export_language_model(generator, vocabulary, test_ids, prompts, config, workdir, verbose=True):
    """model.keras, serving/<n+1> and the TFLite files, proved on test text."""
    characters, states = warm_start(generator, test_ids)
    example = dict(zip(["characters", *state_names(generator)], [characters[None], *states]))
    rows = exporter.export_keras_and_serving(
        generator, workdir, example, lambda: export_saved_model(generator, vocabulary, config, workdir, prompts))
    with tempfile.TemporaryDirectory(prefix="zoo-export-") as scratch:
        rows += export_step_tflite(generator, workdir, test_ids, config, scratch)
    return exporter.write_report(workdir, rows, verbose)
