"""MCP over stdio: a line that is not a JSON-RPC message gets a JSON-RPC error back.

The `mcp` stdio transport parses each line and hands what it cannot parse to the server as an
exception, which the server only logs: the client that wrote the line waits for an answer that
never comes. JSON-RPC 2.0 says such a line gets an error response with a null id:

    not JSON at all                    -> -32700 Parse error
    JSON, but not a JSON-RPC message   -> -32600 Invalid Request

`AnswerUnreadableLines` sits between the transport and the server, writes that response, and
passes every message it can read on; the server keeps serving the next line.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import mcp_types as types
from mcp.shared.message import SessionMessage
from pydantic import ValidationError


def error_for(exc: Exception) -> types.JSONRPCError:
    """The JSON-RPC error response for a line the transport could not read."""
    not_json = not isinstance(exc, ValidationError) or any(e["type"] == "json_invalid" for e in exc.errors())
    if not_json:
        error = types.ErrorData(code=types.PARSE_ERROR, message="Parse error: the line is not JSON")
    else:
        error = types.ErrorData(
            code=types.INVALID_REQUEST, message="Invalid Request: the line is not a JSON-RPC message"
        )
    return types.JSONRPCError(jsonrpc="2.0", id=None, error=error)


class AnswerUnreadableLines:
    """A read stream over the stdio transport's that answers what it could not parse.

    Satisfies the `mcp` read-stream protocol (receive, async iteration, aclose, async context),
    and forwards `last_context`, the sender's context the server restores per message.
    """

    def __init__(self, inner: Any, write_stream: Any):
        self._inner = inner
        self._write = write_stream

    @property
    def last_context(self) -> Any:
        return getattr(self._inner, "last_context", None)

    async def receive(self) -> SessionMessage:
        while True:
            item = await self._inner.receive()
            if not isinstance(item, Exception):
                return item
            await self._write.send(SessionMessage(error_for(item)))

    def __aiter__(self) -> AnswerUnreadableLines:
        return self

    async def __anext__(self) -> SessionMessage:
        while True:
            item = await self._inner.__anext__()  # StopAsyncIteration at the end of input
            if not isinstance(item, Exception):
                return item
            await self._write.send(SessionMessage(error_for(item)))

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> AnswerUnreadableLines:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> bool | None:
        await self.aclose()
        return None
