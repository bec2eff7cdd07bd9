"""The captioning recipe's settings (`recipes/captioning.toml` is written from them)."""

import dataclasses

from zoo.errors import UsageError
from zoo import checks
from zoo.config import RecipeConfig, absolute_data_path
from zoo.settings import setting
from zoo.encoders.image import BACKBONES
from zoo.layers.attention import ATTENTIONS


@dataclasses.dataclass(frozen=True)
class CaptioningConfig(RecipeConfig):
    """Every setting of `python -m zoo.recipes.captioning`; `--set key=value` overrides one.

    The keys of the first group are those of every recipe (`zoo.config.RecipeConfig`); `units` and
    `depth` are the decoder's.
    """

    units: int = setting(192, "the decoder's hidden size")
    depth: int = setting(1, "the decoder's stacked recurrent layers")
    learning_rate: float = 2e-3
    data: str = setting("", 'a Flickr8k-style folder (Images/ and captions.txt; --data DIR); "" = the embedded '
                            "scenes", group="Data")
    train_images: int = setting(4000, "embedded scenes: training images")
    validation_images: int = setting(200, "embedded scenes: validation images")
    test_images: int = setting(300, "embedded scenes: test images, each holding a shape–colour pair never seen in "
                                    "training (novel pairs)")
    test_seen_images: int = setting(300, "embedded scenes: new scenes of the seen pairs (the in-distribution test "
                                         "split)")
    validation_fraction: float = setting(0.1, "Flickr8k-style folders: share of images held out for validation, "
                                              "by a hash of each image's name")
    test_fraction: float = setting(0.1, "Flickr8k-style folders: share of images held out for test")
    min_token_count: int = setting(1, "rarer training tokens become [UNK]")
    image_size: int = setting(64, "images are resized to image_size × image_size pixels", group="Model")
    encoder: str = setting("small_cnn", 'small_cnn, factored_cnn (colour and shape apart) or mobilenet_v3_small '
                                        "(with encoder_weights)")
    encoder_weights: str = setting("", 'a local weights file for a keras.applications encoder; "" = none')
    embedding_dim: int = setting(64, "word embedding size")
    attention: str = setting("bahdanau", "bahdanau or luong")
    attention_units: int = setting(64, "hidden size of the attention's scoring layer")
    word_dropout: float = setting(0.25, "share of the decoder's input words replaced by [UNK] in training (word "
                                        "dropout: captions lean on the image, not the word before)")
    max_caption_length: int = setting(24, "tokens generated at most, [END] included",
                                      group="Decoding and evaluation")
    beam_width: int = setting(3, "beams kept by beam search (1 = greedy)")
    length_penalty: float = setting(0.6, "the α of beam search's length normalization (Wu et al., 2016); 0 = none")
    samples: int = setting(8, "test images drawn in samples.png")
    quantizations: tuple[str, ...] = setting(("float16", "int8"), "TFLite variants besides float32: float16, int8, "
                                                                  "full_int8 (calibrated, all-integer)", group="Export")
    agreement_threshold: float = setting(0.98, "least share of steps at which a quantized TFLite file picks the "
                                               "Keras token")
    export_tolerance: float = setting(1e-4, "max |difference| of float32 TFLite outputs from the Keras model's")

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
