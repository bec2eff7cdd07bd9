"""`python -m zoo.bench`: speed and memory of zoo's layers next to the Keras built-ins."""

import argparse
import math
import sys

import keras

from zoo.bench import cases as bench_cases
from zoo.bench import fit_speed, measure, memory, report, torch_peer, wrappers


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m zoo.bench",
        description=(
            "Times a training step (forward + backward + SGD update) and an inference call of zoo's "
            "Recurrent layer and of the matching keras.layers built-in, side by side in one process, "
            "and prints the ratio zoo / built-in (below 1.0 = zoo faster)."
        ),
    )
    parser.add_argument("--quick", action="store_true", help="tiny shapes and few repeats: a smoke run (seconds)")
    parser.add_argument("--cells", default=",".join(bench_cases.CELLS), help="comma-separated: simple_rnn,lstm,gru")
    parser.add_argument("--repeats", type=int, default=None, help="timed rounds per case (default 7, quick 2)")
    parser.add_argument("--xla", action=argparse.BooleanOptionalAction, default=None,
                        help="also time with jit_compile=True (default: on, off with --quick)")
    parser.add_argument("--memory", action=argparse.BooleanOptionalAction, default=None,
                        help="peak-RSS rise of the training step, one subprocess per case (default: on, off with --quick)")
    parser.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=True,
                        help="also time both sides built under mixed_bfloat16 (default: on)")
    parser.add_argument("--many-to-one", action=argparse.BooleanOptionalAction, default=True,
                        help="also time a classifier's step: last output only, Dense head, Adam, keras.Model (default: on)")
    parser.add_argument("--fit", action=argparse.BooleanOptionalAction, default=True,
                        help="also time Model.fit steps/s of the language-model recipe's model, float32 and "
                             "mixed_bfloat16 (default: on)")
    parser.add_argument("--reference-only", action="store_true", help="only the reference shape 64x100x64x256")
    parser.add_argument("--output", default="bench/results.json", help="where to write the JSON results")
    parser.add_argument("--plot", default="bench/speed.png", help="where to write the PNG plot ('' for none)")
    args = parser.parse_args(argv)
    args.cells = [c.strip() for c in args.cells.split(",") if c.strip()]
    unknown = [c for c in args.cells if c not in bench_cases.CELLS]
    if unknown:
        parser.error(f"--cells: unknown cell(s) {unknown}; choose from {list(bench_cases.CELLS)}")
    if args.repeats is None:
        args.repeats = 2 if args.quick else 7
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1; received {args.repeats}")
    args.xla = (not args.quick) if args.xla is None else args.xla
    args.memory = (not args.quick) if args.memory is None else args.memory
    return args


def run(args, command="python -m zoo.bench"):
    """Measures every case; returns `(rows, wrapper_rows)` and writes the report files."""
    if args.quick:
        cases = bench_cases.quick_cases(args.cells)
    else:
        cases = bench_cases.full_cases(args.cells)
        if args.reference_only:
            cases = [c for c in cases if c.is_reference]
    torch = torch_peer.available()
    progress = keras.utils.Progbar(len(cases), unit_name="case")
    rows = []
    for case in cases:
        row = measure.measure_case(case, args.repeats, xla=args.xla, torch=torch, bfloat16=args.bf16,
                                   many_to_one=args.many_to_one)
        if args.memory:
            row["memory_zoo_mb"] = memory.measure("zoo", case)
            row["memory_zoo_low_memory_mb"] = memory.measure("zoo_low_memory", case)
            row["memory_keras_mb"] = memory.measure("keras", case)
        rows.append(row)
        progress.add(1)
    wrapper_case = cases[0] if args.quick else next((c for c in cases if c.is_reference), cases[0])
    wrapper_rows = wrappers.measure(wrapper_case, args.repeats)
    fit_rows = fit_speed.measure(args.repeats, quick=args.quick) if args.fit else []

    machine = report.machine()
    print(f"\n{machine['processor']}, {machine['cpu_count']} cores, TensorFlow {machine['tensorflow']}")
    print(f"\nSpeed, median of {args.repeats} interleaved rounds (ratio = zoo / keras; below 1.0 = zoo faster)")
    print(report.speed_table(rows, torch=torch))
    if args.xla:
        print("\nWith XLA (jit_compile=True on both sides)")
        print(report.speed_table(rows, prefix="xla_"))
    if args.bf16:
        print("\nmixed_bfloat16 (both sides under the policy; f32/bf16 = zoo's float32 time over its bfloat16 time)")
        if machine["bfloat16_dot_products"] is False:
            print("This CPU has no bfloat16 dot products: zoo multiplies the bfloat16-rounded values in float32, "
                  "TensorFlow emulates bfloat16.")
        print(report.precision_table(rows, torch=torch))
    if args.many_to_one:
        print("\nMany-to-one training step (last output, Dense head, Adam, keras.Model.train_on_batch)")
        print(report.many_to_one_table(rows))
    print("\nFloors of inference: the TF loop of T bare matmuls, and the machine's (T x the step's two matmuls at the")
    print("GEMM throughput 16 independent matmuls of the recurrent shape reach)")
    print(report.floor_table(rows))
    if fit_rows:
        print("\nModel.fit of one recipe's model")
        print(report.fit_table(fit_rows))
    if args.memory:
        print("\nPeak memory of the training step (rise of peak RSS over a warmed baseline)")
        print(report.memory_table(rows))
    print("\nWrappers vs their layers called by hand (inference)")
    print(report.wrapper_table(wrapper_rows))
    print("\nfloor share: the bare per-step matmul loop's time over the layer's (training: 3x the loop).")

    report.write_json(args.output, command, rows, wrapper_rows, fit_rows)
    print(f"\nwrote {args.output}")
    if args.plot:
        report.plot(args.plot, rows)
        print(f"wrote {args.plot}")
    return rows, wrapper_rows


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    rows, _ = run(args, command=" ".join(["python -m zoo.bench"] + list(argv)))
    ratios = [v for r in rows for k, v in r.items() if k.endswith("_ratio")]
    return 0 if all(math.isfinite(v) for v in ratios) else 1


if __name__ == "__main__":
    sys.exit(main())
