"""The Flickr8k reader on a small folder written here, damaged rows included."""

import io

import numpy as np
import pytest
from PIL import Image

from zoo.data.flickr8k import read_flickr8k, split
from zoo.data.splits import split_of


def _write_image(path, size=(40, 30), mode="RGB", format="PNG"):
    rng = np.random.default_rng(len(str(path)))
    pixels = rng.integers(0, 255, size=(size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(pixels).convert(mode).save(path, format=format)


@pytest.fixture
def folder(tmp_path):
    images = tmp_path / "Images"
    images.mkdir()
    _write_image(images / "one.png")
    _write_image(images / "two.jpg", format="JPEG")
    _write_image(images / "grey.png", mode="L")
    _write_image(images / "rgba.png", mode="RGBA")
    (images / "broken.jpg").write_bytes(b"not an image at all")
    (tmp_path / "secret.png").write_bytes(b"")
    rows = [
        "image,caption",
        "one.png,a dog runs",
        'one.png,"a dog, running"',
        "two.jpg,a cat sleeps",
        "two.jpg,",
        "grey.png,a grey picture",
        "rgba.png,a see-through picture",
        "broken.jpg,never read",
        "missing.jpg,no such file",
        "../secret.png,escapes the folder",
        "/etc/passwd,absolute",
    ]
    (tmp_path / "captions.txt").write_text("\n".join(rows) + "\n")
    return tmp_path


def test_reads_good_rows_and_counts_every_damaged_one(folder):
    log = io.StringIO()
    data, skipped = read_flickr8k(str(folder), image_size=16, progress=False, stream=log)
    assert data.names == ["one.png", "two.jpg", "grey.png", "rgba.png"]
    assert data.references[0] == ["a dog runs", "a dog, running"]
    assert data.references[1] == ["a cat sleeps"]
    assert data.images.shape == (4, 16, 16, 3) and data.images.dtype == np.uint8
    assert skipped == {"empty caption": 1, "missing image": 1, "unsafe path": 2, "unreadable image": 1}
    messages = log.getvalue()
    assert "captions.txt:5: empty caption for two.jpg" in messages
    assert "captions.txt:9: image Images/missing.jpg not found" in messages
    assert "captions.txt:10: image path '../secret.png' is empty or leaves the dataset folder" in messages
    assert "broken.jpg: not a readable PNG/JPEG/GIF/BMP image" in messages


@pytest.mark.parametrize(
    "contents, message",
    [(None, "captions.txt: not found"), ("", "the file is empty"), ("file,text\na.png,x\n", "expected the header"),
     ("image,caption\n,only a caption\n", "no usable caption rows")],
)
def test_a_missing_empty_or_wrong_captions_file_is_an_error(tmp_path, contents, message):
    (tmp_path / "Images").mkdir()
    if contents is not None:
        (tmp_path / "captions.txt").write_text(contents)
    with pytest.raises(ValueError, match=message):
        read_flickr8k(str(tmp_path), 16, progress=False, stream=io.StringIO())


def test_a_missing_folder_is_named():
    with pytest.raises(ValueError, match="--data /no/such/folder: not a directory"):
        read_flickr8k("/no/such/folder", 16, progress=False)


def test_splits_are_deterministic_by_name_and_disjoint():
    names = [f"{i}.jpg" for i in range(2000)]
    first = [split_of(n, 0.1, 0.1) for n in names]
    assert first == [split_of(n, 0.1, 0.1) for n in names]
    shares = {s: first.count(s) / len(names) for s in ("train", "validation", "test")}
    assert shares["test"] == pytest.approx(0.1, abs=0.03) and shares["validation"] == pytest.approx(0.1, abs=0.03)


def test_split_keeps_images_with_their_captions(folder):
    data, _ = read_flickr8k(str(folder), 16, progress=False, stream=io.StringIO())
    parts = split(data, 0.3, 0.3)
    assert sorted(n for p in parts.values() for n in p.names) == sorted(data.names)
    for part in parts.values():
        for name, refs in zip(part.names, part.references):
            assert refs == data.references[data.names.index(name)]
