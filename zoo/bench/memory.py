"""Peak memory of a training step, measured in a fresh subprocess per case and side.

On CPU `tf.config.experimental.get_memory_info` reports zeros, so the probe reads the process's
peak resident set size (Linux's VmHWM) instead: once after building the layer and tracing the
training step (the baseline), and again after a few training steps. The rise is what the training step needed beyond the model and the runtime.
(`ru_maxrss` would not do: Linux carries it across exec from the parent that forked the probe,
so a large parent hides the child's peak.)

Run as `python -m zoo.bench.memory --side zoo --cell lstm --batch 64 --time 100 --features 64
--hidden 256`; it prints one JSON line.
"""

import argparse
import json
import resource
import subprocess
import sys

# A side: zoo with the given `Recurrent` implementation, or the Keras built-in.
SIDES = {"zoo": "auto", "zoo_low_memory": "low_memory", "keras": "auto"}


def _peak_rss_mb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def probe(side, case):
    from zoo.bench import timing

    inputs = timing.inputs_for(case)
    zoo_layer, keras_layer = timing.layer_pair(case, inputs, implementation=SIDES[side])
    train_step, _ = timing.train_and_infer(keras_layer if side == "keras" else zoo_layer, inputs)
    # No inference call before the baseline: its own peak would hide part of the training step's, by as much as
    # the inference path happens to allocate (zoo's projects x_t inside the loop; Keras' and older zoo's did not).
    train_step.get_concrete_function()
    baseline = _peak_rss_mb()
    for _ in range(3):
        train_step().numpy()
    return _peak_rss_mb() - baseline


def measure(side, case, timeout=600):
    """Runs the probe in a subprocess; returns the peak RSS rise in MiB, or None if it failed."""
    command = [sys.executable, "-m", "zoo.bench.memory", "--side", side, "--cell", case.cell]
    for field in ("batch", "time", "features", "hidden"):
        command += [f"--{field}", str(getattr(case, field))]
    try:
        finished = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
        return json.loads(finished.stdout.strip().splitlines()[-1])["peak_rise_mb"]
    except (subprocess.SubprocessError, ValueError, IndexError, KeyError) as error:
        print(f"memory probe {side} {case} failed: {error}", file=sys.stderr)
        return None


def main(argv=None):
    from zoo.bench.cases import Case

    parser = argparse.ArgumentParser(description="Peak-RSS rise of one training step (used by zoo.bench).")
    parser.add_argument("--side", choices=tuple(SIDES), required=True)
    parser.add_argument("--cell", required=True)
    for field in ("batch", "time", "features", "hidden"):
        parser.add_argument(f"--{field}", type=int, required=True)
    args = parser.parse_args(argv)
    case = Case(args.cell, args.batch, args.time, args.features, args.hidden)
    print(json.dumps({"peak_rise_mb": probe(args.side, case)}))


if __name__ == "__main__":
    main()
