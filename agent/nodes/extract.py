"""`extract` node: turn a free-text collect-info answer into argument values (one model call)."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from agent import prompts
from agent.model_reply import usable
from agent.nodes.closing import close_if_unavailable
from agent.nodes.collect_info import question_payload
from agent.state import AgentContext, AgentState


async def extract(state: AgentState, runtime: Runtime[AgentContext]) -> dict:
    ctx = runtime.context
    pending: dict[str, Any] = dict(state["pending"] or {})
    if close_if_unavailable(state, ctx):  # collect_info, next, closes the call
        return {"pending": {**pending, "answer_text": None}}
    compiled = ctx.catalog[pending["action"]]
    name = compiled.definition.name
    known = pending.get("args") or {}
    payload = question_payload(compiled, compiled.check(known))
    question = prompts.EXTRACT_QUESTION.format(
        question=payload["question"], missing=", ".join(f["name"] for f in payload["fields"])
    )
    model = ctx.model.bind_tools([compiled.openai_schema()], tool_choice=name)
    reply = usable(
        await model.ainvoke(
            [
                SystemMessage(prompts.EXTRACT_SYSTEM.format(action=name, question=question)),
                HumanMessage(pending.get("answer_text") or ""),
            ]
        )
    )
    found: dict = {}
    for call in getattr(reply, "tool_calls", None) or []:
        if call["name"] == name:
            found.update({k: v for k, v in (call.get("args") or {}).items() if v not in (None, "")})
    return {"pending": {**pending, "args": {**known, **found}, "answer_text": None}}
