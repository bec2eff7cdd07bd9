"""A `zoo.serve` application running in a thread of the test process, on a free loopback port."""

import contextlib
import threading
import time

import httpx
import uvicorn

from zoo.bench.serving import free_port
from zoo.serve.app import Limits, create_app
from zoo.serve.models import model_from_argument


@contextlib.contextmanager
def serving(arguments, **limits):
    """Yields an `httpx.Client` whose base URL is a server of `arguments` (`[NAME=]DIR` strings)."""
    app = create_app([model_from_argument(argument) for argument in arguments], Limits(**limits))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=30)
