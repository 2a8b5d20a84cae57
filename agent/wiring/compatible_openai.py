"""The OpenAI chat client, reading the reply shapes of other OpenAI-compatible servers.

`langchain_openai.ChatOpenAI` parses OpenAI's own shapes. Servers such as vLLM, Ollama, Groq,
Together and Azure also send tool-call `arguments` as a JSON object rather than text (the
client fails on it with a validation error, ending the turn) and streamed tool-call chunks
without `index` (the client then splits one call into several broken ones). This subclass
puts each raw completion and chunk into OpenAI's shape before the client parses it; the rest
(ids left out, arguments in code fences or single quotes) is done on the parsed message by
`agent.model_reply.usable`, which works for any chat model.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from langchain_openai import ChatOpenAI
from pydantic import PrivateAttr

__all__ = ["CompatibleChatOpenAI"]


class CompatibleChatOpenAI(ChatOpenAI):
    """`ChatOpenAI` that also reads other servers' completion and chunk shapes."""

    _streams: dict[str, int] = PrivateAttr(default_factory=dict)
    """Completion id -> how many tool calls its stream has started (for chunks without `index`)."""
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def _create_chat_result(self, response: Any, generation_info: dict | None = None) -> Any:
        raw = response if isinstance(response, dict) else _dump(response)
        if isinstance(raw, dict) and _has_object_arguments(raw):
            # only then is the reply rebuilt as a dict: otherwise the client's own object goes on
            # as it came (structured output reads its `parsed` field)
            for choice in raw.get("choices") or []:
                message = choice.get("message") if isinstance(choice, dict) else None
                for call in (message or {}).get("tool_calls") or []:
                    _text_arguments(call)
            response = raw
        return super()._create_chat_result(response, generation_info)

    def _convert_chunk_to_generation_chunk(
        self, chunk: dict, default_chunk_class: type, base_generation_info: dict | None
    ) -> Any:
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") if isinstance(choice, dict) else None
            calls = (delta or {}).get("tool_calls") or []
            for call in calls:
                _text_arguments(call)
                if call.get("index") is None:
                    call["index"] = self._index(str(chunk.get("id")), call)
            if choice.get("finish_reason"):
                with self._lock:
                    self._streams.pop(str(chunk.get("id")), None)
        return super()._convert_chunk_to_generation_chunk(chunk, default_chunk_class, base_generation_info)

    def _index(self, stream_id: str, call: dict[str, Any]) -> int:
        """A call with an id or a name starts the next index; a bare piece of arguments
        continues the last one."""
        function = call.get("function") or {}
        with self._lock:
            started = self._streams.get(stream_id, 0)
            if call.get("id") or function.get("name") or started == 0:
                self._streams[stream_id] = started + 1
                return started
            return started - 1


def _has_object_arguments(raw: dict) -> bool:
    """Whether a tool call of the completion sends `arguments` as an object, not as text."""
    for choice in raw.get("choices") or []:
        message = choice.get("message") if isinstance(choice, dict) else None
        for call in (message or {}).get("tool_calls") or []:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and isinstance(function.get("arguments"), (dict, list)):
                return True
    return False


def _dump(response: Any) -> Any:
    try:
        return response.model_dump(exclude={"choices": {"__all__": {"message": {"parsed"}}}}, warnings=False)
    except (AttributeError, TypeError):
        return response


def _text_arguments(call: Any) -> None:
    """`arguments` sent as a JSON object becomes its JSON text, as OpenAI sends it."""
    function = call.get("function") if isinstance(call, dict) else None
    if isinstance(function, dict) and isinstance(function.get("arguments"), (dict, list)):
        function["arguments"] = json.dumps(function["arguments"])
