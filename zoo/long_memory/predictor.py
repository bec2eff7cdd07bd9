"""The long-memory lab's predictor (`zoo.load`): adding-problem sequences in, the predicted sums out."""

import numpy as np

from zoo.predictor import Predictor, nesting, one_or_many


class LongMemoryPredictor(Predictor):
    """The exported adding-problem model: each sequence is (steps, 2) rows of `value, marker`, exactly two
    markers 1; the model answers the sum of the two marked values.

    Example:
        >>> adder = zoo.load("saved_models/long_memory")
        >>> adder.predict([[0.2, 0], [0.7, 1], [0.1, 0], [0.4, 1]])  # ≈ 1.1
    """

    recipe = "long_memory"

    def predict(self, sequences):
        """The predicted sum (float) of each sequence, or of the one sequence given."""
        sequences, one = one_or_many(sequences, lambda value: nesting(value) == 2)
        sums = []
        for sequence in sequences:  # one at a time: lengths may differ
            outputs = self.run("serving_default", values_and_markers=np.asarray(sequence, np.float32)[None])
            sums.append(float(next(iter(outputs.values()))[0]))  # the one output ("predicted_sum")
        return sums[0] if one else sums


PREDICTOR = LongMemoryPredictor
