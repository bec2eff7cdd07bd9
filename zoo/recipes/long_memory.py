"""`python -m zoo.recipes.long_memory`: why gated cells exist, measured.

With no verb it trains every cell on the adding problem and the copy task at growing lengths
within a fixed budget each (which lengths each cell learns), draws the gradient reaching each
step (`gradients.png`) and a simple RNN trained with and without clipping (`clipping.png`), then
trains, evaluates and exports the main model, saving everything in `saved_models/long_memory/`.
"""

import sys

from zoo.long_memory.config import LongMemoryConfig
from zoo.recipes import cli

DESCRIPTION = (
    "The long-memory lab: the adding problem and the copy task at growing lengths for every cell on the same "
    "budget, the vanishing gradient made visible, and exploding gradients tamed by clipping. With no verb: run it "
    "all, then train, evaluate and export the main model (its cell on the adding problem)."
)
VERBS = {
    "train": "the sweep (resumes where an interrupted one stopped), gradients.png, clipping.png and the main model",
    "evaluate": "print the sweep tables, the clipping result and the main model's test MSE; metrics.json",
    "predict": "the main model's sum for each CSV of value,marker rows (two markers set)",
    "tune": "search cell type, hidden size and learning rate of the main model with keras-tuner",
    "export": "write the main model's SavedModel and TFLite file, each checked against Keras",
}


def main(argv=None):
    args = cli.parser("long_memory", LongMemoryConfig, DESCRIPTION, VERBS, "a CSV file of value,marker "
                      "rows").parse_args(sys.argv[1:] if argv is None else argv)

    from zoo.long_memory import workflow

    return cli.run_verb("long_memory", args, workflow, LongMemoryConfig,
                        lambda: workflow.predict(args.workdir, args.inputs))


if __name__ == "__main__":
    sys.exit(main())
