"""Export of a trained sequence classifier, each artifact proved against the Keras model first.

- `serving/<n>/`: a SavedModel whose `serving_default` takes what a user has — `text` (string
  [batch]) for a model trained on `--data`, tokenized inside the graph (load it after `import
  tensorflow_text`), or `vectors` (float32 [batch, steps, features], a digit's pixel rows in
  [0, 1]) — and returns `label` (string [batch]), `label_id` (int32 [batch]) and `probabilities`
  (float32 [batch, classes]); an empty text gets label "", label_id -1 and zero probabilities. Its
  labels on test examples must equal the Keras model's.
- `model.tflite` (+ `_fp16`, `_int8`): numbers in (token ids or vectors, the test batch's fixed
  shape), logits out, with `labels.txt` (and `vocabulary.txt`) beside them.
- `model.keras` and `export_report.json`.
"""

import tempfile

import numpy as np
import tensorflow as tf

from zoo.export import boundary, exporter, parity, saved_model


class ClassifierServing(tf.Module):
    """The SavedModel: raw texts (or vectors) in, labels and probabilities out."""

    def __init__(self, model, data, config):
        super().__init__()
        self.model = model
        self.labels = tf.constant(list(data.labels))

        def classify(inputs):
            probabilities = tf.nn.softmax(model(inputs, training=False))
            label_id = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
            return {"label": tf.gather(self.labels, label_id), "label_id": label_id, "probabilities": probabilities}

        if data.kind == "tokens":
            vocabulary = data.vocabulary
            self.table = vocabulary.lookup_table()

            text_spec = tf.TensorSpec([None], tf.string, name="text")

            def unlabeled(batch):
                return {"label": tf.fill([batch], ""), "label_id": tf.fill([batch], -1),
                        "probabilities": tf.zeros([batch, len(data.labels)])}

            @tf.function(input_signature=[text_spec])
            def serve(text):
                text = boundary.utf8(boundary.checked(text, text_spec), "text")
                return boundary.answered(boundary.blank_strings(text),
                                         lambda: classify(vocabulary.encode_tf(self.table, text, config.max_length)),
                                         unlabeled)  # fmt: skip
        else:
            steps, features = data.splits["train"][0].shape[1:]
            vectors_spec = tf.TensorSpec([None, steps, features], tf.float32, name="vectors")

            @tf.function(input_signature=[vectors_spec])
            def serve(vectors):
                return classify(boundary.finite(boundary.checked(vectors, vectors_spec), "vectors"))

        self.serve = serve


def export_saved_model(model, data, config, workdir, examples):
    """Writes `serving/<n+1>`, checked: its labels and probabilities on `examples` (raw texts or vectors)
    against the Keras model's."""
    module = ClassifierServing(model, data, config)
    inputs = data.vocabulary.encode(examples, config.max_length) if data.kind == "tokens" else examples
    probabilities = np.asarray(tf.nn.softmax(model(inputs, training=False)))
    name = "text" if data.kind == "tokens" else "vectors"
    feed = {name: tf.constant(examples)}

    def check(loaded):
        serve = loaded.signatures["serving_default"]
        outputs = serve(**feed)
        actual = [label.decode("utf-8") for label in outputs["label"].numpy()]
        result = parity.check_texts("serving_default", [data.labels[i] for i in probabilities.argmax(-1)], actual, "labels")
        parity.check_float("serving_default", {"probabilities": probabilities},
                           {"probabilities": outputs["probabilities"].numpy()}, config.export_tolerance)
        return result, lambda: serve(**feed)

    return exporter.write_saved_model(
        workdir, lambda directory: tf.saved_model.save(module, directory, signatures={"serving_default": module.serve}),
        check)  # fmt: skip


def export_classifier(model, data, config, workdir, verbose=True):
    """model.keras, serving/<n+1> and the TFLite files, proved on the first test batch."""
    inputs = data.splits["test"][0][: config.batch_size]
    examples = data.vocabulary.decode(inputs) if data.kind == "tokens" else inputs
    input_name = saved_model.input_name(model.inputs[0])
    rows = exporter.export_keras_and_serving(model, workdir, {input_name: inputs},
                                             lambda: export_saved_model(model, data, config, workdir, examples))
    expected = exporter.keras_outputs(model, {input_name: inputs})
    with tempfile.TemporaryDirectory(prefix="zoo-export-") as scratch:
        rows += exporter.export_tflite(model, workdir, {input_name: inputs}, expected, config.export_tolerance,
                                       config.agreement_threshold, config.quantizations, scratch)
    return exporter.write_report(workdir, rows, verbose)
