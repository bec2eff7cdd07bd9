import io

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from zoo.data.images import decode_image, read_image_file


def _png(pixels, mode=None):
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_image_of_the_model_size_is_kept_exactly():
    pixels = np.random.default_rng(0).integers(0, 255, size=(16, 16, 3), dtype=np.uint8)
    np.testing.assert_array_equal(decode_image(_png(pixels), 16).numpy(), pixels.astype(np.float32))


def test_any_size_and_channel_count_becomes_a_square_rgb_image():
    grey = np.full((20, 40), 100, np.uint8)
    image = decode_image(_png(grey), 16).numpy()
    assert image.shape == (16, 16, 3)
    np.testing.assert_allclose(image, 100.0, atol=1e-3)
    rgba = np.zeros((8, 8, 4), np.uint8)
    assert decode_image(tf.constant(_png(rgba)), 16).shape == (16, 16, 3)


def test_unreadable_files_are_named(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("hello")
    with pytest.raises(ValueError, match="notes.png: not a readable"):
        read_image_file(str(path), 16)
    with pytest.raises(ValueError, match="absent.png: no such file"):
        read_image_file(str(tmp_path / "absent.png"), 16)


def test_a_directory_is_named_as_not_a_file(tmp_path):
    with pytest.raises(ValueError, match="not a file"):
        read_image_file(str(tmp_path), 16)
