"""`python -m zoo.native`: compiles zoo's kernel now (instead of at first use) and says where it is."""

import argparse
import sys

from zoo.native.build import DISABLE_VARIABLE, build, native_status


def main(argv=None):
    argparse.ArgumentParser(
        prog="python -m zoo.native",
        description="Compile zoo's fused LSTM/GRU CPU kernel for this machine (once; later runs find it cached) "
                    "and print where it is. Exits 1, saying why, where it can't be built.",
        epilog=f"environment: {DISABLE_VARIABLE}=0 turns the kernel off (TensorFlow's loop runs instead); "
               "ZOO_NATIVE_CACHE=DIR caches it in DIR (default ~/.cache/zoo/native); CXX=compiler picks the "
               "C++ compiler (default g++, then c++).",
    ).parse_args(argv)
    status = native_status()
    if status != "ready":
        print(f"zoo's fused LSTM/GRU kernel is not available: {status}", file=sys.stderr)
        return 1
    print(f"zoo's fused LSTM/GRU kernel is ready: {build(quiet=True)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
