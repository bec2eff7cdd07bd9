"""`python -m zoo.recipes.language_model`: a character-level language model, and text generation.

With no verb it trains on the source of Python's own standard library (or, with `--data PATH`, on a
.txt file or a folder of them) with truncated backpropagation through time, scores bits per
character on the test split against Kneser-Ney n-grams, writes samples, and exports to
`saved_models/language_model/`.
"""

import sys

from zoo.language_model.recipe import RECIPE
from zoo.recipes import cli


def main(argv=None, stdin=None):
    return cli.main(RECIPE, argv, stdin)


if __name__ == "__main__":
    sys.exit(main())
