"""Prints the benchmark's tables and writes results.json and the plot."""

import json
import os
import platform

import keras
import tensorflow as tf

from zoo.cpu import cpu_model
from zoo.precision import cpu_multiplies_bfloat16
from zoo.tables import format_table


def speed_table(rows, prefix="", torch=False):
    headers = ["cell", "BxTxDxH", "train zoo ms", "keras ms", "ratio", "infer zoo ms", "keras ms", "ratio"]
    if not prefix:
        headers += ["floor share train", "infer"]
    if torch and not prefix:
        headers += ["torch train ms", "zoo/torch", "torch infer ms", "zoo/torch"]
    table = []
    for r in rows:
        line = [r["cell"], r["shape"]]
        for mode in ("train", "infer"):
            line += [r[f"{prefix}{mode}_zoo_ms"], r[f"{prefix}{mode}_keras_ms"], r[f"{prefix}{mode}_ratio"]]
        if not prefix:
            line += [r["train_floor_share"], r["infer_floor_share"]]
        if torch and not prefix:
            line += [r.get("train_torch_ms"), r.get("train_ratio_torch"), r.get("infer_torch_ms"), r.get("infer_ratio_torch")]
        table.append(line)
    return format_table(headers, table)


def precision_table(rows, torch=False):
    """mixed_bfloat16 next to float32: both sides under the policy, and zoo's speed-up over its own float32."""
    headers = ["cell", "BxTxDxH", "bf16 train zoo ms", "keras ms", "ratio", "bf16 infer zoo ms", "keras ms", "ratio",
               "zoo f32/bf16 train", "infer"]
    if torch:
        headers += ["zoo bf16 infer / torch f32"]
    table = []
    for r in rows:
        line = [r["cell"], r["shape"], r["bf16_train_zoo_ms"], r["bf16_train_keras_ms"], r["bf16_train_ratio"],
                r["bf16_infer_zoo_ms"], r["bf16_infer_keras_ms"], r["bf16_infer_ratio"], r["bf16_train_speedup"],
                r["bf16_infer_speedup"]]
        if torch:
            line.append(r.get("bf16_infer_ratio_torch"))
        table.append(line)
    return format_table(headers, table)


def many_to_one_table(rows):
    return format_table(["cell", "BxTxDxH", "zoo ms", "keras ms", "ratio"],
                        [[r["cell"], r["shape"], r["m2o_train_zoo_ms"], r["m2o_train_keras_ms"], r["m2o_train_ratio"]]
                         for r in rows])


def floor_table(rows):
    return format_table(
        ["cell", "BxTxDxH", "infer zoo ms", "TF loop floor ms", "machine floor ms", "GEMM GFLOP/s", "machine share"],
        [[r["cell"], r["shape"], r["infer_zoo_ms"], r["floor_ms"], r["machine_floor_ms"], r["gemm_gflops"],
          r["infer_machine_share"]] for r in rows])


def fit_table(rows):
    return format_table(["model", "precision", "steps/s", "ms/step"],
                        [[r["model"], r["precision"], r["steps_per_second"], r["ms_per_step"]] for r in rows])


def memory_table(rows):
    table = [
        [r["cell"], r["shape"], r.get("memory_zoo_mb"), r.get("memory_zoo_low_memory_mb"), r.get("memory_keras_mb"),
         _ratio(r.get("memory_zoo_mb"), r.get("memory_keras_mb")),
         _ratio(r.get("memory_zoo_low_memory_mb"), r.get("memory_keras_mb"))]
        for r in rows
        if "memory_zoo_mb" in r
    ]
    return format_table(["cell", "BxTxDxH", "train peak rise zoo MiB", "zoo low_memory MiB", "keras MiB", "ratio",
                         "low_memory ratio"], table)


def wrapper_table(rows):
    return format_table(
        ["wrapper", "cell", "BxTxDxH", "wrapped ms", "by hand ms", "ratio"],
        [[r["wrapper"], r["cell"], r["shape"], r["wrapped_ms"], r["by_hand_ms"], r["ratio"]] for r in rows],
    )


def _ratio(a, b):
    return None if a is None or b is None or b <= 0 else a / b


def machine():
    return dict(
        platform=platform.platform(),
        processor=cpu_model(),
        bfloat16_dot_products=cpu_multiplies_bfloat16(),
        cpu_count=os.cpu_count(),
        python=platform.python_version(),
        tensorflow=tf.__version__,
        keras=keras.__version__,
    )


def write_json(path, command, rows, wrappers, fit_rows=()):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as file:
        json.dump(dict(command=command, machine=machine(), rows=rows, wrappers=wrappers, fit=list(fit_rows)), file,
                  indent=2)


def plot(path, rows):
    """Time per call vs sequence length (hidden fixed), per cell, training and inference, log-log."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = sorted({r["cell"] for r in rows})
    figure, axes = plt.subplots(2, len(cells), figsize=(4.2 * len(cells), 7), squeeze=False)
    for column, cell in enumerate(cells):
        hidden = max({r["hidden"] for r in rows if r["cell"] == cell}, key=lambda h: sum(r["hidden"] == h for r in rows))
        series = sorted((r for r in rows if r["cell"] == cell and r["hidden"] == hidden), key=lambda r: r["time"])
        for row_index, mode in enumerate(("train", "infer")):
            axis = axes[row_index][column]
            times = [r["time"] for r in series]
            for side, style in (("zoo", "o-"), ("keras", "s--"), ("torch", "^:")):
                key = f"{mode}_{side}_ms"
                if all(key in r for r in series):
                    axis.plot(times, [r[key] for r in series], style, label=side)
            axis.set_xscale("log")
            axis.set_yscale("log")
            axis.set_title(f"{cell} {'training step' if mode == 'train' else 'inference'} (H={hidden})")
            axis.set_xlabel("time steps")
            axis.set_ylabel("ms per call")
            axis.legend()
            axis.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
