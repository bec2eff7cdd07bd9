"""`python -m zoo.recipes.captioning`: image captioning, a CNN encoder and an RNN decoder with attention.

With no verb it trains on the embedded scenes (or `--data DIR`, a Flickr8k-style folder),
evaluates on the test split, shows captions, and exports to `saved_models/captioning/`.
"""

import sys

from zoo.captioning.recipe import RECIPE
from zoo.recipes import cli


def main(argv=None, stdin=None):
    return cli.main(RECIPE, argv, stdin)


if __name__ == "__main__":
    sys.exit(main())
