"""`python -m zoo.native`: compiles zoo's kernels now (instead of at first use) and says where they are."""

import sys

from zoo.native.build import build, native_status


def main():
    status = native_status()
    if status != "ready":
        print(f"zoo's fused LSTM/GRU kernel is not available: {status}", file=sys.stderr)
        return 1
    print(f"zoo's fused LSTM/GRU kernel is ready: {build(quiet=True)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
