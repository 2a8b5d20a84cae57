"""A small misbehaving HTTP server for fault tests: every path is one way to fail.

Run it with `tests.support.servers.serve(fault_app())`; `app.state.hits` records every request that
reached the app (method, path, headers, body), so a test can count what was really sent.
Every route accepts every method. Slow answers stop early when the client goes away, so the
server shuts down quickly after a test that timed out on purpose.

    /ok                     200 JSON
    /slow?seconds=N         200 JSON after N seconds
    /drip?seconds=N         200, one byte every 0.1 s for N seconds
    /status/{code}[?empty]  that status, with a JSON error body or none
    /not-json               200 text/html
    /bad-utf8               200 application/json that is not valid UTF-8
    /huge?mb=N              200 JSON of N MiB
    /redirect-loop          302 to itself, forever
    /redirect-metadata      302 to the cloud metadata address 169.254.169.254
    /count/{name}           200 JSON {"name", "n"}: the n-th request to that name
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

ALL = ["GET", "POST", "PUT", "PATCH", "DELETE"]
METADATA_URL = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"


class Hits:
    """Requests that reached the app, recorded from the server thread, read from the test."""

    def __init__(self) -> None:
        self._items: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def add(self, item: dict[str, Any]) -> int:
        with self._lock:
            self._items.append(item)
            return len(self._items)

    def count(self, *, method: str | None = None, path: str | None = None) -> int:
        return len(self.select(method=method, path=path))

    def select(self, *, method: str | None = None, path: str | None = None) -> list[dict]:
        with self._lock:
            return [
                h
                for h in self._items
                if (method is None or h["method"] == method) and (path is None or h["path"].startswith(path))
            ]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def fault_app() -> FastAPI:
    app = FastAPI()
    hits = app.state.hits = Hits()
    counters: dict[str, int] = {}
    counter_lock = threading.Lock()

    async def record(request: Request) -> bytes:
        body = await request.body()
        hits.add(
            {
                "method": request.method,
                "path": request.url.path,
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "body": body.decode("utf-8", errors="replace"),
            }
        )
        return body

    async def wait(request: Request, seconds: float) -> bool:
        """Sleep up to `seconds`; False as soon as the client has gone."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            if await request.is_disconnected():
                return False
            await asyncio.sleep(0.05)
        return True

    @app.api_route("/ok", methods=ALL)
    async def ok(request: Request):
        await record(request)
        return {"status": "ok", "ref": request.query_params.get("ref")}

    @app.api_route("/slow", methods=ALL)
    async def slow(request: Request, seconds: float = 3.0):
        await record(request)
        await wait(request, seconds)
        return {"status": "late"}

    @app.api_route("/drip", methods=ALL)
    async def drip(request: Request, seconds: float = 3.0):
        await record(request)

        async def bytes_slowly():
            for _ in range(max(1, int(seconds / 0.1))):
                yield b" "
                await asyncio.sleep(0.1)
            yield b"{}"

        return StreamingResponse(bytes_slowly(), media_type="application/json")

    @app.api_route("/status/{code}", methods=ALL)
    async def status(request: Request, code: int, empty: bool = False):
        await record(request)
        if empty:
            return Response(status_code=code)
        return JSONResponse({"error": f"simulated {code}", "code": code}, status_code=code)

    @app.api_route("/not-json", methods=ALL)
    async def not_json(request: Request):
        await record(request)
        return Response("<html><body><h1>Gateway maintenance</h1></body></html>", media_type="text/html")

    @app.api_route("/bad-utf8", methods=ALL)
    async def bad_utf8(request: Request):
        await record(request)
        return Response(b'{"status": "caf\xe9 \xff\xfe"}', media_type="application/json")

    @app.api_route("/huge", methods=ALL)
    async def huge(request: Request, mb: float = 1.0):
        await record(request)
        row = json.dumps({"filler": "x" * 1000})
        count = int(mb * 1024 * 1024 / (len(row) + 1)) + 1
        return Response("[" + ",".join([row] * count) + "]", media_type="application/json")

    @app.api_route("/redirect-loop", methods=ALL)
    async def redirect_loop(request: Request):
        await record(request)
        return RedirectResponse(request.url.path, status_code=302)

    @app.api_route("/redirect-metadata", methods=ALL)
    async def redirect_metadata(request: Request):
        await record(request)
        return RedirectResponse(METADATA_URL, status_code=302)

    @app.api_route("/count/{name}", methods=ALL)
    async def count(request: Request, name: str, delay: float = 0.0):
        await record(request)
        with counter_lock:
            counters[name] = n = counters.get(name, 0) + 1
        if delay:
            await asyncio.sleep(delay)  # widen the window a racing caller could slip through
        return JSONResponse({"name": name, "n": n}, status_code=201 if request.method == "POST" else 200)

    return app
