"""`python -m zoo.recipes.captioning`: image captioning, a CNN encoder and an RNN decoder with attention.

With no verb it trains on the embedded scenes (or `--data DIR`, a Flickr8k-style folder),
evaluates on the test split, shows captions, and exports to `saved_models/captioning/`.
"""

import sys

from zoo.recipes import cli

DESCRIPTION = (
    "Image captioning: a CNN encoder and an RNN decoder with attention. With no verb: train on the embedded "
    "scenes (or --data DIR, a Flickr8k-style folder), evaluate on the test split, show captions, export."
)
VERBS = {
    "train": "train (resumes an interrupted run from its last checkpoint)",
    "evaluate": "BLEU-1..4 and exact match on the test split; metrics.json, samples.png, attention.png",
    "predict": "print a caption for each image file",
    "export": "write the SavedModel (image bytes → caption) and TFLite files, each checked first",
}


def main(argv=None):
    args = cli.parser("captioning", DESCRIPTION, VERBS, "PNG or JPEG files of any size").parse_args(
        sys.argv[1:] if argv is None else argv
    )

    def command():
        from zoo.captioning import workflow
        from zoo.captioning.config import CaptioningConfig

        verbose = cli.verbosity(args)
        if args.verb == "predict":
            return 1 if workflow.predict(args.workdir, args.inputs) else 0
        if args.verb == "evaluate":
            workflow.evaluate(args.workdir)
            return 0
        if args.verb == "export":
            workflow.export(args.workdir)
            return 0
        config = cli.read_config("captioning", CaptioningConfig, args)
        if args.verb == "train":
            workflow.train(config, args.workdir, verbose=verbose)
            return 0
        workflow.run(config, args.workdir, verbose=verbose)
        return 0

    return cli.run_command(command)


if __name__ == "__main__":
    sys.exit(main())
