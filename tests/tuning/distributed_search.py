"""One process of a distributed search for tests/tuning/test_distributed.py:

    python -m tests.tuning.distributed_search TUNER_ID PORT WORKDIR
"""

import json
import os
import sys


def main(tuner_id, port, workdir):
    os.environ.update(KERASTUNER_TUNER_ID=tuner_id, KERASTUNER_ORACLE_IP="127.0.0.1", KERASTUNER_ORACLE_PORT=port)
    from tests.tuning.test_search import ToyConfig, _toy_target
    from zoo.tuning.search import search

    calls = []
    rows = search(_toy_target(calls), ToyConfig(), workdir, "random", max_trials=3, verbose=False)
    print(json.dumps({"trained": len(calls), "rows": len(rows)}))


if __name__ == "__main__":
    main(*sys.argv[1:])
