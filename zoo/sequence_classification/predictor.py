"""The sequence classifier's predictor (`zoo.load`): texts (a model trained on `--data`) or digit scans
(the embedded digits) in, labels with their probabilities out."""

import numpy as np
import tensorflow as tf

from zoo.predictor import Predictor, nesting, one_or_many, strings

DIGIT_LEVELS = 16.0  # scikit-learn's digit scans count 0..16 pixels of ink


class SequenceClassificationPredictor(Predictor):
    """Classifies with the exported model; a text model tokenizes in the graph.

    Each result is `{"label": str, "probability": float, "probabilities": {label: float}}`; an empty
    text gets label "" and probability 0.

    Example:
        >>> classifier = zoo.load("saved_models/reviews")  # trained with --data reviews.csv
        >>> classifier.predict("the soup was cold")  # one text → one result
        >>> zoo.load("saved_models/sequence_classification").predict(scans)  # digits: (8, 8) arrays, 0..16
    """

    recipe = "sequence_classification"

    def __init__(self, directory, workdir=None):
        super().__init__(directory, workdir)
        self.input_name = next(iter(self.signatures["serving_default"].structured_input_signature[1]))
        self.labels = self._read_json("labels.json")

    def predict(self, inputs):
        """The result of each input (see the class), or of the one input given: a str for a text model;
        for the digits, an (8, 8) scan of counts 0..16 (scikit-learn's `load_digits().images`)."""
        if self.input_name == "text":
            inputs, one = one_or_many(inputs, lambda value: isinstance(value, str))
            outputs = self.run("serving_default", text=tf.constant(inputs, tf.string))
        else:
            inputs, one = one_or_many(inputs, lambda value: nesting(value) == 2)
            outputs = self.run("serving_default", vectors=np.stack([self._rows(value) for value in inputs]))
        names = strings(outputs["label"])
        results = []
        for name, label_id, probabilities in zip(names, outputs["label_id"], outputs["probabilities"]):
            labels = self.labels or tuple(str(index) for index in range(len(probabilities)))
            results.append({"label": name, "probability": float(probabilities[label_id]) if label_id >= 0 else 0.0,
                            "probabilities": dict(zip(labels, map(float, probabilities)))})
        return results[0] if one else results

    def _rows(self, scan):
        """An (8, 8) scan of counts 0..16 as the model's rows in [0, 1], read as it was trained."""
        rows = np.asarray(scan, np.float32) / DIGIT_LEVELS
        return rows.T if self.settings.get("reading") == "columns" else rows


PREDICTOR = SequenceClassificationPredictor
