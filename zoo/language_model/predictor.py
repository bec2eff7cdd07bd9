"""The character language model's predictor (`zoo.load`): prompts in, continuations out."""

import numpy as np
import tensorflow as tf

from zoo.predictor import Predictor, one_or_many, strings


class LanguageModelPredictor(Predictor):
    """Continues prompts with the exported model: sampling runs in the graph, seeded, so the same call
    gives the same text.

    Example:
        >>> writer = zoo.load("saved_models/language_model")
        >>> writer.predict("def main(", length=120, temperature=0.8, top_p=0.95, seed=7)  # one prompt → str
    """

    recipe = "language_model"

    def predict(self, prompts, length=200, temperature=0.0, top_k=0, top_p=1.0, seed=0):
        """The `length` characters that follow each prompt, or the one prompt given: greedy with
        temperature 0, else drawn from the model's distribution reshaped by temperature, top-k (0 = all)
        and top-p (1 = all) with `seed`."""
        prompts, one = one_or_many(prompts, lambda value: isinstance(value, str))
        outputs = self.run("serving_default", prompt=tf.constant(prompts, tf.string), length=np.int32(length),
                           temperature=np.float32(temperature), top_k=np.int32(top_k), top_p=np.float32(top_p),
                           seed=np.int32(seed))  # fmt: skip
        texts = strings(outputs["text"])
        return texts[0] if one else texts


PREDICTOR = LanguageModelPredictor
