"""Small corpora in real public layouts, for measuring recipes on data they were not written for.

The embedded data (`zoo.data.phrases`, `scenes`, `speech`) is what each recipe was tuned on. These
corpora are different data in the layouts people download, read through each recipe's `--data`:

    numbers_fr.tsv   Tatoeba / Anki TSV      English<TAB>French<TAB>attribution     (translation)
    flickr_shapes/   Flickr8k layout         Images/*.jpg + captions.txt            (captioning)
    timit_small/     TIMIT layout            {TRAIN,TEST}/DR1/<SPEAKER>/<UTT>.wav + .phn  (frame labeling)
    timit_flat/      the same utterances     <SPEAKER>/<UTT>.wav + .phn, no TRAIN / TEST

Every corpus is synthetic and follows from a fixed seed: the same call writes the same bytes.

    python -m zoo.bench.own_data.corpora OUTDIR [--scale 0.1]
"""

import os
import shutil

from zoo.errors import UsageError
from zoo.bench.own_data.corpora.numbers_tsv import write_numbers_tsv
from zoo.bench.own_data.corpora.pattern_pictures import write_pattern_pictures
from zoo.bench.own_data.corpora.synthetic_speech import UTTERANCES, write_synthetic_speech

NUMBERS_FILE = "numbers_fr.tsv"
PICTURES_FOLDER = "flickr_shapes"
TIMIT_FOLDER = "timit_small"
FLAT_FOLDER = "timit_flat"
# At scale 1.0, and the least any scale gives (so every split of every recipe gets something).
FULL_COUNTS = {"pairs": 800, "images": 600, "utterances_per_speaker": len(UTTERANCES)}
MINIMUM_COUNTS = {"pairs": 20, "images": 10, "utterances_per_speaker": 3}


def scaled_counts(scale):
    """`FULL_COUNTS` times `scale`, rounded, and at least `MINIMUM_COUNTS`.

    Example: `scaled_counts(0.05)` is `{"pairs": 40, "images": 30, "utterances_per_speaker": 3}`.
    """
    if not 0 < scale <= 1:
        raise UsageError(f"scale must be in (0, 1]; received {scale}.")
    return {name: max(MINIMUM_COUNTS[name], round(full * scale)) for name, full in FULL_COUNTS.items()}


def write_corpora(directory, scale=1.0):
    """Writes the four corpora into `directory`, replacing any earlier copy of their folders.

    Args:
        directory: str. Created if missing; only `NUMBERS_FILE`, `PICTURES_FOLDER`, `TIMIT_FOLDER` and
            `FLAT_FOLDER` inside it are written (the folders are removed first, so no stale file stays).
        scale: float in (0, 1], default 1.0: 800 pairs, 600 images, 7 speakers × 10 utterances.
            Smaller values shrink the counts (see `scaled_counts`) for tests; the speakers stay seven.

    Returns:
        A list of one-line summaries, one per corpus, e.g.
        `["numbers_fr.tsv: 800 English → French pairs", "flickr_shapes: 600 images + ...", ...]`.
    """
    counts = scaled_counts(scale)
    os.makedirs(directory, exist_ok=True)
    for folder in (PICTURES_FOLDER, TIMIT_FOLDER, FLAT_FOLDER):
        shutil.rmtree(os.path.join(directory, folder), ignore_errors=True)
    utterances = counts["utterances_per_speaker"]
    return [
        write_numbers_tsv(os.path.join(directory, NUMBERS_FILE), counts["pairs"]),
        write_pattern_pictures(os.path.join(directory, PICTURES_FOLDER), counts["images"]),
        write_synthetic_speech(os.path.join(directory, TIMIT_FOLDER), utterances, layout="timit"),
        write_synthetic_speech(os.path.join(directory, FLAT_FOLDER), utterances, layout="flat"),
    ]
