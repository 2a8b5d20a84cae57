"""A scripted OpenAI-compatible server for tests: real HTTP, replies read from a queue.

    with openai_server() as srv:
        srv.script(["Hello!", tool_call("lookup_order", order_id="A-1")])
        model = ChatOpenAI(base_url=srv.base_url + "/v1", api_key="test-key", model="scripted")

Each POST /v1/chat/completions takes the next scripted reply, as one JSON completion or, with
`"stream": true`, as server-sent chunks in the shape OpenAI sends them (tool-call arguments
split over several chunks, a usage chunk when `stream_options.include_usage`, `[DONE]`).
A script item is one of:

- a `str`: a plain assistant answer;
- a `ToolCall` or a list of them: the assistant calls those tools;
- a `Reply`: text and/or tool calls with explicit usage;
- a `Failure`: an HTTP error status (5xx and 429 are retried by the client);
- a `RawReply`: exactly the message (or, streamed, the deltas) another provider sends: a tool
  call without an `id`, chunks without `index`, `arguments` as an object, a reasoning
  field, extra fields; nothing is filled in;
- a callable taking the request body and returning any of the above, for replies that
  depend on what was sent.

Every request is kept in `srv.requests` so tests can assert what went over the wire. Like
OpenAI, the server rejects with 400 a conversation whose tool messages do not answer the
preceding assistant tool calls, and it answers 400 when the script has run out.

Pytest fixture: `openai_srv` (one server per session, reset before each test), registered for
every test module in tests/conftest.py (`pytest_plugins`).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from tests.support.servers import serve

_ids = itertools.count(1)


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]
    id: str | None = None
    """Call id; a fresh `call_N` when unset."""
    raw: str | None = None
    """Arguments sent as this exact text instead of `arguments` as JSON (e.g. cut-off JSON)."""

    @property
    def arguments_text(self) -> str:
        return self.raw if self.raw is not None else json.dumps(self.arguments)


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int

    def as_dict(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }


@dataclass(frozen=True)
class Reply:
    text: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage | None = None
    """Reported token usage; a rough word count of request and reply when unset."""
    refusal: str | None = None
    """The model refuses: `message.refusal` is this text and `content` is null."""
    finish_reason: str | None = None
    """Sent as is (e.g. "length" for a reply cut off by max_tokens); derived when unset."""


@dataclass(frozen=True)
class Failure:
    status: int = 500
    message: str = "scripted failure"


@dataclass(frozen=True)
class RawReply:
    """A reply sent exactly as written, in the shapes other OpenAI-compatible servers use."""

    message: dict[str, Any]
    """The choice's `message` as a JSON object (non-streamed requests)."""
    deltas: list[dict[str, Any]] | None = None
    """The streamed `delta` objects, one chunk each; unset: the message as one delta."""
    finish_reason: str | None = "stop"
    choice_extra: dict[str, Any] = field(default_factory=dict)
    """Fields added to the choice beside `message` (unknown ones, as some servers add)."""


ScriptItem = str | ToolCall | list[ToolCall] | Reply | Failure | RawReply | Callable[[dict], Any]


def tool_call(name: str, /, **arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    """Lower-cased header names."""
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    @property
    def tools(self) -> list[dict[str, Any]]:
        return self.body.get("tools", [])

    @property
    def tool_names(self) -> list[str]:
        return [t["function"]["name"] for t in self.tools]

    @property
    def tool_choice(self) -> Any:
        return self.body.get("tool_choice")

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    @property
    def system_prompt(self) -> str | None:
        for m in self.messages:
            if m.get("role") in ("system", "developer"):
                return _text(m.get("content"))
        return None


@dataclass
class ScriptedOpenAI:
    """The server's state; the app reads it from its thread, the test writes it from its own."""

    base_url: str = ""
    """`http://127.0.0.1:PORT`; the OpenAI base URL is this plus "/v1"."""
    api_key: str | None = None
    """When set, requests without `Authorization: Bearer <api_key>` get 401."""
    model_ids: tuple[str, ...] = ("scripted",)
    _script: deque = field(default_factory=deque)
    _requests: list[RecordedRequest] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def openai_base_url(self) -> str:
        return self.base_url + "/v1"

    def script(self, items: list[ScriptItem]) -> None:
        """Queue replies for the next chat completion requests, in order."""
        with self._lock:
            self._script.extend(items)

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self._requests.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        """Chat completion requests received so far, oldest first."""
        with self._lock:
            return [r for r in self._requests if r.path.endswith("/chat/completions")]

    @property
    def all_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def last_request(self) -> RecordedRequest:
        return self.requests[-1]

    @property
    def remaining(self) -> int:
        """Script items not yet consumed; a test can assert it ends at 0."""
        with self._lock:
            return len(self._script)

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _next(self) -> ScriptItem | None:
        with self._lock:
            return self._script.popleft() if self._script else None


def create_app(state: ScriptedOpenAI) -> FastAPI:
    app = FastAPI()
    app.state.openai = state

    @app.get("/v1/models")
    async def models(request: Request):
        state._record(_recorded(request, {}))
        if denied := _check_key(state, request):
            return denied
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "tests"} for m in state.model_ids]
        return {"object": "list", "data": data}

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request):
        body = await request.json()
        state._record(_recorded(request, body))
        if denied := _check_key(state, request):
            return denied
        if problem := _conversation_problem(body.get("messages", [])):
            return _error(400, problem, "invalid_request_error")
        item = state._next()
        if callable(item):
            item = item(body)
        if item is None:
            message = "scripted OpenAI server: the script has no reply left"
            return _error(400, message, "script_exhausted")
        if isinstance(item, RawReply):
            return _raw(item, body)
        reply = _as_reply(item)
        if isinstance(reply, Failure):
            return _error(reply.status, reply.message, "scripted_failure")
        completion_id = f"chatcmpl-{next(_ids)}"
        model = body.get("model", "scripted")
        calls = [
            c if c.id else ToolCall(c.name, c.arguments, f"call_{next(_ids)}", c.raw)
            for c in reply.tool_calls
        ]
        usage = reply.usage or _estimate_usage(body, reply)
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            chunks = _stream_chunks(completion_id, model, reply, calls, usage if include_usage else None)
            return StreamingResponse(chunks, media_type="text/event-stream")
        return _completion(completion_id, model, reply, calls, usage)

    return app


@contextlib.contextmanager
def openai_server(*, api_key: str | None = None) -> Iterator[ScriptedOpenAI]:
    """Run a scripted OpenAI-compatible server for the duration of the block."""
    state = ScriptedOpenAI(api_key=api_key)
    with serve(create_app(state)) as base_url:
        state.base_url = base_url
        yield state


_SHARED_SERVER = pytest.StashKey[ScriptedOpenAI]()


@pytest.fixture
def openai_srv(request: pytest.FixtureRequest) -> ScriptedOpenAI:
    """A scripted server shared by the whole run, with an empty script and request log.

    Started on first use and stopped at the end of the session; a single fixture so that
    importing `openai_srv` into a test module is all it takes.
    """
    config = request.config
    srv = config.stash.get(_SHARED_SERVER, None)
    if srv is None:
        stack = contextlib.ExitStack()
        srv = stack.enter_context(openai_server())
        config.add_cleanup(stack.close)
        config.stash[_SHARED_SERVER] = srv
    srv.reset()
    return srv


# --- wire format -----------------------------------------------------------------------


def _as_reply(item: Any) -> Reply | Failure:
    if isinstance(item, (Reply, Failure)):
        return item
    if isinstance(item, str):
        return Reply(text=item)
    if isinstance(item, ToolCall):
        return Reply(tool_calls=(item,))
    if isinstance(item, (list, tuple)) and item and all(isinstance(c, ToolCall) for c in item):
        return Reply(tool_calls=tuple(item))
    raise TypeError(f"not a script item: {item!r}")


def _completion(cid: str, model: str, reply: Reply, calls: list[ToolCall], usage: Usage) -> dict:
    content = None if reply.refusal is not None else reply.text
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": reply.refusal}
    if calls:
        message["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments_text},
            }
            for c in calls
        ]
    return {
        "id": cid,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": reply.finish_reason or _finish(calls),
            }
        ],
        "usage": usage.as_dict(),
    }


def _stream_chunks(
    cid: str, model: str, reply: Reply, calls: list[ToolCall], usage: Usage | None
) -> Iterator[str]:
    created = int(time.time())

    def chunk(delta: dict | None, finish: str | None = None, **extra: Any) -> str:
        choices = (
            [] if delta is None else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
        )
        payload = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": choices,
            **({"usage": None} if usage is not None else {}),
            **extra,
        }
        return f"data: {json.dumps(payload)}\n\n"

    yield chunk({"role": "assistant", "content": "" if reply.refusal is None else None})
    for piece in _pieces(reply.refusal or "", 3):
        yield chunk({"refusal": piece})
    for piece in _pieces(reply.text or "" if reply.refusal is None else "", 3):
        yield chunk({"content": piece})
    for index, call in enumerate(calls):
        head = {"name": call.name, "arguments": ""}
        first = {"index": index, "id": call.id, "type": "function", "function": head}
        yield chunk({"tool_calls": [first]})
        for piece in _pieces(call.arguments_text, 3):
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    yield chunk({}, reply.finish_reason or _finish(calls))
    if usage is not None:
        yield chunk(None, usage=usage.as_dict())
    yield "data: [DONE]\n\n"


def _raw(item: RawReply, body: dict) -> Any:
    cid, model, created = f"chatcmpl-{next(_ids)}", body.get("model", "scripted"), int(time.time())
    if not body.get("stream"):
        choice = {
            "index": 0,
            "message": item.message,
            "finish_reason": item.finish_reason,
            **item.choice_extra,
        }
        return {
            "id": cid,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [choice],
        }

    def chunks() -> Iterator[str]:
        deltas = item.deltas if item.deltas is not None else [item.message]
        for i, delta in enumerate(deltas):
            last = i == len(deltas) - 1
            choice = {"index": 0, "delta": delta, "finish_reason": item.finish_reason if last else None}
            payload = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model}
            yield f"data: {json.dumps({**payload, 'choices': [{**choice, **item.choice_extra}]})}\n\n"
        yield "data: [DONE]\n\n"

    return StreamingResponse(chunks(), media_type="text/event-stream")


def _pieces(text: str, count: int) -> list[str]:
    """Split into about `count` non-empty pieces, as a real stream splits tokens."""
    if not text:
        return []
    size = max(1, -(-len(text) // count))
    return [text[i : i + size] for i in range(0, len(text), size)]


def _finish(calls: list[ToolCall]) -> str:
    return "tool_calls" if calls else "stop"


def _estimate_usage(body: dict, reply: Reply) -> Usage:
    prompt = sum(len(_text(m.get("content")).split()) + 3 for m in body.get("messages", []))
    prompt += len(json.dumps(body.get("tools", [])).split())
    completion = len((reply.text or "").split())
    completion += sum(len(c.arguments_text.split()) + 3 for c in reply.tool_calls)
    return Usage(prompt_tokens=max(prompt, 1), completion_tokens=max(completion, 1))


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _conversation_problem(messages: list[dict]) -> str | None:
    """What OpenAI would reject about the tool-call bookkeeping, or None."""
    pending: list[str] = []
    for i, m in enumerate(messages):
        role = m.get("role")
        if role == "tool":
            call_id = m.get("tool_call_id")
            if call_id not in pending:
                return (
                    f"messages[{i}]: a 'tool' message must respond to a preceding assistant "
                    f"tool call; tool_call_id {call_id!r} is not one of {pending}"
                )
            pending.remove(call_id)
            continue
        if pending:
            return (
                f"messages[{i}]: an assistant message with 'tool_calls' must be followed by "
                f"tool messages responding to each tool_call_id; missing: {pending}"
            )
        if role == "assistant":
            pending = [c["id"] for c in m.get("tool_calls") or []]
    if pending:
        return f"the conversation ends with unanswered tool calls: {pending}"
    return None


def _check_key(state: ScriptedOpenAI, request: Request) -> JSONResponse | None:
    if state.api_key and request.headers.get("authorization") != f"Bearer {state.api_key}":
        return _error(401, "Incorrect API key provided.", "invalid_api_key")
    return None


def _error(status: int, message: str, code: str) -> JSONResponse:
    # A tiny retry-after keeps the client's retries of 429/5xx fast in tests.
    headers = {"retry-after-ms": "1"} if status == 429 or status >= 500 else None
    body = {"error": {"message": message, "type": code, "param": None, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


def _recorded(request: Request, body: dict) -> RecordedRequest:
    return RecordedRequest(
        method=request.method,
        path=request.url.path,
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
    )
