"""Catalogs written the function-calling way (OpenAI function format), and one offline-model turn
on them: what the offline-model tests on other people's catalogs share."""

from __future__ import annotations

from datetime import date
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from agent.offline import OfflineChatModel
from agent.prompts import AGENT_SYSTEM

TODAY = date(2027, 3, 1)
TEXT = {"type": "string"}


def fn(name: str, description: str, **props: dict[str, Any]) -> dict[str, Any]:
    """A function definition with these parameters, none required."""
    parameters = {"type": "object", "properties": props, "required": []}
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": parameters},
    }


def offline_call(tools: list[dict[str, Any]], message: str) -> tuple[str | None, dict[str, Any]]:
    """The tool the offline model calls for one customer message, with its arguments; (None, {})
    when it answers in words. Every turn answers."""
    model = OfflineChatModel(today=TODAY).bind_tools(tools)
    reply = model.invoke([SystemMessage(AGENT_SYSTEM.format(channel="chat")), HumanMessage(message)])
    assert reply.tool_calls or reply.text.strip(), "every turn answers"
    return (reply.tool_calls[0]["name"], reply.tool_calls[0]["args"]) if reply.tool_calls else (None, {})
