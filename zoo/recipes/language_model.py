"""`python -m zoo.recipes.language_model`: a character-level language model, and text generation.

With no verb it trains on the source of Python's own standard library (or, with `--data PATH`, on a
.txt file or a folder of them) with truncated backpropagation through time, scores bits per
character on the test split against Kneser-Ney n-grams, writes samples, and exports to
`saved_models/language_model/`.
"""

import sys

from zoo.language_model.config import SAMPLING_KEYS, LanguageModelConfig
from zoo.recipes import cli

DESCRIPTION = (
    "Character-level language model (one-to-many): a stateful RNN reads text in consecutive windows (truncated "
    "BPTT) and writes text from a prompt. With no verb: train on Python's standard library source (or --data "
    "FILE.txt | FOLDER), score bits per character against n-gram baselines, write samples, export."
)
VERBS = {
    "train": "train the model (resumes an interrupted run from its last checkpoint)",
    "evaluate": "bits per character and perplexity on the test split beside Kneser-Ney n-grams; samples.txt",
    "predict": "continue each prompt; sampling settings with --set, e.g. --set temperature=0.8 --set top_p=0.95 "
               "(also top_k, sample_length, sample_seed)",
    "tune": "search cell type, depth, hidden size, dropout and learning rate with keras-tuner",
    "export": "write the SavedModel (prompt → text) and TFLite files, each checked against the Keras model",
}


def main(argv=None):
    args = cli.parser("language_model", LanguageModelConfig, DESCRIPTION, VERBS, "a prompt to continue, e.g. "
                      "\"def main(\"").parse_args(sys.argv[1:] if argv is None else argv)  # fmt: skip

    from zoo.language_model import workflow

    return cli.run_verb("language_model", args, workflow, LanguageModelConfig,
                        lambda: workflow.predict(args.workdir, args.inputs, args.overrides), predict_keys=SAMPLING_KEYS)


if __name__ == "__main__":
    sys.exit(main())
