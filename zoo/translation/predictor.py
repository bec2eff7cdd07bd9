"""The translation model's predictor (`zoo.load`): sentences in, translations (or n-best lists) out."""

import tensorflow as tf

from zoo.predictor import Predictor, one_or_many, strings


class TranslationPredictor(Predictor):
    """Translates with the exported model: beam search in the graph, tokenization and detokenization too.

    Example:
        >>> translator = zoo.load("saved_models/translation")
        >>> translator.predict("Monday, May 6, 1957")  # one sentence → one str
        >>> translator.predict(["3 cats", "at 7:15"], nbest=True)  # per sentence: [(translation, score), ...]
    """

    recipe = "translation"

    def predict(self, sentences, nbest=False):
        """The translation (str) of each sentence, or with `nbest` its beams as `(translation, score)` pairs,
        best first; an empty sentence gets "" (and n-best lists of "")."""
        sentences, one = one_or_many(sentences, lambda value: isinstance(value, str))
        text = tf.constant(sentences, tf.string)
        if nbest:
            outputs = self.run("translate_nbest", text=text)
            results = [list(zip(strings(row), map(float, scores)))
                       for row, scores in zip(outputs["hypotheses"], outputs["scores"])]
        else:
            results = strings(self.run("serving_default", text=text)["translation"])
        return results[0] if one else results


PREDICTOR = TranslationPredictor
