"""The captioning recipe's settings (`recipes/captioning.toml` holds the same defaults)."""

import dataclasses

from zoo.errors import UsageError
from zoo import checks
from zoo.config import RecipeConfig, absolute_data_path
from zoo.encoders.image import BACKBONES
from zoo.layers.attention import ATTENTIONS


@dataclasses.dataclass(frozen=True)
class CaptioningConfig(RecipeConfig):
    """Every setting of `python -m zoo.recipes.captioning`; `--set key=value` overrides one.

    The basic keys (seed, cell, units, depth, dropout, batch_size, epochs, learning_rate, clipnorm,
    train_minutes) are those of every recipe (`zoo.config.RecipeConfig`); `depth` is the decoder's.
    """

    units: int = 192
    learning_rate: float = 2e-3
    data: str = ""  # a Flickr8k-style folder (--data DIR); "" = the embedded scenes
    # Model.
    image_size: int = 64
    encoder: str = "small_cnn"
    encoder_weights: str = ""  # a local weights file for a keras.applications encoder; "" = none
    embedding_dim: int = 64
    attention: str = "bahdanau"
    attention_units: int = 64
    word_dropout: float = 0.0  # share of the decoder's input words replaced by [UNK] in training
    # Decoding and evaluation.
    max_caption_length: int = 24  # tokens generated at most, [END] included
    beam_width: int = 3
    length_penalty: float = 0.6
    samples: int = 8  # test images drawn in samples.png
    # Embedded data (scenes): images per split.
    train_images: int = 4000
    validation_images: int = 200
    test_images: int = 300  # embedded: scenes that each hold a shape–colour pair never seen in training
    test_seen_images: int = 300  # embedded: new scenes of seen pairs (the in-distribution test split)
    # Flickr8k-style data: the share of images held out, split by a hash of each image's name.
    validation_fraction: float = 0.1
    test_fraction: float = 0.1
    min_token_count: int = 1  # rarer training tokens become [UNK]
    # Export.
    quantizations: tuple[str, ...] = ("float16", "int8")  # "full_int8" too: calibrated, all-integer
    agreement_threshold: float = 0.98  # share of steps at which quantized TFLite files pick the Keras token
    export_tolerance: float = 1e-4  # max |difference| of float32 TFLite outputs from the Keras model's

    def __post_init__(self):
        super().__post_init__()
        absolute_data_path(self)
        checks.one_of("encoder", self.encoder, BACKBONES)
        checks.one_of("attention", self.attention, tuple(ATTENTIONS))
        for name in ("image_size", "embedding_dim", "attention_units", "max_caption_length", "beam_width",
                     "train_images", "validation_images", "test_images", "test_seen_images",
                     "min_token_count"):
            checks.positive_int(name, getattr(self, name))
        for name in ("validation_fraction", "test_fraction", "word_dropout"):
            checks.rate(name, getattr(self, name))
        if self.length_penalty < 0:
            raise UsageError(f"`length_penalty` must be >= 0; received length_penalty={self.length_penalty}.")
        for quantization in self.quantizations:
            checks.one_of("quantizations", quantization, ("float16", "int8", "full_int8"))
