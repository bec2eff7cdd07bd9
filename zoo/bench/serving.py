"""`python -m zoo.bench.serving [DIR]`: a bounded load on `python -m zoo.serve` over loopback.

Starts the server on DIR (default `saved_models/captioning`, what the main command leaves) in its own
process, sends `--requests` predict requests from 1, 4 and 16 concurrent clients (asyncio, httpx), and
prints throughput, p50/p99 latency, errors, the mean batch size the server formed and its resident
memory before and after; then the same load at 16 clients with batching off, for the comparison.
Client and server share this machine's cores: the numbers are the pair's, as on one host.
"""

import argparse
import asyncio
import base64
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np

from zoo.bench.tuning_memory import resident_mb
from zoo.tables import format_table

CLIENT_COUNTS = (1, 4, 16)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m zoo.bench.serving", description=__doc__.split("\n\n")[0])
    parser.add_argument("model", nargs="?", default="saved_models/captioning",
                        help="a workdir (or [NAME=]DIR) to serve (default saved_models/captioning)")
    parser.add_argument("--requests", type=int, default=2000, help="requests per load (default 2000)")
    parser.add_argument("--clients", default=",".join(map(str, CLIENT_COUNTS)),
                        help="comma-separated concurrent clients per load (default 1,4,16)")
    parser.add_argument("--body", default=None,
                        help="a JSON file holding the predict request to send (default: one for the model's recipe)")
    parser.add_argument("--batch-window-ms", type=float, default=10.0, help="the server's batching window (default 10)")
    parser.add_argument("--max-batch", type=int, default=32, help="the server's maximum batch (default 32)")
    parser.add_argument("--output", default="bench/serving.json", help="where to write the JSON results")
    args = parser.parse_args(argv)
    args.clients = [int(c) for c in args.clients.split(",") if c.strip()]
    if args.requests < 1 or not args.clients or min(args.clients) < 1:
        parser.error("--requests and every --clients count must be at least 1")
    return args


def _png(seed):
    from PIL import Image

    pixels = (np.random.default_rng(seed).random((64, 64, 3)) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def default_body(recipe):
    """One request a person would send to a model of `recipe` (one row)."""
    rng = np.random.default_rng(0)
    bodies = {
        "captioning": lambda: {"instances": [{"b64": _png(0)}]},
        "translation": lambda: {"instances": ["Monday, May 6, 1957"]},
        "frame_labeling": lambda: {"instances": [(0.1 * rng.standard_normal(16000)).round(4).tolist()]},
        "language_model": lambda: {"inputs": {"prompt": ["def main("], "length": 40, "temperature": 0.8, "top_k": 0,
                                              "top_p": 0.95, "seed": 7}},
        "forecasting": lambda: {"instances": [np.sin(np.arange(60) / 4).round(4).tolist()]},
        "sequence_classification": lambda: {"instances": [rng.random((8, 8)).round(3).tolist()]},
        "long_memory": lambda: {"instances": [[[round(float(v), 3), float(i in (1, 4))] for i, v in
                                               enumerate(rng.random(50))]]},
    }
    if recipe not in bodies:
        raise SystemExit(f"error: no default request for recipe {recipe!r}; give one with --body FILE")
    return bodies[recipe]()


def free_port():
    """A TCP port free on loopback now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`python -m zoo.serve` in a subprocess, on a free port, until `stop()`."""

    def __init__(self, model, window_ms, max_batch):
        import httpx

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "zoo.serve", model, "--port", str(self.port), "--quiet",
             "--batch-window-ms", str(window_ms), "--max-batch", str(max_batch)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 300
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"error: the server did not start:\n{self.process.stdout.read()}")
            try:
                if httpx.get(self.base + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        self.models = httpx.get(self.base + "/v1/zoo/models").json()["models"]

    def stats(self):
        import httpx

        return httpx.get(self.base + "/v1/zoo/stats").json()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=120)


async def _load(url, body, requests, clients):
    import httpx

    latencies, errors = [], []
    remaining = iter(range(requests))
    content = json.dumps(body).encode("utf-8")

    async def client(session):
        for _ in remaining:
            start = time.perf_counter()
            try:
                answer = await session.post(url, content=content, headers={"Content-Type": "application/json"})
                ok = answer.status_code == 200
                if not ok:
                    errors.append(answer.text[:200])
            except httpx.HTTPError as error:
                errors.append(str(error))
                ok = False
            if ok:
                latencies.append(time.perf_counter() - start)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=120, limits=limits) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return latencies, errors, elapsed


def _batches(stats, name):
    totals = {"batches": 0, "rows": 0}
    for version in stats.get(name, {}).values():
        for signature in version.values():
            totals["batches"] += signature["batches"]
            totals["rows"] += signature["rows"]
    return totals


def run_loads(server, name, body, requests, client_counts, label):
    """One row per client count: the load's numbers, the server's mean batch size and memory."""
    url = f"{server.base}/v1/models/{name}:predict"
    asyncio.run(_load(url, body, min(20, requests), 1))  # warm-up: the first calls trace and allocate
    rows = []
    for clients in client_counts:
        before_stats, before_memory = _batches(server.stats(), name), resident_mb(server.process.pid)
        latencies, errors, elapsed = asyncio.run(_load(url, body, requests, clients))
        after_stats, after_memory = _batches(server.stats(), name), resident_mb(server.process.pid)
        batches = after_stats["batches"] - before_stats["batches"]
        rows.append(dict(
            batching=label, clients=clients, requests=requests, errors=len(errors), first_error=errors[0] if errors else None,
            throughput=len(latencies) / elapsed, p50_ms=1000 * float(np.percentile(latencies, 50)) if latencies else None,
            p99_ms=1000 * float(np.percentile(latencies, 99)) if latencies else None,
            mean_batch=(after_stats["rows"] - before_stats["rows"]) / batches if batches else None,
            memory_before_mib=before_memory, memory_after_mib=after_memory))
    return rows


def table(rows):
    def number(value, digits):
        return "-" if value is None else f"{value:.{digits}f}"

    return format_table(
        ["batching", "clients", "requests", "errors", "req/s", "p50 ms", "p99 ms", "mean batch", "RSS before MiB",
         "RSS after MiB"],
        [[row["batching"], row["clients"], row["requests"], row["errors"], number(row["throughput"], 1),
          number(row["p50_ms"], 1), number(row["p99_ms"], 1), number(row["mean_batch"], 2),
          number(row["memory_before_mib"], 0), number(row["memory_after_mib"], 0)] for row in rows])


def main(argv=None):
    args = parse_args(argv)
    body = None
    if args.body:
        with open(args.body, encoding="utf-8") as file:
            body = json.load(file)
    rows = []
    for label, window, counts in ((f"on ({args.batch_window_ms:g} ms, ≤{args.max_batch})", args.batch_window_ms,
                                   args.clients), ("off", 0.0, [max(args.clients)])):
        server = Server(args.model, window, args.max_batch)
        try:
            served = server.models[0]
            body = body or default_body(served["recipe"])
            print(f"{served['name']} (version {served['version']}), batching {label}: {args.requests} requests "
                  f"per load from {', '.join(map(str, counts))} clients", flush=True)
            rows += run_loads(server, served["name"], body, args.requests, counts, label)
        finally:
            server.stop()
    print(table(rows))
    on, off = rows[len(args.clients) - 1], rows[-1]
    print(f"batching at {off['clients']} clients: {on['throughput']:.1f} req/s on vs {off['throughput']:.1f} off "
          f"({on['throughput'] / off['throughput']:.2f}×), mean batch {on['mean_batch'] or 0:.2f}")
    if args.output:
        os.makedirs(os.path.dirname(args.output) or ".", exist_ok=True)
        with open(args.output, "w") as file:
            json.dump(dict(command="python -m zoo.bench.serving " + " ".join(argv or sys.argv[1:]), rows=rows), file,
                      indent=2)
    return 1 if any(row["errors"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
