"""The HTTP face of `zoo.serve`: TensorFlow Serving's REST routes, `/healthz`, zoo's own listing for
the page, and the page at `/`. A Starlette application, served by uvicorn (`zoo.serve.__main__`)."""

import asyncio
import contextlib
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from zoo.serve import protos, tensors
from zoo.serve.errors import RequestError

PAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "page")
_MODEL_PATH = re.compile(r"(?P<name>[^/:]+)(?:/versions/(?P<version>[^/:]+)|/labels/(?P<label>[^/:]+))?"
                         r"(?::(?P<verb>[a-z]+)|/(?P<metadata>metadata))?")


@dataclass
class Limits:
    """What one request may take.

    Attributes:
        max_body_bytes: int. A larger body is answered 413.
        timeout: float. Seconds a predict request may take before it is answered 504.
        window: float. Most seconds a request waits for a free thread and others to share its batch (0: no
            batching).
        max_batch: int. Most rows in one batch.
        poll: float. Seconds between looks for new versions on disk.
    """

    max_body_bytes: int = 16 * 1024 * 1024
    timeout: float = 30.0
    window: float = 0.010
    max_batch: int = 32
    poll: float = 1.0


class JSONAnswer(Response):
    """JSON as TF Serving writes it: NaN and Infinity as tokens, text as UTF-8."""

    media_type = "application/json"

    def render(self, content):
        return json.dumps(content, ensure_ascii=False, allow_nan=True).encode("utf-8")


def error_answer(status, message):
    return JSONAnswer({"error": message}, status_code=status)


def create_app(models, limits=None, threads=2, quiet=True):
    """The application serving `models` (a list of `zoo.serve.models.ServedModel`, names unique)."""
    limits = limits or Limits()
    served = {model.name: model for model in models}
    executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="zoo-serve")

    async def refresh_all():
        loop = asyncio.get_running_loop()
        for model in served.values():
            try:
                new = await loop.run_in_executor(executor, model.refresh, executor, limits.window, limits.max_batch,
                                                 threads)
            except Exception as error:  # noqa: BLE001 - a damaged new version must not stop the others
                print(f"zoo.serve: {model.name}: could not load a new version: {error}", flush=True)
                continue
            if new and not quiet:
                print(f"zoo.serve: {model.name}: loaded version(s) {new}", flush=True)

    async def watch():
        while True:
            await asyncio.sleep(limits.poll)
            await refresh_all()

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await refresh_all()
        watcher = asyncio.get_running_loop().create_task(watch())
        yield
        watcher.cancel()
        executor.shutdown(wait=True)

    def model_and_version(match):
        name = match["name"]
        if name not in served:
            raise RequestError(404, f"Servable not found for request: Latest({name}); this server has {sorted(served)}")
        if match["label"]:
            raise RequestError(404, f"Unrecognized servable version label: {match['label']} (zoo.serve has no labels; "
                                    "use /versions/<n>)")
        number = match["version"]
        if number is not None and not number.isdigit():
            raise RequestError(400, f"version {number!r} is not a number")
        return served[name], None if number is None else int(number)

    async def models_route(request):
        try:
            match = _MODEL_PATH.fullmatch(request.path_params["rest"])
            if not match:
                raise RequestError(404, f"Malformed request: {request.method} {request.url.path}")
            model, number = model_and_version(match)
            if request.method == "GET" and not match["verb"]:
                if match["metadata"]:
                    version = model.version(number)
                    answer = protos.metadata_json(model.name, version.number, version.definitions)
                    answer["metadata"]["zoo"] = zoo_description(model, version)
                    return JSONAnswer(answer)
                states = [state for state in model.states() if number is None or state[0] == number]
                if not states:
                    raise RequestError(404, f"Servable not found for request: Specific({model.name}, {number})")
                return JSONAnswer(protos.status_json(states))
            if request.method == "POST" and match["verb"] == "predict" and not match["metadata"]:
                return JSONAnswer(await predict(request, model.version(number)))
            if request.method == "POST" and match["verb"] in ("classify", "regress"):
                raise RequestError(400, f"{match['verb']} needs a {match['verb']} signature; zoo's models have predict "
                                        "signatures only: use :predict")
            raise RequestError(404 if request.method == "GET" else 400,
                               f"Malformed request: {request.method} {request.url.path}")
        except RequestError as error:
            return error_answer(error.status, error.message)
        except Exception as error:  # noqa: BLE001 - answered, and the server goes on
            return error_answer(500, f"{type(error).__name__}: {error}")

    async def predict(request, version):
        body = await read_json(request, limits.max_body_bytes)
        form = tensors.request_form(body)
        signature = version.signature(body.get("signature_name"))
        inputs = tensors.input_arrays(body, form, version.input_specs[signature], signature)
        try:
            outputs = await asyncio.wait_for(version.batchers[signature].submit(inputs), limits.timeout)
        except asyncio.TimeoutError:
            raise RequestError(504, f"the request took longer than the server's timeout ({limits.timeout:g} s)") from None
        return tensors.output_json(outputs, form)

    async def healthz(request):
        ready = {name: bool(model.loaded) for name, model in served.items()}
        return JSONAnswer({"status": "ok" if all(ready.values()) else "loading", "models": ready},
                          status_code=200 if all(ready.values()) else 503)

    async def zoo_models(request):
        listing = []
        for model in served.values():
            if model.loaded:
                version = model.version()
                listing.append(dict(name=model.name, version=version.number, **zoo_description(model, version)))
        return JSONAnswer({"models": listing})

    async def zoo_stats(request):
        return JSONAnswer({model.name: {str(number): {name: batcher.stats() for name, batcher in version.batchers.items()}
                                        for number, version in list(model.loaded.items())}
                           for model in served.values()})

    async def page(request):
        return FileResponse(os.path.join(PAGE, "index.html"))

    async def http_error(request, error):
        return error_answer(error.status_code, f"{error.detail}: {request.method} {request.url.path}")

    routes = [
        Route("/", page),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Route("/healthz", healthz),
        Route("/v1/zoo/models", zoo_models),
        Route("/v1/zoo/stats", zoo_stats),
        Route("/v1/models/{rest:path}", models_route, methods=["GET", "POST"]),
        Mount("/page", StaticFiles(directory=PAGE), name="page"),
    ]
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: http_error})


def zoo_description(model, version):
    """What zoo adds to a model's metadata: its recipe and, per signature, the request forms it takes
    and whether its requests are batched."""
    signatures = {}
    for name, specs in version.input_specs.items():
        row = all(spec.shape.rank not in (None, 0) for spec in specs.values())
        signatures[name] = {"forms": ["instances", "inputs"] if row else ["inputs"],
                            "batched": version.batchers[name].window > 0}
    return {"recipe": model.recipe, "labels": model.labels, "signatures": signatures}


async def read_json(request, limit):
    """The request's JSON body, refusing one over `limit` bytes (413) and one that is not JSON (400)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise RequestError(413, f"the request body ({int(declared)} bytes) is over the server's limit of {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestError(413, f"the request body is over the server's limit of {limit} bytes")
        chunks.append(chunk)
    data = b"".join(chunks)
    try:
        return json.loads(data)
    except UnicodeDecodeError:
        raise RequestError(400, "the request body is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise RequestError(400, f"the request body is not valid JSON: {error.msg} at line {error.lineno} column "
                                f"{error.colno}") from None
