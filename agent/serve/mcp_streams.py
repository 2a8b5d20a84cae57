"""Which streamable-HTTP MCP sessions hold their standalone stream (the GET SSE stream) open.

A handshake-era HTTP session gets server-initiated messages only on that stream; a notification
sent while it is closed is dropped by the transport (no event store here), not kept for later.
The server announces a changed catalog on the stream only to a session that holds it, and tells
the others with their next request (`ActionTools.announce_changes`), so no session misses it.

`OpenStreams` wraps the ASGI app of the `mcp` session manager: a GET answered 200 with an
`Mcp-Session-Id` request header is that session's stream, open until its response ends (the
client went away, or the session was closed). Everything else passes through untouched.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

SESSION_HEADER = b"mcp-session-id"


class OpenStreams:
    """An ASGI middleware that counts, per session id, the GET streams being served."""

    def __init__(self, app: Any):
        self.app = app
        self._open: Counter[str] = Counter()

    def is_open(self, session_id: str) -> bool:
        return self._open[session_id] > 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        sid = next((v.decode("latin-1") for k, v in scope["headers"] if k.lower() == SESSION_HEADER), None)
        if not sid:
            await self.app(scope, receive, send)
            return
        opened = False

        async def watch_start(message: dict[str, Any]) -> None:
            nonlocal opened
            if message["type"] == "http.response.start" and message["status"] == 200 and not opened:
                opened = True
                self._open[sid] += 1
            await send(message)

        try:
            await self.app(scope, receive, watch_start)
        finally:
            if opened:
                self._open[sid] -= 1
                if self._open[sid] <= 0:
                    del self._open[sid]
