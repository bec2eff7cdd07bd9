"""`python -m zoo.recipes.translation`: translation with an RNN encoder-decoder and attention."""

import sys

from zoo.recipes import cli
from zoo.translation.recipe import RECIPE


def main(argv=None, stdin=None):
    return cli.main(RECIPE, argv, stdin)


if __name__ == "__main__":
    sys.exit(main())
