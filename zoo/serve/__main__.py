"""`python -m zoo.serve DIR [DIR ...]`: serve exported models with TensorFlow Serving's REST API and a
page to try them at `/`.

    python -m zoo.serve saved_models/captioning saved_models/translation --port 8501
    curl -d '{"instances": [{"b64": "'$(base64 -w0 photo.png)'"}]}' localhost:8501/v1/models/captioning:predict
"""

import argparse
import os
import signal
import sys

from zoo.arguments import non_negative, positive

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m zoo.serve",
        description="Serve exported models with TensorFlow Serving's REST API (status, metadata, predict in row "
                    "and columnar form) and a page to try them at http://HOST:PORT/. Each DIR is a workdir (served "
                    "under its recipe's name), a recipe's name (saved_models/<name>) or a folder of numbered "
                    "SavedModels; NAME=DIR chooses the name. New versions written by export are picked up "
                    "without a restart. Ctrl-C or SIGTERM stops after answering the requests in flight.")
    parser.add_argument("models", nargs="+", metavar="[NAME=]DIR", help="what to serve")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8501, help="port (default 8501, TF Serving's REST port)")
    parser.add_argument("--batch-window-ms", type=non_negative, default=10.0,
                        help="most ms a request waits, while every model thread is busy, for others to share its batch "
                             "(default 10; 0: no batching). On an idle server a request runs at once.")
    parser.add_argument("--max-batch", type=positive(int), default=32, help="most rows in one batch (default 32)")
    parser.add_argument("--max-body-mb", type=positive(float), default=16.0,
                        help="largest request body in MiB; larger ones get 413 (default 16)")
    parser.add_argument("--timeout-s", type=positive(float), default=30.0,
                        help="seconds a predict request may take before it gets 504 (default 30)")
    parser.add_argument("--poll-s", type=positive(float), default=1.0,
                        help="seconds between looks for new versions (default 1)")
    parser.add_argument("--versions", type=positive(int), default=1,
                        help="how many of each model's newest versions answer (default 1, TF Serving's policy)")
    parser.add_argument("--threads", type=positive(int), default=2, help="threads running the models (default 2)")
    parser.add_argument("--quiet", action="store_true", help="print only errors")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from zoo.errors import UsageError
    from zoo.serve.models import model_from_argument

    try:
        models = [model_from_argument(argument) for argument in args.models]
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    names = [model.name for model in models]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        print(f"error: more than one model would be served as {repeated}; name them with NAME=DIR", file=sys.stderr)
        return 2
    for model in models:
        model.keep_loaded = args.versions

    import uvicorn

    from zoo.serve.app import Limits, create_app

    limits = Limits(max_body_bytes=int(args.max_body_mb * 1024 * 1024), timeout=args.timeout_s,
                    window=args.batch_window_ms / 1000, max_batch=args.max_batch, poll=args.poll_s)
    app = create_app(models, limits, threads=args.threads, quiet=args.quiet)
    if not args.quiet:
        print(f"zoo.serve: {', '.join(f'{m.name} ({m.base})' for m in models)} at http://{args.host}:{args.port}/ "
              f"(REST: /v1/models/<name>)", flush=True)
    # uvicorn answers SIGINT and SIGTERM by finishing the requests in flight, then raises the signal again
    # under the handler found at start: this one, so a stop asked for is a clean exit, not a traceback
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: None)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning" if args.quiet else "info",
                timeout_graceful_shutdown=args.timeout_s, access_log=not args.quiet)
    if not args.quiet:
        print("zoo.serve: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
