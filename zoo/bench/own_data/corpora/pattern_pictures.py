"""Pictures of stripes, letters and checkerboards with captions, in the Flickr8k layout.

`Images/<name>.jpg` (96 × 96 JPEGs named like Flickr8k's, with a little noise) and `captions.txt`
(CSV with the header `image,caption`, three captions per image): the folder `zoo.data.flickr8k`
reads for the captioning recipe's `--data`. Unlike the embedded scenes, the captions speak of
stripe counts and orientations, letters and grid sizes, in five wordings a kind.

Three rows are damaged on purpose, as downloaded corpora are: one names a truncated JPEG, one
names an image that is not there, and one has an empty caption. A reader should skip and count
each, and keep everything else.
"""

import csv
import io
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFont

IMAGE_SIZE = 96
COLOURS = {
    "red": (220, 30, 30), "green": (30, 170, 50), "blue": (30, 60, 210),
    "yellow": (240, 220, 30), "white": (245, 245, 245), "black": (15, 15, 15),
    "orange": (245, 140, 20), "purple": (130, 40, 160),
}
MIN_CONTRAST = 140  # RGB distance between foreground and background
STRIPE_COUNTS = {1: "one", 2: "two", 3: "three"}
STRIPE_WIDTHS = {1: (14, 25), 2: (10, 19), 3: (8, 15)}  # pixels, [low, high)
GRID_SIZES = {2: "two", 3: "three", 4: "four", 6: "six", 8: "eight"}
LETTERS = "ABCDEF"
CAPTIONS_PER_IMAGE = 3
FONT_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# Where the damaged rows go in a 600-image file (1,800 rows); other sizes scale them.
DAMAGED_ROW_POSITIONS = (250, 901, 1402)


def _article(word):
    return "an" if word[0] in "aeiou" else "a"


def _load_font(size):
    for path in FONT_FILES:
        if os.path.exists(path):
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def stripe_captions(count, orientation, foreground, background):
    """Five wordings of "`count` `orientation` `foreground` stripes on `background`"."""
    number, plural = STRIPE_COUNTS[count], "" if count == 1 else "s"
    on_background = f"{_article(background)} {background} background"
    runs = "up and down" if orientation == "vertical" else "from side to side"
    if count == 1:
        bars = f"{_article(foreground)} {foreground} and {background} picture with a single {orientation} bar"
        bands = f"{_article(foreground)} {foreground} band runs {runs} across {on_background}"
    else:
        bars = f"{_article(foreground)} {foreground} and {background} striped picture with {number} {orientation} bars"
        bands = f"{number} {foreground} bands run {runs} across {on_background}"
    return [
        f"{number} {orientation} {foreground} stripe{plural} on {on_background}",
        bars,
        f"{_article(background)} {background} image with {number} {foreground} {orientation} line{plural}",
        bands,
        f"{orientation} {foreground} stripe{plural} painted on plain {background}",
    ]


def letter_captions(letter, foreground, background):
    """Five wordings of "a `foreground` letter `letter` on `background`"."""
    letter = letter.lower()
    on_background = f"{_article(background)} {background} background"
    return [
        f"{_article(foreground)} {foreground} letter {letter} on {on_background}",
        f"the letter {letter} drawn in {foreground} on {on_background}",
        f"{_article(background)} {background} picture showing a large {foreground} {letter}",
        f"a big {foreground} capital {letter} on plain {background}",
        f"a single {foreground} character {letter} in the middle of {_article(background)} {background} square",
    ]


def checkerboard_captions(grid_size, foreground, background):
    """Four wordings of "a `foreground` and `background` checkerboard of `grid_size` × `grid_size`"."""
    side = GRID_SIZES[grid_size]
    return [
        f"{_article(foreground)} {foreground} and {background} checkerboard",
        f"a checkered pattern of {foreground} and {background} squares",
        f"{_article(foreground)} {foreground} and {background} grid of {side} by {side} squares",
        f"a chessboard pattern with alternating {foreground} and {background} tiles",
    ]


def _contrasting_colours(rng):
    names = list(COLOURS)
    while True:
        foreground, background = (names[index] for index in rng.choice(len(names), size=2, replace=False))
        if np.linalg.norm(np.subtract(COLOURS[foreground], COLOURS[background])) > MIN_CONTRAST:
            return foreground, background


def _draw_stripes(canvas, rng, foreground, background):
    count = int(rng.integers(1, 4))
    orientation = "vertical" if rng.random() < 0.5 else "horizontal"
    width = int(rng.integers(*STRIPE_WIDTHS[count]))
    slot = IMAGE_SIZE / count
    for index in range(count):
        centre = int(slot * (index + 0.5) + rng.integers(-3, 4))
        low, high = centre - width // 2, centre + width // 2
        box = (low, 0, high, IMAGE_SIZE) if orientation == "vertical" else (0, low, IMAGE_SIZE, high)
        canvas.rectangle(box, fill=COLOURS[foreground])
    return stripe_captions(count, orientation, foreground, background)


def _draw_letter(canvas, rng, foreground, background, font):
    letter = LETTERS[rng.integers(len(LETTERS))]
    centre_x = IMAGE_SIZE / 2 + rng.integers(-6, 7)
    centre_y = IMAGE_SIZE / 2 + rng.integers(-6, 7)
    canvas.text((centre_x, centre_y), letter, fill=COLOURS[foreground], font=font, anchor="mm")
    return letter_captions(letter, foreground, background)


def _draw_checkerboard(canvas, rng, foreground, background):
    grid_size = int(rng.choice(list(GRID_SIZES)))
    cell = IMAGE_SIZE / grid_size
    for row in range(grid_size):
        for column in range(grid_size):
            if (row + column) % 2 == 0:
                canvas.rectangle((round(column * cell), round(row * cell),
                                  round((column + 1) * cell) - 1, round((row + 1) * cell) - 1),
                                 fill=COLOURS[foreground])
    return checkerboard_captions(grid_size, foreground, background)


def draw_picture(rng, font):
    """One noisy picture of stripes, a letter or a checkerboard, with three of its captions.

    Args:
        rng: a `numpy.random.Generator`; it decides everything.
        font: a Pillow font for the letters.

    Returns:
        `(image, captions)`: an RGB `PIL.Image` of IMAGE_SIZE × IMAGE_SIZE and a list of three strings.
    """
    foreground, background = _contrasting_colours(rng)
    image = Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE), COLOURS[background])
    canvas = ImageDraw.Draw(image)
    kind = ("stripes", "letter", "checkerboard")[rng.integers(3)]
    if kind == "stripes":
        captions = _draw_stripes(canvas, rng, foreground, background)
    elif kind == "letter":
        captions = _draw_letter(canvas, rng, foreground, background, font)
    else:
        captions = _draw_checkerboard(canvas, rng, foreground, background)
    pixels = np.asarray(image, dtype=np.float32)
    pixels = pixels + rng.normal(0.0, 6.0, pixels.shape)
    pixels = pixels * rng.uniform(0.92, 1.05)  # brightness
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    chosen = rng.choice(len(captions), size=CAPTIONS_PER_IMAGE, replace=False)
    return image, [captions[index] for index in chosen]


def _flickr_name(rng, used):
    """A new name shaped like Flickr8k's, e.g. "2590377104_c624abb14f.jpg"."""
    while True:
        digits = str(int(rng.integers(10**9, 4 * 10**9)))
        suffix = "".join("0123456789abcdef"[index] for index in rng.integers(0, 16, 10))
        name = f"{digits}_{suffix}.jpg"
        if name not in used:
            used.add(name)
            return name


def _jpeg_bytes(image):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def write_pattern_pictures(directory, image_count=600, seed=4321):
    """Writes `image_count` captioned pictures and the three damaged rows in the Flickr8k layout.

    Args:
        directory: str. Where `Images/` and `captions.txt` go (created if missing).
        image_count: int, default 600. Readable images; each has three caption rows.
        seed: int, default 4321. The same seed gives the same bytes.

    Returns:
        A one-line summary naming the damaged rows, e.g. "flickr_shapes: 600 images + 1 truncated (...);
        1803 caption rows; ...".
    """
    rng = np.random.default_rng(seed)
    font = _load_font(72)
    images = os.path.join(directory, "Images")
    os.makedirs(images, exist_ok=True)
    used, names, rows = set(), [], []
    for _ in range(image_count):
        name = _flickr_name(rng, used)
        image, captions = draw_picture(rng, font)
        with open(os.path.join(images, name), "wb") as file:
            file.write(_jpeg_bytes(image))
        names.append(name)
        rows.extend((name, caption) for caption in captions)
    truncated_image, truncated_captions = draw_picture(rng, font)
    truncated_name = _flickr_name(rng, used)
    with open(os.path.join(images, truncated_name), "wb") as file:
        file.write(_jpeg_bytes(truncated_image)[:40])  # cut inside the JPEG header
    missing_name = _flickr_name(rng, used)
    empty_caption_name = names[137 * image_count // 600]
    damaged = [(truncated_name, truncated_captions[0]),
               (missing_name, "a blue letter d on a yellow background"),
               (empty_caption_name, "")]
    good_rows = len(rows)
    for position, row in zip(DAMAGED_ROW_POSITIONS, damaged):
        rows.insert(position * good_rows // 1800, row)
    with open(os.path.join(directory, "captions.txt"), "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["image", "caption"])
        writer.writerows(rows)
    return (f"{os.path.basename(directory)}: {image_count} images + 1 truncated ({truncated_name}); "
            f"{len(rows)} caption rows; missing-image row: {missing_name}; "
            f"empty-caption row for: {empty_caption_name}")
