"""`RawServerApp`: a bare ASGI app for tests that need what a framework would hide or refuse.

A FastAPI route sees a decoded path and answers only well-formed responses. Two kinds of test
need the wire as it is: the argument-smuggling tests read each request's *raw* path, query,
headers and body as they arrived; the response fuzzer answers with any status, header list and
body bytes, including ones no framework would build. One app does both: it records every
request and answers with the response last set by `respond` (200 `{"status": "ok"}` until
then). Serve it with `tests.support.servers.serve`.
"""

from __future__ import annotations

import threading
from typing import Any

Header = tuple[bytes, bytes]


class RawServerApp:
    """Records each request's method, raw path, query, headers and body; answers as told."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()  # the server runs in its own thread
        self._response: tuple[int, list[Header], bytes] = (
            200,
            [(b"content-type", b"application/json")],
            b'{"status": "ok"}',
        )

    def respond(self, status: int, headers: list[Header], body: bytes) -> None:
        """Answer every following request with this status, these header lines and this body."""
        with self._lock:
            self._response = (status, list(headers), body)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": message["type"] + ".complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        with self._lock:
            self.requests.append(
                {
                    "method": scope["method"],
                    "raw_path": scope["raw_path"].decode("latin-1"),
                    "query": scope["query_string"].decode("latin-1"),
                    "headers": {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]},
                    "body": body.decode("utf-8", "replace"),
                }
            )
            status, headers, reply = self._response
        if status in (204, 304):  # uvicorn refuses to send a body with these (and logs it)
            reply = b""
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": reply})
