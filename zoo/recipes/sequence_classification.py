"""`python -m zoo.recipes.sequence_classification`: many-to-one, one class for a whole sequence.

With no verb it trains on scikit-learn's handwritten digits read as sequences of pixel rows (or,
with `--data FILE`, on a CSV / TSV of text,label rows), beside other cells on the same budget,
evaluates on the test split, and exports to `saved_models/sequence_classification/`.
"""

import sys

from zoo.recipes import cli
from zoo.sequence_classification.recipe import RECIPE


def main(argv=None, stdin=None):
    return cli.main(RECIPE, argv, stdin)


if __name__ == "__main__":
    sys.exit(main())
