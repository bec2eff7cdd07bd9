"""A reference runner for an encoder-decoder exported as two TFLite files: `encoder.tflite` once per
input, then `decoder_step.tflite` once per output token, greedily, as an app on a phone would loop them.

    runner = DecoderRunner.from_workdir("saved_models/captioning", max_length=24)
    runner.text({"image": pixels[None]})        # captioning: float32 (1, size, size, 3)
    runner.text({"source": source_ids[None]})   # translation: int32 (1, max_source_length)

Names of the files' inputs and outputs: the encoder takes the model's input(s) and returns
`memory`, `state_<layer>_<k>` (and `memory_mask`, 1.0 for real source tokens, where the memory has
padding); the decoder step takes `token`, `memory`, the states (and `memory_mask`) and returns
`logits`, `attention` and the new states.
"""

import os

import numpy as np

from zoo.errors import UsageError
from zoo.export.tflite_files import tflite_file_name
from zoo.export.tflite_model import TFLiteModel
from zoo.text import END, START, Vocabulary


def state_name(layer, index):
    return f"state_{layer}_{index}"


class DecoderRunner:
    """Greedy decoding from `encoder.tflite` and `decoder_step.tflite` with ai-edge-litert.

    Args:
        encoder: bytes of the encoder file.
        decoder_step: bytes of the decoder-step file.
        vocabulary: the output `zoo.text.Vocabulary` (e.g. `SubwordVocabulary`) written beside them.
        max_length: int. Most tokens per output, [END] included.
    """

    def __init__(self, encoder, decoder_step, vocabulary, max_length):
        self.encoder = TFLiteModel(encoder)
        self.decoder_step = TFLiteModel(decoder_step)
        self.vocabulary = vocabulary
        self.max_length = max_length

    @classmethod
    def from_workdir(cls, workdir, max_length, quantization="none", vocabulary_file="vocabulary.txt",
                     vocabulary_class=Vocabulary):
        """The runner of the files an export wrote in `workdir` ("none", "float16", "int8", "full_int8")."""
        files = []
        for stem in ("encoder", "decoder_step"):
            path = os.path.join(workdir, tflite_file_name(stem, quantization))
            if not os.path.isfile(path):
                raise UsageError(f"{path} not found: run the recipe's export first.")
            with open(path, "rb") as file:
                files.append(file.read())
        return cls(files[0], files[1], vocabulary_class.load(os.path.join(workdir, vocabulary_file)), max_length)

    def _decode(self, encoder_inputs, forced_ids=None):
        """Greedy ids; with `forced_ids`, step t is fed forced_ids[t - 1] (teacher forcing) and its own
        argmax is still returned."""
        context = self.encoder(**encoder_inputs)
        states = {name: value for name, value in context.items() if name.startswith("state_")}
        fixed = {name: value for name, value in context.items() if not name.startswith("state_")}
        token, ids = self.vocabulary.ids[START], []
        steps = self.max_length if forced_ids is None else len(forced_ids)
        for t in range(steps):
            outputs = self.decoder_step(token=np.array([token], np.int32), **fixed, **states)
            choice = int(np.argmax(outputs["logits"][0]))
            ids.append(choice)
            states = {name: value for name, value in outputs.items() if name.startswith("state_")}
            if forced_ids is None and choice == self.vocabulary.ids[END]:
                break
            token = choice if forced_ids is None else int(forced_ids[t])
        return ids

    def ids(self, encoder_inputs):
        """The greedy ids of one input (a dict of batch-1 arrays), [END] included if reached."""
        return self._decode(encoder_inputs)

    def token_choices(self, encoder_inputs, ids):
        """The token the files pick at each step when fed `ids` (another decoder's greedy ids) as
        the previous tokens: how often they agree with `ids` is their token agreement."""
        return self._decode(encoder_inputs, forced_ids=ids)

    def text(self, encoder_inputs):
        """The greedy output text of one input."""
        return self.vocabulary.decode([self.ids(encoder_inputs)])[0]
