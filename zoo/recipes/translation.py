"""`python -m zoo.recipes.translation`: translation with an RNN encoder-decoder and attention."""

import sys

from zoo.translation.config import TranslationConfig
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
    "tune": "search cell type, depth, hidden size, dropout and learning rate with keras-tuner",
    "export": "write the SavedModel (text → translation) and TFLite files, each checked first",
}


def main(argv=None, stdin=None):
    args = cli.parser("translation", TranslationConfig, DESCRIPTION, VERBS, "sentences to translate (none: read "
                      "stdin)", predict_inputs="*").parse_args(sys.argv[1:] if argv is None else argv)

    from zoo.translation import workflow

    return cli.run_verb("translation", args, workflow, TranslationConfig,
                        lambda: workflow.predict(args.workdir, args.inputs, stdin or sys.stdin))


if __name__ == "__main__":
    sys.exit(main())
