"""A scripted chat model for tests: replies in order, records what it was sent.

The only fake in the suite: language models are the one part tests do not run for real.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field

_ids = itertools.count(1)

Reply = str | AIMessage | dict | Callable[[list[BaseMessage], dict], Any]


def tool_call(name: str, **args: Any) -> AIMessage:
    return AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"call_{next(_ids)}"}])


class ScriptedChatModel(BaseChatModel):
    """Returns the scripted replies in order. A dict reply `{"tool": name, "args": {...}}`
    becomes a tool call; a callable gets (messages, bound kwargs) and returns a reply."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    replies: list[Any] = Field(default_factory=list)
    calls: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def script(self, *replies: Reply) -> ScriptedChatModel:
        self.replies.extend(replies)
        return self

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **kw: Any) -> Runnable:
        formatted = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=formatted, tool_choice=tool_choice, **kw)

    def _next(self, messages: list[BaseMessage], kwargs: dict) -> AIMessage:
        self.calls.append({"messages": list(messages), "kwargs": dict(kwargs)})
        if not self.replies:
            raise AssertionError("scripted model: no reply left for this call")
        reply = self.replies.pop(0)
        if callable(reply) and not isinstance(reply, (AIMessage, str, dict)):
            reply = reply(messages, kwargs)
        if isinstance(reply, str):
            return AIMessage(reply)
        if isinstance(reply, dict):
            return tool_call(reply["tool"], **reply.get("args", {}))
        if isinstance(reply, AIMessage) and reply.tool_calls:
            # fresh ids every time so repeated scripts never collide
            return AIMessage(
                reply.content, tool_calls=[{**c, "id": f"call_{next(_ids)}"} for c in reply.tool_calls]
            )
        return reply

    def _generate(self, messages, stop=None, run_manager: CallbackManagerForLLMRun | None = None, **kw):
        return ChatResult(generations=[ChatGeneration(message=self._next(messages, kw))])

    async def _agenerate(
        self, messages, stop=None, run_manager: AsyncCallbackManagerForLLMRun | None = None, **kw
    ):
        return ChatResult(generations=[ChatGeneration(message=self._next(messages, kw))])
