"""`python -m zoo.recipes.frame_labeling`: a label for every 10 ms frame of audio, with a stacked
bidirectional RNN over a log-mel front end (Graves & Schmidhuber, 2005).

With no verb it trains on the embedded synthetic speech (or `--data DIR`, a TIMIT-layout folder)
beside the comparison models, evaluates on unseen speakers, and exports to
`saved_models/frame_labeling/`.
"""

import sys

from zoo.frame_labeling.recipe import RECIPE
from zoo.recipes import cli


def main(argv=None, stdin=None):
    return cli.main(RECIPE, argv, stdin)


if __name__ == "__main__":
    sys.exit(main())
