"""`python -m zoo.bench.own_data.corpora OUTDIR`: writes the four corpora and a line about each."""

import argparse
import sys
import time

from zoo.bench.own_data.corpora import FLAT_FOLDER, NUMBERS_FILE, PICTURES_FOLDER, TIMIT_FOLDER, write_corpora


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m zoo.bench.own_data.corpora",
        description=(
            f"Writes small synthetic corpora in real public layouts into OUTDIR: {NUMBERS_FILE} (Tatoeba / Anki "
            f"TSV, for translation), {PICTURES_FOLDER}/ (Flickr8k layout with three damaged rows, for captioning), "
            f"{TIMIT_FOLDER}/ (TIMIT layout with TRAIN/TEST, for frame labeling) and {FLAT_FOLDER}/ (the same "
            "utterances without TRAIN/TEST). Give each to a recipe's --data. Fixed seeds: the same bytes every run."
        ),
    )
    parser.add_argument("outdir", metavar="OUTDIR",
                        help="folder to write into (created if missing; the corpus folders in it are replaced)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="shrink the counts, in (0, 1]: 1.0 = 800 pairs, 600 images, 7 speakers × 10 "
                             "utterances (default 1.0; smaller for tests)")
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 1:
        parser.error(f"--scale must be in (0, 1]; received {args.scale}")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    for line in write_corpora(args.outdir, args.scale):
        print(line)
    print(f"wrote {args.outdir} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
