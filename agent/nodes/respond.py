"""`respond` node: the final model call presents every result of the turn, or chains a call.

The custom response instructions of each used action apply, error outcomes included. Only the
selected response fields (or, for an API error, the selected error fields or a short redacted
error excerpt) reach the model, inside the delimited data envelope (see prompts), one envelope
per result.

The offered actions stay bound in this call, as in a prebuilt tool-calling agent: the model
either answers or calls the next action (a lookup with an id found in a result). So a
single-action turn costs two model calls and a chained one a call per step; the per-turn cap
and every per-call check (`planning`) apply to chained calls. Card and link formats are
`Card` / `Link` tools the model calls to present; what it fails to produce is built from the
data, in the configured format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.runtime import Runtime
from pydantic import ValidationError

from tools.outcome import Outcome

from .. import prompts
from ..customer_values import Vocabulary, as_customer_reads, labels_rule, show_value, vocabulary
from ..offering import offered_actions
from ..presentation import Card, CardField, Link, Presentation, card_text, link_text
from ..state import AgentContext, AgentState, CallResult
from .closing import said_once
from .planning import plan_calls

PRESENT_TOOLS = {"card": Card, "link": Link}
PRESENT_NAMES = frozenset(t.__name__ for t in PRESENT_TOOLS.values())
"""Tools of the final call that present rather than act (an action of that name is not chained)."""


@dataclass
class _Shown:
    """One result of the turn as the final node presents it."""

    tool_call_id: str
    action: Any
    """The action's definition (None when it was deleted since)."""
    outcome: Outcome
    format: str

    @property
    def label(self) -> str:
        return self.action.label if self.action is not None else self.outcome.action


def _shown(result: CallResult, catalog: Any) -> _Shown:
    outcome = Outcome.model_validate(result["outcome"])
    compiled = catalog.get(result["action"] or outcome.action)
    action = compiled.definition if compiled is not None else None
    # A failed call is explained in words; a card or link of an error would be empty.
    fmt = action.response_format.value if (action is not None and outcome.ok) else "text"
    if fmt == "link" and not outcome.link_url:
        fmt = "text"
    return _Shown(result["tool_call_id"], action, outcome, fmt)


def _has_instructions(action: Any) -> bool:
    return bool(
        action is not None and action.response_instructions_enabled and action.response_instructions.strip()
    )


def _instructions(action: Any) -> str:
    if _has_instructions(action):
        return prompts.INSTRUCTIONS_ON.format(text=action.response_instructions.strip())
    return prompts.INSTRUCTIONS_OFF


def envelope(shown: _Shown) -> str:
    o = shown.outcome
    return prompts.data_envelope(
        action=o.action,
        outcome=o.kind.value,
        status=o.status,
        summary=o.summary,
        data=o.data,
        link_url=o.link_url,
    )


def _format_rule(shown: _Shown, tools_bound: bool) -> str:
    rule = prompts.FORMAT_RULES[shown.format]
    if tools_bound and shown.format in PRESENT_TOOLS:
        rule += " " + prompts.PRESENT_TOOL_RULE.format(tool=PRESENT_TOOLS[shown.format].__name__)
    return rule


def respond_messages(
    shown: list[_Shown],
    channel: str,
    question: str,
    *,
    chain: bool,
    tools_bound: bool,
    words: Vocabulary | None = None,
) -> list:
    if len(shown) == 1:
        one = shown[0]
        system = prompts.RESPOND_SYSTEM.format(
            action=one.outcome.action,
            label=one.label,
            format=one.format,
            format_rule=_format_rule(one, tools_bound),
            instructions=_instructions(one.action),
            channel=channel,
        )
        system = f"{system}{labels_rule([s.outcome.data for s in shown], words)}\n\n{envelope(one)}"
    else:
        blocks = "\n".join(
            prompts.RESPOND_BLOCK.format(
                action=s.outcome.action,
                label=s.label,
                format=s.format,
                format_rule=_format_rule(s, tools_bound),
                instructions=_instructions(s.action),
                envelope=envelope(s),
            )
            for s in shown
        )
        system = prompts.RESPOND_SYSTEM_MANY.format(count=len(shown), blocks=blocks, channel=channel)
        system += labels_rule([s.outcome.data for s in shown], words)
    if chain:
        system += "\n" + prompts.CHAIN_RULE
    return [SystemMessage(system), HumanMessage(question or "(no message)")]


def plain_data(outcome: Outcome, words: Vocabulary | None = None) -> str:
    if isinstance(outcome.data, dict) and outcome.data:
        return "\n".join(
            f"{k}: {show_value(v, words or {})}" for k, v in outcome.data.items() if v is not None
        )
    return outcome.summary


async def respond(state: AgentState, runtime: Runtime[AgentContext]) -> dict:
    ctx = runtime.context
    results = state.get("results") or []
    skipped = state.get("skipped") or []
    if not results:  # nothing ran: the answer is why
        return {
            "messages": [AIMessage(said_once([s["text"] for s in skipped]) or prompts.REPLY_EMPTY)],
            "pending": None,
        }
    shown = [_shown(r, ctx.catalog) for r in results]
    own = [ctx.catalog.get(s.action.name) for s in shown if s.action is not None]
    words = vocabulary(f.option_labels for c in [*own, *ctx.catalog] if c is not None for f in c.fields)
    answered = {m.tool_call_id for m in state["messages"] if isinstance(m, ToolMessage)}
    tool_messages = [
        ToolMessage(envelope(s), tool_call_id=s.tool_call_id, status="success" if s.outcome.ok else "error")
        for s in shown
        if s.tool_call_id not in answered
    ]
    channel = state.get("channel", "chat")
    question = next((m.text for m in reversed(state["messages"]) if isinstance(m, HumanMessage)), "")
    chain = _chain_tools(state, ctx)
    present = [PRESENT_TOOLS[f] for f in dict.fromkeys(s.format for s in shown) if f in PRESENT_TOOLS]
    single = len(shown) == 1
    reply = await _ask(
        ctx,
        respond_messages(
            shown,
            channel,
            question,
            chain=bool(chain),
            tools_bound=bool(present) and (bool(chain) or not single),
            words=words,
        ),
        present,
        chain,
        single=single,
    )
    # without actions bound, a call the model names anyway is not run
    calls = [c for c in reply.tool_calls if c["name"] not in PRESENT_NAMES] if chain else []
    if calls:
        planned = plan_calls(
            AIMessage(reply.content, tool_calls=calls),
            state,
            ctx,
            runtime.execution_info.thread_id if runtime.execution_info else None,
        )
        if planned["pending"] is not None:
            return {**planned, "messages": [*tool_messages, *planned["messages"]]}
        # every chained call was refused: answer now, without actions, saying why
        state = {**state, "skipped": planned["skipped"]}
        skipped = planned["skipped"]
        tool_messages += planned["messages"]
        reply = await _ask(
            ctx,
            respond_messages(
                shown, channel, question, chain=False, tools_bound=bool(present) and not single, words=words
            ),
            present,
            [],
            single=single,
        )
    presentations = [as_customer_reads(p, words) for p in _presentations(reply, shown, words)]
    notes = said_once([s["text"] for s in skipped])
    if notes:
        last = presentations[-1]
        presentations[-1] = last.model_copy(update={"text": f"{last.text}\n\n{notes}".strip()})
    answers = [
        AIMessage(p.text, additional_kwargs={"presentation": p.model_dump(mode="json")})
        for p in presentations
    ]
    return {
        "messages": [*tool_messages, *answers],
        "presentation": presentations[-1].model_dump(mode="json"),
        "pending": None,
        "queue": [],
    }


CUSTOMER_STOPPED = frozenset({"rejected", "cancelled", "gave_up"})


def _chain_tools(state: AgentState, ctx: AgentContext) -> list[dict]:
    """The actions the final call may chain to: none once the per-turn cap is used up, nor
    after the customer turned down a call of this turn (no re-proposing in a loop)."""
    if state.get("turn_calls", 0) >= ctx.limits.max_actions_per_turn:
        return []
    if any(s["reason"] in CUSTOMER_STOPPED for s in state.get("skipped") or []):
        return []
    offered = offered_actions(ctx.catalog, state, ctx.limits, ctx.retriever)
    return ctx.retriever.tool_schemas(c for c in offered if c.definition.name not in PRESENT_NAMES)


async def _ask(ctx: AgentContext, messages: list, present: list, chain: list, *, single: bool) -> AIMessage:
    tools = [*present, *chain]
    if not tools:
        return await ctx.model.ainvoke(messages)
    # one result shown as a card or link and nothing to chain to: the presentation is forced
    choice = present[0].__name__ if single and present and not chain else "auto"
    reply = await ctx.model.bind_tools(tools, tool_choice=choice).ainvoke(messages)
    return reply if isinstance(reply, AIMessage) else AIMessage(str(reply))


def _presentations(
    reply: AIMessage, shown: list[_Shown], words: Vocabulary | None = None
) -> list[Presentation]:
    """What the customer sees: the model's cards and links (checked against the data), its
    text, and for every card or link result the model did not present, one built from the data."""
    out: list[Presentation] = []
    cards = [c for c in reply.tool_calls if c["name"] == "Card"]
    links = [c for c in reply.tool_calls if c["name"] == "Link"]
    card_results = [s for s in shown if s.format == "card"]
    link_results = [s for s in shown if s.format == "link"]
    text = reply.text.strip()
    # words the model wrote instead of presenting a single card or link go under it
    note = (
        text
        if text and not cards and not links and len(shown) == 1 and shown[0].format in PRESENT_TOOLS
        else None
    )
    for index, s in enumerate(card_results):
        args = cards[index]["args"] if index < len(cards) else ({"note": note} if note else None)
        out.append(_card(s, args))
    for index, s in enumerate(link_results):
        args = links[index]["args"] if index < len(links) else ({"note": note} if note else None)
        out.append(_link(s, args))
    if text and not note:  # words the model wrote beside its cards and links are kept
        out.append(Presentation(format="text", text=text))
    if not out:
        fallback = "\n\n".join(plain_data(s.outcome, words) for s in shown if s.format == "text")
        out.append(Presentation(format="text", text=fallback.strip() or prompts.REPLY_EMPTY))
    return out


def _card(shown: _Shown, args: dict | None) -> Presentation:
    try:
        card = Card.model_validate(args) if args and "title" in args else None
    except ValidationError:
        card = None
    if card is None:  # the model produced no valid card: one from the selected fields, in order
        data = shown.outcome.data if isinstance(shown.outcome.data, dict) else {}
        note = (args or {}).get("note")
        card = Card(
            title=shown.label,
            note=str(note) if note else None,
            fields=[CardField(label=str(k), value=str(v)) for k, v in data.items() if v is not None],
        )
    selection = shown.action.response_selection if shown.action is not None else None
    if selection is not None and not _has_instructions(shown.action):
        # With no custom instructions the entered order is the team's only word on it; with
        # them, the model may have followed one ("lead with the delivery date").
        card.fields = in_configured_order(card.fields, list(selection.fields))
    if not card.title.strip():
        card.title = shown.label
    outcome = shown.outcome
    if card.link_url and card.link_url != outcome.link_url and card.link_url not in str(outcome.data):
        card.link_url = None  # a link the data does not contain is dropped
    if not card.link_url and outcome.link_url:
        card.link_url = outcome.link_url
    if card.link_url and selection is not None and selection.link_label:
        card.link_label = selection.link_label
    return Presentation(format="card", text=card_text(card), card=card)


def in_configured_order(fields: list[CardField], labels: list[str]) -> list[CardField]:
    """The card's fields in the order the team entered the response fields.

    A model may list them in any order; fields with a configured label (matched without
    regard to case or spacing) follow that order, the others keep theirs after them.
    """
    rank = {" ".join(label.split()).casefold(): i for i, label in enumerate(labels)}
    key = lambda f: rank.get(" ".join(f.label.split()).casefold(), len(rank))  # noqa: E731
    return sorted(fields, key=key)  # stable: unconfigured fields keep their order


def _link(shown: _Shown, args: dict | None) -> Presentation:
    # The URL comes from the configured response field, never from the model's pen.
    selection = shown.action.response_selection if shown.action is not None else None
    label = (selection.link_label if selection is not None else None) or (args or {}).get("label")
    note = (args or {}).get("note")
    link = Link(
        url=shown.outcome.link_url or "", label=str(label or "Open link"), note=str(note) if note else None
    )
    return Presentation(format="link", text=link_text(link), link=link)
