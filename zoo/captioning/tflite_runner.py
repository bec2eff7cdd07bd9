"""A reference runner for the captioner's TFLite files: encoder.tflite once per image, then
decoder_step.tflite once per word, greedily, as an app on a phone would loop them.

    runner = TFLiteCaptioner.from_workdir("saved_models/captioning")
    runner.caption(pixels)  # float32 (size, size, 3) in [0, 255] → "a small red circle"

Names of the files' inputs and outputs: encoder `image` → `memory`, `state_<layer>_<k>`;
decoder_step `token`, `memory`, `state_<layer>_<k>` → `logits`, `attention`, `state_<layer>_<k>`.
"""

import os

import numpy as np

from zoo.export.exporter import tflite_file_name
from zoo.export.tflite_model import TFLiteModel
from zoo.text import END, START, Vocabulary


def state_name(layer, index):
    return f"state_{layer}_{index}"


class TFLiteCaptioner:
    """Greedy captions from `encoder.tflite` and `decoder_step.tflite` with ai-edge-litert.

    Args:
        encoder: bytes of the encoder file.
        decoder_step: bytes of the decoder-step file.
        vocabulary: the `zoo.text.Vocabulary` written beside them (vocabulary.txt).
        max_length: int. Most tokens per caption, [END] included.
    """

    def __init__(self, encoder, decoder_step, vocabulary, max_length):
        self.encoder = TFLiteModel(encoder)
        self.decoder_step = TFLiteModel(decoder_step)
        self.vocabulary = vocabulary
        self.max_length = max_length

    @classmethod
    def from_workdir(cls, workdir, max_length, quantization="none"):
        """The runner of the files `export` wrote in `workdir` ("none", "float16" or "int8")."""
        files = []
        for stem in ("encoder", "decoder_step"):
            path = os.path.join(workdir, tflite_file_name(stem, quantization))
            if not os.path.isfile(path):
                raise ValueError(f"{path} not found: run the recipe's export first.")
            with open(path, "rb") as file:
                files.append(file.read())
        vocabulary = Vocabulary.load(os.path.join(workdir, "vocabulary.txt"))
        return cls(files[0], files[1], vocabulary, max_length)

    def _decode(self, image, forced_ids=None):
        """Greedy ids of one image; with `forced_ids`, each step is fed forced_ids[t - 1] instead of
        its own previous choice (teacher forcing) and the step's own argmax is still returned."""
        encoded = self.encoder(image=np.asarray(image, np.float32)[None])
        memory = encoded.pop("memory")
        states = encoded
        token, ids = self.vocabulary.ids[START], []
        steps = self.max_length if forced_ids is None else len(forced_ids)
        for t in range(steps):
            outputs = self.decoder_step(token=np.array([token], np.int32), memory=memory, **states)
            choice = int(np.argmax(outputs["logits"][0]))
            ids.append(choice)
            states = {name: value for name, value in outputs.items() if name.startswith("state_")}
            if forced_ids is None and choice == self.vocabulary.ids[END]:
                break
            token = choice if forced_ids is None else int(forced_ids[t])
        return ids

    def caption_ids(self, image):
        """The greedy ids of one image (float32 (size, size, 3)), [END] included if reached."""
        return self._decode(image)

    def token_choices(self, image, ids):
        """The token the files pick at each step when fed `ids` (another decoder's greedy ids) as
        the previous tokens: how often they agree with `ids` is their token agreement."""
        return self._decode(image, forced_ids=ids)

    def caption(self, image):
        """The greedy caption of one image."""
        return self.vocabulary.decode([self.caption_ids(image)])[0]
