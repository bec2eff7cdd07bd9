"""`python -m zoo.recipes.sequence_classification`: many-to-one, one class for a whole sequence.

With no verb it trains on scikit-learn's handwritten digits read as sequences of pixel rows (or,
with `--data FILE`, on a CSV / TSV of text,label rows), beside other cells on the same budget,
evaluates on the test split, and exports to `saved_models/sequence_classification/`.
"""

import sys

from zoo.sequence_classification.config import SequenceClassificationConfig
from zoo.recipes import cli

DESCRIPTION = (
    "Sequence classification (many-to-one): a stacked RNN reads a sequence and its final state picks the class. "
    "With no verb: train on scikit-learn's handwritten digits read row by row (or --data FILE, a CSV/TSV of "
    "text,label rows) beside other cells, evaluate on the test split, export."
)
VERBS = {
    "train": "train the main model and the comparison cells (resumes an interrupted run from its last checkpoint)",
    "evaluate": "accuracy and macro F1 on the test split; metrics.json, confusion.png",
    "predict": "print the predicted class of each input: image files (digits) or texts (a model trained on --data)",
    "tune": "search cell type, depth, hidden size, dropout and learning rate with keras-tuner",
    "export": "write the SavedModel and TFLite files, each checked against the Keras model",
}


def main(argv=None):
    args = cli.parser("sequence_classification", SequenceClassificationConfig, DESCRIPTION, VERBS,
                      "an image file of a digit, or a text for a model trained on --data").parse_args(
        sys.argv[1:] if argv is None else argv)  # fmt: skip

    from zoo.sequence_classification import workflow

    return cli.run_verb("sequence_classification", args, workflow, SequenceClassificationConfig,
                        lambda: workflow.predict(args.workdir, args.inputs))


if __name__ == "__main__":
    sys.exit(main())
