"""TFLite conversion with built-in ops only, run in its own process.

The TFLite converter can crash the whole process (a segfault in its calibrator was seen with
TF 2.21), so `convert_in_subprocess` runs `python -m zoo.export.convert` and turns any failure,
crash included, into an `ExportError` that refuses the artifact.
"""

import argparse
import subprocess
import sys

from zoo.errors import UsageError
from zoo.export.errors import ExportError

QUANTIZATIONS = ("none", "float16", "int8", "full_int8")
LOG_PREFIXES = ("I0000", "W0000", "WARNING", "INFO")


def representative_samples(path):
    """The calibration samples of an npz written by `save_representative`: one dict per sample."""
    import numpy as np

    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    count = len(next(iter(arrays.values())))
    return [{name: values[index] for name, values in arrays.items()} for index in range(count)]


def save_representative(samples, path):
    """Writes calibration samples (a list of dicts input name → array) for `--representative`."""
    import numpy as np

    names = samples[0].keys()
    np.savez(path, **{name: np.stack([sample[name] for sample in samples]) for name in names})


def convert(saved_model_dir, signature, quantization="none", representative_path=None):
    """Converts one signature of a SavedModel to TFLite bytes with built-in ops only.

    Args:
        saved_model_dir: str. A SavedModel whose `signature` has fixed input shapes.
        signature: str. The signature key to convert.
        quantization: "none" (float32), "float16" (float16 weights), "int8" (dynamic range: int8
            weights, float activations) or "full_int8" (weights and activations int8, calibrated
            on `representative_path`; float inputs and outputs are kept, quantized at the edges).
        representative_path: str, an npz of `save_representative`; needed by "full_int8".
    """
    import tensorflow as tf

    # From the loaded concrete function rather than `from_saved_model`: this route freezes the
    # variables read inside WHILE bodies into constants; `from_saved_model` (TF 2.21) left them
    # as resource variables that the TFLite runtime failed to read there.
    loaded = tf.saved_model.load(saved_model_dir)  # kept alive: the function reads its variables
    function = loaded.signatures[signature]
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function], loaded)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]  # no Flex, no SELECT_TF_OPS
    if quantization != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantization == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if quantization == "full_int8":
        if representative_path is None:
            raise UsageError("full_int8 quantization needs a representative dataset (--representative NPZ).")
        samples = representative_samples(representative_path)
        # Samples are dicts by input name: the converter matches them to the signature's inputs.
        converter.representative_dataset = lambda: iter(samples)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    return converter.convert()


def convert_in_subprocess(saved_model_dir, signature, quantization, output_path, timeout=600,
                          representative_path=None):
    """Runs `convert` in a child process writing `output_path`; raises ExportError if it fails."""
    command = [
        sys.executable, "-m", "zoo.export.convert", saved_model_dir,
        "--signature", signature, "--quantization", quantization, "--output", output_path,
    ]
    if representative_path is not None:
        command += ["--representative", representative_path]
    try:
        finished = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise ExportError(f"TFLite conversion ({quantization}) took longer than {timeout} s") from error
    if finished.returncode != 0:
        how = f"crashed (signal {-finished.returncode})" if finished.returncode < 0 else "failed"
        lines = [line for line in finished.stderr.splitlines() if not line.startswith(LOG_PREFIXES)]
        raise ExportError(f"TFLite conversion ({quantization}) {how}: " + "\n".join(lines[-12:]))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Convert a SavedModel signature to TFLite (built-in ops only).")
    parser.add_argument("saved_model_dir")
    parser.add_argument("--signature", required=True)
    parser.add_argument("--quantization", choices=QUANTIZATIONS, default="none")
    parser.add_argument("--output", required=True)
    parser.add_argument("--representative", default=None, help="npz of calibration samples (full_int8)")
    args = parser.parse_args(argv)
    data = convert(args.saved_model_dir, args.signature, args.quantization, args.representative)
    with open(args.output, "wb") as file:
        file.write(data)


if __name__ == "__main__":
    main()
