"""`python -m zoo.recipes.long_memory`: why gated cells exist, measured.

With no verb it trains every cell on the adding problem and the copy task at growing lengths
within a fixed budget each (which lengths each cell learns), draws the gradient reaching each
step (`gradients.png`) and a simple RNN trained with and without clipping (`clipping.png`), then
trains, evaluates and exports the main model, saving everything in `saved_models/long_memory/`.
"""

import sys

from zoo.long_memory.recipe import RECIPE
from zoo.recipes import cli


def main(argv=None, stdin=None):
    return cli.main(RECIPE, argv, stdin)


if __name__ == "__main__":
    sys.exit(main())
