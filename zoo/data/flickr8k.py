"""Reader of the Flickr8k layout: `Images/` and `captions.txt` (CSV `image,caption`, several rows
per image), split deterministically into train / validation / test by image.

Bad input never crashes the read halfway: a row with an empty caption, a row naming a missing
image or a path that leaves the dataset folder, and an image that does not decode are skipped,
each reported with its file and line and counted in the summary. A missing or empty
`captions.txt`, or a header other than `image,caption`, is an error.
"""

import collections
import dataclasses
import os
import sys

import numpy as np

from zoo.errors import UsageError
from zoo.data.delimited import read_rows
from zoo.data.images import read_image_file
from zoo.data.skipped import SkippedLines
from zoo.data.splits import assign_splits, describe_moves

HEADER = ["image", "caption"]


@dataclasses.dataclass
class CaptionedImages:
    """Images with their reference captions and file names."""

    images: np.ndarray  # uint8 (count, size, size, 3)
    references: list  # per image, its captions
    names: list  # per image, its file name

    def subset(self, indices):
        return CaptionedImages(self.images[indices], [self.references[i] for i in indices],
                               [self.names[i] for i in indices])


def _safe_relative(name):
    return name and not os.path.isabs(name) and ".." not in name.replace("\\", "/").split("/")


def read_captions(directory, skip):
    """`{image name: [captions]}` from `directory/captions.txt`, in file order."""
    path = os.path.join(directory, "captions.txt")
    if not os.path.isfile(path):
        raise UsageError(f"{path}: not found; a Flickr8k folder holds Images/ and captions.txt (CSV image,caption).")
    captions = collections.OrderedDict()
    rows = read_rows(path, ",", skip, "a CSV of image,caption rows")
    number, header = next(rows, (1, None))
    if header is None:
        raise UsageError(f"{path}: the file is empty; expected a header line 'image,caption' and caption rows.")
    if [h.strip().lower() for h in header] != HEADER:
        raise UsageError(f"{path}:{number}: expected the header 'image,caption'; found {','.join(header)!r}.")
    for line, row in rows:
        name = row[0].strip()
        caption = ",".join(row[1:]).strip()  # an unquoted comma inside a caption
        if not _safe_relative(name):
            skip("unsafe path", f"{path}:{line}: image path {name!r} is empty or leaves the dataset folder")
        elif not caption:
            skip("empty caption", f"{path}:{line}: empty caption for {name}")
        elif not os.path.isfile(os.path.join(directory, "Images", name)):
            skip("missing image", f"{path}:{line}: image Images/{name} not found")
        else:
            captions.setdefault(name, []).append(caption)
    if not captions:
        raise UsageError(f"{path}: no usable caption rows (see the skipped rows above).")
    return captions


def read_flickr8k(directory, image_size, progress=True, stream=sys.stderr):
    """Reads a Flickr8k-style folder: every readable image with its captions (see `split`).

    Args:
        directory: str. Holds `Images/` and `captions.txt`.
        image_size: int. Images are resized to (image_size, image_size).
        progress: bool. Show a progress bar while decoding images.
        stream: where skipped rows are reported.

    Returns:
        `(data, skipped)`: a `CaptionedImages` and a Counter of the skipped records by kind.

    Raises:
        ValueError naming the folder or file when nothing usable can be read.
    """
    import keras

    if not os.path.isdir(directory):
        raise UsageError(f"--data {directory}: not a directory; expected a folder with Images/ and captions.txt.")
    skip = SkippedLines(stream)
    captions = read_captions(directory, skip)
    images, references, names = [], [], []
    bar = keras.utils.Progbar(len(captions), unit_name="image") if progress else None
    for index, (name, image_captions) in enumerate(captions.items()):
        try:
            pixels = read_image_file(os.path.join(directory, "Images", name), image_size)
        except ValueError as error:
            skip("unreadable image", str(error))
        else:
            images.append(np.clip(np.rint(pixels), 0, 255).astype(np.uint8))
            references.append(image_captions)
            names.append(name)
        if bar is not None:
            bar.update(index + 1)
    if not images:
        raise UsageError(f"{directory}: none of the images could be read.")
    everything = CaptionedImages(np.stack(images), references, names)
    return everything, skip.counts


def split(data, validation_fraction, test_fraction):
    """`{"train", "validation", "test"}` → CaptionedImages, by a hash of each image's name
    (`zoo.data.splits.assign_splits`: a held-out split the hash leaves empty gets one training image,
    and a line says so)."""
    assignment, moved = assign_splits(data.names, validation_fraction, test_fraction)
    if moved:
        print(f"split: {describe_moves(moved, 'image')}")
    groups = collections.defaultdict(list)
    for index, name in enumerate(data.names):
        groups[assignment[name]].append(index)
    return {name: data.subset(groups[name]) for name in ("train", "validation", "test")}
