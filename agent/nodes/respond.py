"""`respond` node: one model call presents the outcome in the action's response format.

The custom response instructions apply when switched on, error outcomes included. Only the
selected response fields reach the model, inside the delimited data envelope (see prompts).
"""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.runtime import Runtime
from pydantic import ValidationError

from tools.outcome import Outcome

from .. import prompts
from ..presentation import Card, Link, Presentation
from ..state import AgentContext, AgentState


def respond_messages(action, outcome: Outcome, channel: str, question: str, fmt: str) -> list:
    instructions = (
        prompts.INSTRUCTIONS_ON.format(text=action.response_instructions.strip())
        if action.response_instructions_enabled and action.response_instructions.strip()
        else prompts.INSTRUCTIONS_OFF
    )
    envelope = prompts.data_envelope(
        action=action.name,
        outcome=outcome.kind.value,
        status=outcome.status,
        summary=outcome.summary,
        data=outcome.data,
        link_url=outcome.link_url,
    )
    system = prompts.RESPOND_SYSTEM.format(
        action=action.name,
        label=action.label,
        format=fmt,
        format_rule=prompts.FORMAT_RULES[fmt],
        instructions=instructions,
        channel=channel,
    )
    return [SystemMessage(f"{system}\n\n{envelope}"), HumanMessage(question or "(no message)")]


def card_text(card: Card) -> str:
    lines = [card.title, *(f"{f.label}: {f.value}" for f in card.fields)]
    if card.link_url:
        lines.append(f"{card.link_label or 'Link'}: {card.link_url}")
    if card.note:
        lines.append(card.note)
    return "\n".join(lines)


def plain_data(outcome: Outcome) -> str:
    if isinstance(outcome.data, dict) and outcome.data:
        return "\n".join(f"{k}: {v}" for k, v in outcome.data.items() if v is not None)
    return outcome.summary


async def respond(state: AgentState, runtime: Runtime[AgentContext]) -> dict:
    ctx = runtime.context
    pending = state.get("pending") or {}
    outcome = Outcome.model_validate(state["outcome"])
    action = ctx.catalog.get(outcome.action).definition
    channel = state.get("channel", "chat")
    question = next(
        (m.text for m in reversed(state["messages"]) if isinstance(m, HumanMessage)), ""
    )
    # A failed call is explained in words; a card or link of an error would be empty.
    fmt = action.response_format.value if outcome.ok else "text"
    if fmt == "link" and not outcome.link_url:
        fmt = "text"
    messages = respond_messages(action, outcome, channel, question, fmt)

    presentation: Presentation
    if fmt == "card":
        presentation = await _structured(ctx, messages, Card, outcome)
    elif fmt == "link":
        presentation = await _structured(ctx, messages, Link, outcome)
    else:
        reply = await ctx.model.ainvoke(messages)
        presentation = Presentation(format="text", text=reply.text.strip())

    tool_message = ToolMessage(
        prompts.data_envelope(
            action=action.name, outcome=outcome.kind.value, status=outcome.status,
            summary=outcome.summary, data=outcome.data, link_url=outcome.link_url,
        ),  # fmt: skip
        tool_call_id=pending.get("tool_call_id", "call"),
        status="success" if outcome.ok else "error",
    )
    answer = AIMessage(
        presentation.text, additional_kwargs={"presentation": presentation.model_dump(mode="json")}
    )
    return {
        "messages": [tool_message, answer],
        "presentation": presentation.model_dump(mode="json"),
        "pending": None,
    }


async def _structured(ctx: AgentContext, messages: list, schema, outcome: Outcome) -> Presentation:
    structured = ctx.model.with_structured_output(
        schema, method="function_calling", include_raw=True
    )
    raw = await structured.ainvoke(messages)
    parsed = raw.get("parsed") if isinstance(raw, dict) else raw
    try:
        obj = parsed if isinstance(parsed, schema) else schema.model_validate(parsed or {})
    except ValidationError:
        obj = None
    if schema is Link:
        # The URL comes from the configured response field, never from the model's pen.
        url = outcome.link_url or ""
        label = (obj.label if obj else None) or "Open link"
        link = Link(url=url, label=label, note=obj.note if obj else None)
        text = f"{link.note + ' ' if link.note else ''}{link.label}: {link.url}"
        return Presentation(format="link", text=text, link=link)
    if obj is None:  # the model did not produce a valid card: show the data plainly
        raw_msg = raw.get("raw") if isinstance(raw, dict) else None
        return Presentation(format="text", text=getattr(raw_msg, "text", "") or plain_data(outcome))
    if obj.link_url and obj.link_url != outcome.link_url and obj.link_url not in str(outcome.data):
        obj.link_url = None  # a link the data does not contain is dropped
    return Presentation(format="card", text=card_text(obj), card=obj)
