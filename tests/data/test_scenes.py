import numpy as np
import pytest

from zoo.data import scenes


def _pairs_in(references):
    found = set()
    for caption_set in references:
        for shape in scenes.SHAPES:
            for colour in scenes.COLOURS:
                if any(f"{colour} {shape}" in caption for caption in caption_set):
                    found.add((shape, colour))
    return found


def test_generation_is_deterministic_per_seed_and_split():
    a_images, a_captions = scenes.generate("train", 5, seed=3)
    b_images, b_captions = scenes.generate("train", 5, seed=3)
    np.testing.assert_array_equal(a_images, b_images)
    assert a_captions == b_captions
    c_images, _ = scenes.generate("validation", 5, seed=3)
    assert not np.array_equal(a_images, c_images)


def test_images_are_rgb_uint8_of_the_asked_size():
    images, references = scenes.generate("train", 4, image_size=48)
    assert images.shape == (4, 48, 48, 3) and images.dtype == np.uint8
    assert len(references) == 4


def test_every_scene_has_at_least_three_distinct_captions_naming_its_objects():
    rng = np.random.default_rng(0)
    for _ in range(50):
        objects = scenes.random_scene(rng, "train")
        captions = scenes.captions(objects)
        assert len(set(captions)) >= 3
        for caption in captions:
            for o in objects:
                assert o.phrase in caption
    assert scenes.captions(scenes.random_scene(np.random.default_rng(1), "test"))


def test_objects_are_ordered_left_to_right_and_the_captions_say_so():
    left = scenes.SceneObject("circle", "red", "small", 0.2, 0.5)
    right = scenes.SceneObject("square", "blue", "large", 0.8, 0.5)
    captions = scenes.captions([left, right])
    assert "a small red circle left of a large blue square" in captions
    assert "a large blue square to the right of a small red circle" in captions


def test_test_split_holds_shape_colour_pairs_never_seen_in_training():
    _, train = scenes.generate("train", 300, seed=0)
    _, validation = scenes.generate("validation", 100, seed=0)
    _, test = scenes.generate("test", 100, seed=0)
    assert not _pairs_in(train) & scenes.HELD_OUT_PAIRS
    assert not _pairs_in(validation) & scenes.HELD_OUT_PAIRS
    for caption_set in test:
        assert _pairs_in([caption_set]) & scenes.HELD_OUT_PAIRS
    assert len(_pairs_in(train)) == len(scenes.SHAPES) * len(scenes.COLOURS) - len(scenes.HELD_OUT_PAIRS)


def test_the_test_seen_split_holds_new_scenes_of_seen_pairs_only():
    images, seen = scenes.generate("test_seen", 100, seed=0)
    assert not _pairs_in(seen) & scenes.HELD_OUT_PAIRS
    validation_images, _ = scenes.generate("validation", 100, seed=0)
    assert not np.array_equal(images, validation_images), "a random stream of its own"
    assert scenes.SPLITS[:3] == ("train", "validation", "test"), "the older splits keep their random streams"


def test_objects_are_drawn_in_their_colour():
    rng = np.random.default_rng(0)
    obj = scenes.SceneObject("square", "yellow", "large", 0.5, 0.5)
    image = scenes.render([obj], rng, image_size=64)
    centre = image[28:36, 28:36].reshape(-1, 3).mean(axis=0)
    np.testing.assert_allclose(centre, scenes.COLOURS["yellow"], atol=25)


def test_rejects_an_unknown_split():
    with pytest.raises(ValueError, match="`split` must be one of"):
        scenes.generate("dev", 3)


def test_objects_never_overlap():
    rng = np.random.default_rng(5)
    for _ in range(200):
        objects = scenes.random_scene(rng, "train")
        for a, b in zip(objects, objects[1:]):
            assert b.x - a.x >= scenes.SIZES[a.size] + scenes.SIZES[b.size]
