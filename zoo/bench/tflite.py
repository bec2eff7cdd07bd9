"""`python -m zoo.bench.tflite`: latency of every TFLite form of one LSTM layer, side by side.

Exports a model (LSTM layer → per-step Dense) with `zoo.export.export_model` (each file proved
against Keras first), then times every TFLite file it wrote, interleaved, with ai-edge-litert
on one thread, with its default XNNPACK delegate and without it.
"""

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

VARIANTS = ("model.tflite", "model_fp16.tflite", "model_int8.tflite", "model_gpu.tflite", "model_fused_lstm.tflite")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m zoo.bench.tflite",
        description="Latency per call of the WHILE, quantized, unrolled (GPU-delegate) and fused-LSTM TFLite "
                    "files of one LSTM layer, with and without XNNPACK.",
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="a tiny layer and few calls: a smoke run")
    parser.add_argument("--time", type=int, default=100, help="time steps (default 100)")
    parser.add_argument("--features", type=int, default=64, help="input features (default 64)")
    parser.add_argument("--hidden", type=int, default=256, help="LSTM units (default 256)")
    parser.add_argument("--calls", type=int, default=50, help="timed calls per file (default 50)")
    parser.add_argument("--output", default="bench/tflite.json", help="where to write the JSON results")
    args = parser.parse_args(argv)
    if args.quick:
        args.time, args.features, args.hidden, args.calls = 6, 3, 8, 3
    for name in ("time", "features", "hidden", "calls"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1; received {getattr(args, name)}")
    return args


def lstm_model(features, hidden):
    import keras

    from zoo.cells import make_cell
    from zoo.layers import Recurrent

    keras.utils.set_random_seed(0)
    inputs = keras.Input((None, features), name="frames")
    outputs = keras.layers.Dense(10)(Recurrent(make_cell("lstm", hidden), return_sequences=True)(inputs))
    return keras.Model(inputs, outputs)


def interpreter(path, xnnpack):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    resolver = OpResolverType.AUTO if xnnpack else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    runner = Interpreter(model_path=path, num_threads=1, experimental_op_resolver_type=resolver)
    runner.allocate_tensors()
    return runner


def time_files(paths, frames, calls):
    """Median ms per call of every (file, XNNPACK on/off), the calls interleaved across files."""
    runners = {(path, xnnpack): interpreter(path, xnnpack) for path in paths for xnnpack in (True, False)}
    durations = {key: [] for key in runners}
    for runner in runners.values():  # warm-up
        runner.set_tensor(runner.get_input_details()[0]["index"], frames)
        runner.invoke()
    for _ in range(calls):
        for key, runner in runners.items():
            runner.set_tensor(runner.get_input_details()[0]["index"], frames)
            start = time.perf_counter()
            runner.invoke()
            durations[key].append(time.perf_counter() - start)
    return {key: float(np.median(values)) * 1000 for key, values in durations.items()}


def run(args, workdir):
    from zoo.export import ExportError, export_model
    from zoo.tables import format_table

    model = lstm_model(args.features, args.hidden)
    frames = np.random.default_rng(0).normal(size=(1, args.time, args.features)).astype("float32")
    try:
        report = export_model(model, workdir, {"frames": frames}, gpu_delegate=True, fused_lstm=True, verbose=False)
    except ExportError:  # a refused file is left out; the report names why
        with open(os.path.join(workdir, "export_report.json")) as file:
            report = json.load(file)
    written = {row["artifact"]: row for row in report if "refused" not in row}
    paths = [os.path.join(workdir, name) for name in VARIANTS if name in written]
    latency = time_files(paths, frames, args.calls)
    baseline = latency[(os.path.join(workdir, "model.tflite"), True)]
    rows = []
    for path in paths:
        name = os.path.basename(path)
        with_xnnpack, without = latency[(path, True)], latency[(path, False)]
        rows.append(dict(file=name, bytes=written[name]["bytes"], ops=len(written[name]["ops"]),
                         loop="WHILE" in written[name]["ops"], ms_xnnpack=with_xnnpack, ms_without_xnnpack=without,
                         ratio_to_model_tflite=with_xnnpack / baseline))  # fmt: skip
    print(f"one LSTM layer, batch 1 x {args.time} steps x {args.features} features, {args.hidden} units; "
          f"median of {args.calls} calls, 1 thread")
    print(format_table(
        ["file", "KiB", "ops", "WHILE", "ms XNNPACK", "ms without", "vs model.tflite"],
        [[r["file"], r["bytes"] // 1024, r["ops"], "yes" if r["loop"] else "no", round(r["ms_xnnpack"], 2),
          round(r["ms_without_xnnpack"], 2), round(r["ratio_to_model_tflite"], 2)] for r in rows],
    ))  # fmt: skip
    refused = [row["refused"] for row in report if "refused" in row]
    return rows, refused


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="zoo-bench-tflite-") as workdir:
        rows, refused = run(args, workdir)
    for reason in refused:
        print(f"refused: {reason}")
    if args.output:
        os.makedirs(os.path.dirname(args.output) or ".", exist_ok=True)
        with open(args.output, "w") as file:
            json.dump(dict(command="python -m zoo.bench.tflite " + " ".join(argv or sys.argv[1:]),
                           shape=dict(batch=1, time=args.time, features=args.features, hidden=args.hidden),
                           calls=args.calls, rows=rows, refused=refused), file, indent=2)  # fmt: skip
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
