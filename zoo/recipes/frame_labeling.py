"""`python -m zoo.recipes.frame_labeling`: a label for every 10 ms frame of audio, with a stacked
bidirectional RNN over a log-mel front end (Graves & Schmidhuber, 2005).

With no verb it trains on the embedded synthetic speech (or `--data DIR`, a TIMIT-layout folder)
beside the comparison models, evaluates on unseen speakers, and exports to
`saved_models/frame_labeling/`.
"""

import sys

from zoo.frame_labeling.config import FrameLabelingConfig
from zoo.recipes import cli

DESCRIPTION = (
    "Speech-frame labeling: a log-mel front end and a stacked bidirectional RNN label every 10 ms frame. With no "
    "verb: train on the embedded synthetic speech (or --data DIR, TIMIT layout: .wav + .phn) beside a per-frame MLP, "
    "a unidirectional RNN, other cells and a streaming model, evaluate on unseen speakers, export."
)
VERBS = {
    "train": "train every model (resumes an interrupted run from its last checkpoint)",
    "evaluate": "frame accuracy, F1 and phone error rate on the test split; metrics.json, confusion.png",
    "predict": "print the label segments (start, end, label) of each WAV file",
    "tune": "search cell type, depth, hidden size, dropout and learning rate with keras-tuner",
    "export": "write the SavedModel (waveform → frame labels), TFLite files and the streaming model, each checked",
}


def main(argv=None):
    args = cli.parser("frame_labeling", FrameLabelingConfig, DESCRIPTION, VERBS, "RIFF WAV files (16-bit PCM mono; "
                      "resampled to 16 kHz)").parse_args(sys.argv[1:] if argv is None else argv)

    from zoo.frame_labeling import workflow

    return cli.run_verb("frame_labeling", args, workflow, FrameLabelingConfig,
                        lambda: workflow.predict(args.workdir, args.inputs))


if __name__ == "__main__":
    sys.exit(main())
