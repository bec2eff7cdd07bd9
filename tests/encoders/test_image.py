import keras
import numpy as np
import pytest

from zoo.encoders import GridPositions, image_encoder


def test_small_cnn_gives_an_8_by_8_grid_at_64_pixels():
    encoder = image_encoder("small_cnn", 64)
    grid = encoder(np.zeros((2, 64, 64, 3), "float32"))
    assert grid.shape == (2, 64, 128)


def test_factored_cnn_shape_features_are_blind_to_hue_and_colour_features_to_shape():
    encoder = image_encoder("factored_cnn", 64)
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 255, (1, 64, 64, 3)).astype("float32")
    swapped = image[..., [1, 0, 2]]  # red ↔ green: the luminance (R + G + B) / 3 stays
    grid, grid_swapped = np.asarray(encoder(image)), np.asarray(encoder(swapped))
    assert grid.shape == (1, 64, 128)
    np.testing.assert_allclose(grid_swapped[..., :96], grid[..., :96], atol=1e-4)
    assert np.abs(grid_swapped[..., 96:] - grid[..., 96:]).max() > 1e-2

    shuffled = image.reshape(1, 8, 8, 8, 8, 3)[:, :, ::-1].reshape(1, 64, 64, 3)  # rows moved within each cell
    colour_grid = np.asarray(encoder(np.ascontiguousarray(shuffled)))[..., 96:]
    np.testing.assert_allclose(colour_grid, grid[..., 96:], atol=1e-5)  # colour: max-pooled per cell


def test_grid_positions_tell_cells_apart():
    layer = GridPositions()
    grid = layer(np.zeros((1, 2, 3, 4), "float32")).numpy()
    assert grid.shape == (1, 6, 4)
    assert len({tuple(row) for row in grid[0]}) == 6, "identical features get distinct position codes"


def test_mobilenet_loads_weights_only_from_a_local_file(tmp_path):
    source = image_encoder("mobilenet_v3_small", 32)
    backbone = next(layer for layer in source.layers if isinstance(layer, keras.Model))
    path = str(tmp_path / "backbone.weights.h5")
    backbone.save_weights(path)
    loaded = image_encoder("mobilenet_v3_small", 32, weights_path=path)
    loaded_backbone = next(layer for layer in loaded.layers if isinstance(layer, keras.Model))
    for a, b in zip(backbone.get_weights(), loaded_backbone.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert loaded(np.zeros((1, 32, 32, 3), "float32")).shape == (1, 1, 576)


def test_bad_encoder_settings_are_named(tmp_path):
    with pytest.raises(ValueError, match="encoder_weights: .* is not a file"):
        image_encoder("mobilenet_v3_small", 32, weights_path=str(tmp_path / "absent.h5"))
    with pytest.raises(ValueError, match="encoder"):
        image_encoder("resnet", 32)
    with pytest.raises(ValueError, match="small_cnn"):
        image_encoder("small_cnn", 32, weights_path=str(tmp_path))
