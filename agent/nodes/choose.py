"""`agent` node: the chat model with the offered actions bound picks actions or answers.

It starts the turn: the turn's results, skipped calls and call count begin empty. Every shape a
model may answer in ends in something for the customer: tool calls become the turn's queue
(`planning`; calls in other servers' shapes are made usable first, see `model_reply`);
a malformed tool call (arguments that are not JSON, e.g. cut off by the token
limit) is repaired once by telling the model what was wrong, then answered plainly; a refusal
or an empty reply becomes a plain answer, never an empty message.

When retrieval bound only part of the catalog, the model may call the catalog search tool
once (`agent.catalog.search`): the node answers it and asks the model again with the actions
found bound as well, in the same step.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, RemoveMessage, SystemMessage
from langgraph.runtime import Runtime

from agent import prompts
from agent.catalog.offering import bound_after_search, offered_actions, search_size
from agent.catalog.search import SEARCH_TOOL, search_query, search_result, search_tool_schema
from agent.model_reply import usable
from agent.nodes.planning import plan_calls
from agent.state import AgentContext, AgentState, message_too_long

TURN_START: AgentState = {
    "retrieval": None,
    "results": [],
    "skipped": [],
    "turn_calls": 0,
    "queue": [],
    "outcome": None,
    "presentation": None,
}


def _past_the_limit(messages: list[Any], limits: Any) -> tuple[list[Any], str | None]:
    """Every customer (or system) message anywhere in the conversation past the limit, and the
    reply to the first: a run's input on LangGraph Server may hold several messages of any role in
    any order, and a client's state write may add one, so no position is trusted. Its text, name
    and extra fields all count: a model is given each of them."""
    found: list[Any] = []
    said: str | None = None
    for message in messages:
        if not isinstance(message, (HumanMessage, SystemMessage)):
            continue
        reply = message_too_long([message.content, message.name, message.additional_kwargs], limits)
        if reply is not None:
            found.append(message)
            said = said or reply
    return found, said


async def choose(state: AgentState, runtime: Runtime[AgentContext]) -> dict:
    ctx = runtime.context
    state = {**state, **TURN_START}
    too_long, said = _past_the_limit(state["messages"], ctx.limits)
    if said is not None:
        # never read, now or by a later turn: taken out of the conversation, the reply says why
        gone = [RemoveMessage(id=m.id) for m in too_long if m.id]
        return {**TURN_START, "messages": [*gone, AIMessage(said)], "pending": None}
    note = await ctx.retriever.prepare(ctx.catalog, state["messages"])
    allowed = ctx.retriever.allowed(ctx.catalog, state.get("channel", "chat"))
    offered = offered_actions(ctx.catalog, state, ctx.limits, ctx.retriever)
    searchable = len(offered) < len(allowed) and ctx.catalog.get(SEARCH_TOOL) is None
    retrieval: dict[str, Any] = {"bound": len(offered), "ranking": _ranking(ctx, offered, allowed, note)}
    if note:
        retrieval["note"] = note
    system = SystemMessage(prompts.AGENT_SYSTEM.format(channel=state.get("channel", "chat")))
    history = [system, *state["messages"]]
    tools = [*ctx.retriever.tool_schemas(offered), *([search_tool_schema()] if searchable else [])]
    reply = await _pick(ctx, tools, history, bool(offered))
    searched: list = []
    search = next((c for c in reply.tool_calls if c["name"] == SEARCH_TOOL), None) if searchable else None
    if search is not None:
        # One search per turn: the found actions are bound for the next step, the tool is not.
        query = search_query(dict(search.get("args") or {}))
        taken = {a.definition.name for a in offered}
        candidates = [a for a in allowed if a.definition.name not in taken]
        found = ctx.retriever.search(
            ctx.catalog, candidates, query, search_size(ctx.limits), state["messages"]
        )
        searched = [
            reply.model_copy(update={"tool_calls": [search]}),
            search_result(str(search["id"]), query, found),
        ]
        retrieval["search"] = {"query": query, "found": [a.definition.name for a in found]}
        state = {**state, "turn_calls": 1}  # the search counts in the per-turn call cap
        bound = bound_after_search(ctx.catalog, state, ctx.limits, ctx.retriever, offered, found)
        reply = await _pick(ctx, ctx.retriever.tool_schemas(bound), [*history, *searched], bool(bound))
    start = {**TURN_START, "turn_calls": state["turn_calls"], "retrieval": retrieval}
    if not reply.tool_calls:
        return {**start, "messages": [*searched, plain_answer(reply)], "pending": None}
    thread_id = runtime.execution_info.thread_id if runtime.execution_info else None
    update = plan_calls(reply, state, ctx, thread_id)
    return {**start, **update, "messages": [*searched, *update["messages"]]}


async def _pick(ctx: AgentContext, tools: list[dict[str, Any]], history: list, repairable: bool) -> AIMessage:
    """The model's reply with `tools` bound; a malformed tool call is repaired once."""
    model = ctx.model.bind_tools(tools) if tools else ctx.model
    reply = _cut_off_calls_invalid(usable(await model.ainvoke(history)))
    if not reply.tool_calls and reply.invalid_tool_calls and repairable:
        reply = usable(await model.ainvoke([*history, SystemMessage(_repair_note(reply))]))
        reply = _cut_off_calls_invalid(reply)
    return reply


def _ranking(ctx: AgentContext, offered: list, allowed: list, note: str | None) -> str:
    if len(offered) == len(allowed):
        return "all"
    return "fused" if ctx.retriever.semantic is not None and not note else "lexical"


def _cut_off_calls_invalid(reply: AIMessage) -> AIMessage:
    """A reply cut off by the token limit: its tool calls are incomplete even when their
    partial JSON parsed (a streamed reply's arguments are parsed leniently), so none may run."""
    if not reply.tool_calls or (reply.response_metadata or {}).get("finish_reason") != "length":
        return reply
    invalid = [
        {
            "name": c["name"],
            "args": json.dumps(c["args"]),
            "id": c["id"],
            "error": "the reply was cut off (token limit) before the arguments were complete",
            "type": "invalid_tool_call",
        }
        for c in reply.tool_calls
    ]
    return reply.model_copy(
        update={"tool_calls": [], "invalid_tool_calls": [*reply.invalid_tool_calls, *invalid]}
    )


def _repair_note(reply: AIMessage) -> str:
    calls = ", ".join(f"`{c.get('name') or '?'}`" for c in reply.invalid_tool_calls)
    errors = "; ".join(str(c.get("error") or "invalid JSON")[:200] for c in reply.invalid_tool_calls)
    return prompts.REPAIR_TOOL_CALL.format(calls=calls, error=errors)


def plain_answer(reply: AIMessage) -> AIMessage:
    """The reply as the customer's answer: its text, the model's own refusal words, or a plain
    sentence; a malformed tool call left in it is dropped (nothing answers it)."""
    text = reply.text.strip()
    if not text:
        refusal = (reply.additional_kwargs or {}).get("refusal")
        text = str(refusal).strip() if refusal else ""
    if text and text == reply.text and not reply.invalid_tool_calls:
        return reply
    return AIMessage(text or prompts.REPLY_EMPTY, response_metadata=reply.response_metadata, id=reply.id)
