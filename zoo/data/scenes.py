"""Scenes of simple shapes with reference captions: the captioning recipe's embedded dataset.

Each scene holds one to three objects (4 shapes, 6 colours, 2 sizes) at distinct horizontal
positions, over a textured, noisy background, rendered with Pillow. Each has at least three
reference captions that vary wording and order ("a small red circle left of a large blue
square" / "a large blue square to the right of a small red circle" / ...). Everything follows
from the seed.

The test split holds shape–colour pairs that never appear in training or validation
(`HELD_OUT_PAIRS`), so a high test score means the model describes what it sees rather than
recalling scenes it memorized; the "test_seen" split holds new scenes of the pairs training has
seen, the in-distribution score beside it.
"""

import dataclasses
import itertools

import numpy as np
from PIL import Image, ImageDraw

from zoo.errors import UsageError

SHAPES = ("circle", "square", "triangle", "diamond")
COLOURS = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 220),
    "yellow": (230, 210, 40),
    "purple": (150, 60, 190),
    "white": (245, 245, 245),
}
SIZES = {"small": 0.09, "large": 0.15}  # radius as a fraction of the image side; 2 × 0.15 < 1/3
HELD_OUT_PAIRS = frozenset({("circle", "green"), ("square", "yellow"), ("triangle", "white"), ("diamond", "red")})
# "test" holds a held-out pair in every scene; "test_seen" is the in-distribution test split: new scenes of
# the pairs training has seen (appended last, so the other splits' random streams are unchanged).
SPLITS = ("train", "validation", "test", "test_seen")
VERSION = 1  # bump when generation changes: it keys the cache


@dataclasses.dataclass(frozen=True)
class SceneObject:
    shape: str
    colour: str
    size: str
    x: float  # centre, as fractions of the image side
    y: float

    @property
    def phrase(self):
        return f"{self.size} {self.colour} {self.shape}"


def _pairs_for(split):
    pairs = list(itertools.product(SHAPES, COLOURS))
    if split == "test":
        return pairs, sorted(HELD_OUT_PAIRS)
    return [p for p in pairs if p not in HELD_OUT_PAIRS], None


def random_scene(rng, split):
    """1–3 objects, left to right; a test scene contains at least one held-out pair."""
    if split not in SPLITS:
        raise UsageError(f"`split` must be one of {SPLITS}; received split={split!r}.")
    allowed, required = _pairs_for(split)
    count = int(rng.integers(1, 4))
    pairs = [allowed[i] for i in rng.integers(0, len(allowed), size=count)]
    if required is not None:
        pairs[int(rng.integers(0, count))] = required[int(rng.integers(0, len(required)))]
    slots = np.sort(rng.choice(3, size=count, replace=False))
    objects = []
    for (shape, colour), slot in zip(pairs, slots):
        size = ("small", "large")[int(rng.integers(0, 2))]
        x = (slot + 0.5) / 3 + rng.uniform(-0.015, 0.015)  # one third of the width each: no overlap
        y = rng.uniform(0.3, 0.7)
        objects.append(SceneObject(shape, colour, size, float(x), float(y)))
    return objects


def captions(objects):
    """At least three reference captions of a scene (objects ordered left to right)."""
    phrases = [o.phrase for o in objects]
    if len(phrases) == 1:
        (a,) = phrases
        return [f"a {a}", f"there is a {a}", f"a {a} on its own"]
    if len(phrases) == 2:
        a, b = phrases
        return [f"a {a} left of a {b}", f"a {b} to the right of a {a}", f"a {a} and a {b}"]
    a, b, c = phrases
    return [
        f"a {a} , a {b} and a {c}",
        f"a {a} left of a {b} left of a {c}",
        f"a {c} to the right of a {b} and a {a}",
    ]


def _polygon(shape, cx, cy, r):
    if shape == "square":
        return [(cx - r, cy - r), (cx + r, cy - r), (cx + r, cy + r), (cx - r, cy + r)]
    if shape == "triangle":
        return [(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)]
    return [(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)]  # diamond


def render(objects, rng, image_size=64):
    """An RGB uint8 image (image_size, image_size, 3): textured background, the objects, noise."""
    gradient = np.linspace(0, 1, image_size)[None, :, None]
    base = rng.uniform(40, 110, size=3)
    tilt = rng.uniform(-30, 30, size=3)
    background = base + tilt * gradient + rng.normal(0, 6, size=(image_size, image_size, 3))
    image = Image.fromarray(np.clip(np.broadcast_to(background, (image_size, image_size, 3)), 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for o in objects:
        cx, cy, r = o.x * image_size, o.y * image_size, SIZES[o.size] * image_size
        colour = tuple(int(np.clip(c + rng.normal(0, 8), 0, 255)) for c in COLOURS[o.colour])
        if o.shape == "circle":
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
        else:
            draw.polygon(_polygon(o.shape, cx, cy, r), fill=colour)
    pixels = np.asarray(image, dtype=np.float32) + rng.normal(0, 4, size=(image_size, image_size, 3))
    return np.clip(pixels, 0, 255).astype(np.uint8)


def generate(split, count, seed=0, image_size=64):
    """`(images, captions)`: uint8 (count, size, size, 3) and, per image, its reference captions.

    Args:
        split: "train", "validation", "test" (every scene holds a held-out pair) or "test_seen" (new
            scenes of the seen pairs only).
        count: int, number of scenes.
        seed: int. The same seed and split always give the same scenes; splits use distinct
            random streams.
        image_size: int, default 64.
    """
    if split not in SPLITS:
        raise UsageError(f"`split` must be one of {SPLITS}; received split={split!r}.")
    rng = np.random.default_rng([seed, SPLITS.index(split)])
    images, references = [], []
    for _ in range(count):
        objects = random_scene(rng, split)
        images.append(render(objects, rng, image_size))
        references.append(captions(objects))
    return np.stack(images) if images else np.zeros((0, image_size, image_size, 3), np.uint8), references
