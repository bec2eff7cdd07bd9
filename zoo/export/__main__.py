"""`python -m zoo.export --workdir DIR`: export the model a recipe trained into DIR."""

import argparse
import os
import sys

import numpy as np

EXAMPLE_INPUTS = "example_inputs.npz"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m zoo.export",
        description=(
            "Export DIR/model.keras to a SavedModel (DIR/serving/<n>, the next version) and TFLite files (built-in ops "
            "only), each checked against the Keras model on DIR/example_inputs.npz before it is written. "
            "A recipe's workdir (its config.json names the recipe) gets that recipe's export, e.g. "
            "captioning: image bytes → caption."
        ),
    )
    parser.add_argument("--workdir", required=True, help="a recipe's workdir holding model.keras")
    parser.add_argument("--inputs", default=None, help=f"npz of real inputs (default: DIR/{EXAMPLE_INPUTS})")
    parser.add_argument("--tolerance", type=float, default=None,
                        help="max absolute difference of float outputs (default 1e-4, or the recipe's)")
    parser.add_argument("--agreement", type=float, default=None,
                        help="min argmax agreement of quantized files (default 0.98, or the recipe's)")
    parser.add_argument("--no-quantized", action="store_true", help="skip the quantized TFLite files")
    parser.add_argument("--representative", default=None,
                        help="npz of training inputs (same names and shapes as the example inputs, any number of "
                             "rows): also write model_full_int8.tflite calibrated on them (a plain model's workdir)")
    parser.add_argument("--fused-lstm", action="store_true",
                        help="also write model_fused_lstm.tflite: plain LSTM layers as the native "
                             "UNIDIRECTIONAL_SEQUENCE_LSTM op (a plain model's workdir)")
    parser.add_argument("--gpu-delegate", action="store_true",
                        help="also write model_gpu.tflite: fixed input shapes, recurrences unrolled (no WHILE), "
                             "only ops the TFLite GPU delegate runs (a plain model's workdir)")
    return parser.parse_args(argv)


def export_recipe_workdir(recipe, args):
    """Runs the export verb of the recipe that trained `args.workdir`, with the command line's
    settings in place of its config's (`--inputs` does not apply: the recipe proves its exports on
    the test inputs its train saved)."""
    from zoo.errors import UsageError
    from zoo.export import ExportError

    if args.gpu_delegate or args.representative or args.fused_lstm:
        print("error: --gpu-delegate, --fused-lstm and --representative apply to a plain model's workdir; a recipe sets its own "
              "TFLite variants (its config's quantizations).", file=sys.stderr)
        return 2
    if args.inputs:
        print("error: --inputs applies to a plain model's workdir; a recipe proves its export on the test inputs "
              "its train saved there.", file=sys.stderr)
        return 2
    overrides = {}
    if args.tolerance is not None:
        overrides["export_tolerance"] = args.tolerance
    if args.agreement is not None:
        overrides["agreement_threshold"] = args.agreement
    if args.no_quantized:
        overrides["quantizations"] = ()
    try:
        recipe.export(args.workdir, overrides=overrides)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from zoo import recipe as recipes
    from zoo.config import saved_recipe

    recipe = recipes.find(saved_recipe(os.path.join(args.workdir, "config.json")))
    if recipe is not None:
        return export_recipe_workdir(recipe, args)
    model_path = os.path.join(args.workdir, "model.keras")
    inputs_path = args.inputs or os.path.join(args.workdir, EXAMPLE_INPUTS)
    for path, what in ((model_path, "a trained model (run the recipe's train first)"), (inputs_path, "example inputs")):
        if not os.path.isfile(path):
            print(f"error: {path} not found: expected {what}.", file=sys.stderr)
            return 2
    import keras

    import zoo  # noqa: F401  (registers zoo's layers for loading)
    from zoo.errors import UsageError
    from zoo.export import ExportError, export_model

    model = keras.models.load_model(model_path, safe_mode=True)
    with np.load(inputs_path) as archive:
        inputs = {name: archive[name] for name in archive.files}
    representative = None
    if args.representative:
        if not os.path.isfile(args.representative):
            print(f"error: {args.representative} not found: expected an npz of training inputs.", file=sys.stderr)
            return 2
        with np.load(args.representative) as archive:
            representative = {name: archive[name] for name in archive.files}
    quantizations = () if args.no_quantized else ("float16", "int8")
    if representative is not None:
        quantizations += ("full_int8",)
    try:
        export_model(
            model, args.workdir, inputs, tolerance=1e-4 if args.tolerance is None else args.tolerance,
            agreement_threshold=0.98 if args.agreement is None else args.agreement,
            quantizations=quantizations, gpu_delegate=args.gpu_delegate, fused_lstm=args.fused_lstm,
            representative_inputs=representative,
        )
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
