"""`python -m zoo.native`: compiles zoo's kernels now (instead of at first use) and says where they are."""

import argparse
import sys

from zoo.native.build import DISABLE_VARIABLE, build, native_status


def main(argv=None):
    argparse.ArgumentParser(
        prog="python -m zoo.native",
        description="Compile zoo's fused LSTM / GRU / simple-RNN CPU kernels for this machine (once; later runs "
                    "find them cached) and print where they are. Exits 1, saying why, where they can't be built.",
        epilog=f"environment: {DISABLE_VARIABLE}=0 turns the kernels off (TensorFlow's loop runs instead); "
               "ZOO_NATIVE_CACHE=DIR caches them in DIR (default ~/.cache/zoo/native); CXX=compiler picks the "
               "C++ compiler (default g++, then c++).",
    ).parse_args(argv)
    status = native_status()
    if status != "ready":
        print(f"zoo's fused RNN kernels are not available: {status}", file=sys.stderr)
        return 1
    print(f"zoo's fused RNN kernels are ready: {build(quiet=True)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
