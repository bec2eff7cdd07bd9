"""`python -m zoo.recipes.translation`: translation with an RNN encoder-decoder and attention."""

import sys

from zoo.recipes import cli

DESCRIPTION = (
    "Translation: a bidirectional RNN encoder and an RNN decoder with attention. With no verb: train on the "
    "embedded phrase pairs (English → Russian; --set target_lang=de|fr|es) or --data FILE (tab-separated pairs), "
    "with a no-attention baseline, evaluate on the test split, show translations, export."
)
VERBS = {
    "train": "train (resumes an interrupted run from its last checkpoint)",
    "evaluate": "BLEU, chrF and exact match on the test split; metrics.json, attention.png",
    "predict": "print the translation of each sentence (arguments, or lines from stdin)",
    "export": "write the SavedModel (text → translation) and TFLite files, each checked first",
}


def main(argv=None, stdin=None):
    args = cli.parser("translation", DESCRIPTION, VERBS, "sentences to translate (none: read stdin)",
                      predict_inputs="*").parse_args(sys.argv[1:] if argv is None else argv)

    def command():
        from zoo.translation import workflow
        from zoo.translation.config import TranslationConfig

        if args.verb == "predict":
            return 1 if workflow.predict(args.workdir, args.inputs, stdin or sys.stdin) else 0
        if args.verb == "evaluate":
            workflow.evaluate(args.workdir)
            return 0
        if args.verb == "export":
            workflow.export(args.workdir)
            return 0
        config = cli.read_config("translation", TranslationConfig, args)
        if args.verb == "train":
            workflow.train(config, args.workdir, verbose=cli.verbosity(args))
            return 0
        workflow.run(config, args.workdir, verbose=cli.verbosity(args))
        return 0

    return cli.run_command(command)


if __name__ == "__main__":
    sys.exit(main())
