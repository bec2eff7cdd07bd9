"""`python -m zoo.recipes.captioning`: image captioning, a CNN encoder and an RNN decoder with attention.

With no verb it trains on the embedded scenes (or `--data DIR`, a Flickr8k-style folder),
evaluates on the test split, shows captions, and exports to `saved_models/captioning/`.
"""

import sys

from zoo.captioning.config import CaptioningConfig
from zoo.recipes import cli

DESCRIPTION = (
    "Image captioning: a CNN encoder and an RNN decoder with attention. With no verb: train on the embedded "
    "scenes (or --data DIR, a Flickr8k-style folder), evaluate on the test split, show captions, export."
)
VERBS = {
    "train": "train (resumes an interrupted run from its last checkpoint)",
    "evaluate": "BLEU-1..4 and exact match on the test split; metrics.json, samples.png, attention.png",
    "predict": "print a caption for each image file",
    "tune": "search cell type, depth, hidden size, dropout and learning rate with keras-tuner",
    "export": "write the SavedModel (image bytes → caption) and TFLite files, each checked first",
}


def main(argv=None):
    args = cli.parser("captioning", CaptioningConfig, DESCRIPTION, VERBS, "PNG or JPEG files of any size").parse_args(
        sys.argv[1:] if argv is None else argv)

    from zoo.captioning import workflow

    return cli.run_verb("captioning", args, workflow, CaptioningConfig, lambda: workflow.predict(args.workdir, args.inputs))


if __name__ == "__main__":
    sys.exit(main())
