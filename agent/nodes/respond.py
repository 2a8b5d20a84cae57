"""`respond` node: the final model call presents every result of the turn, or chains a call.

The custom response instructions of each used action apply, error outcomes included. Only the
selected response fields (or, for an API error, the selected error fields or a short redacted
error excerpt) reach the model, inside the delimited data envelope (see prompts), one envelope
per result.

The offered actions stay bound in this call, as in a prebuilt tool-calling agent: the model
either answers or calls the next action (a lookup with an id found in a result). So a
single-action turn costs two model calls and a chained one a call per step; the per-turn cap
and every per-call check (`planning`) apply to chained calls. A format with a payload (a card,
a link) is a tool the model calls to present (its presenter's `tool`); what it fails to produce
is built from the data, in the configured format.
"""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.runtime import Runtime

from agent import prompts
from agent.catalog.offering import offered_actions
from agent.model_reply import usable
from agent.nodes.closing import said_once
from agent.nodes.planning import plan_calls
from agent.offline.render import RespondRequest, render
from agent.presentation import Presentation
from agent.presenters import (
    PLAIN,
    PRESENT_NAMES,
    PRESENTERS,
    Shown,
    as_customer_reads,
    plain_data,
    presenter_for,
)
from agent.state import AgentContext, AgentState, CallResult, Catalog
from agent.wording.values import Vocabulary, labels_rule, vocabulary
from tools.outcome import Outcome


def _shown(result: CallResult, catalog: Catalog) -> Shown:
    outcome = Outcome.model_validate(result["outcome"])
    compiled = catalog.get(result["action"] or outcome.action)
    action = compiled.definition if compiled is not None else None
    # A failed call is explained in words; a card or link of an error would be empty.
    fmt = action.response_format.value if (action is not None and outcome.ok) else PLAIN.format
    if not presenter_for(fmt).applies(outcome):
        fmt = PLAIN.format
    return Shown(result["tool_call_id"], action, outcome, fmt)


def _instructions(shown: Shown) -> str:
    if shown.has_instructions:
        return prompts.INSTRUCTIONS_ON.format(text=shown.action.response_instructions.strip())
    return prompts.INSTRUCTIONS_OFF


def envelope(shown: Shown) -> str:
    o = shown.outcome
    summary = o.summary
    if o.kind.is_error and o.may_have_applied and shown.action is not None and not shown.action.is_idempotent:
        summary += prompts.MAY_HAVE_APPLIED  # a write that may have gone through is never offered again
    return prompts.data_envelope(
        action=o.action,
        outcome=o.kind.value,
        status=o.status,
        summary=summary,
        data=o.data,
        link_url=o.link_url,
    )


def _format_rule(shown: Shown, tools_bound: bool) -> str:
    presenter = presenter_for(shown.format)
    rule = presenter.rule
    if tools_bound and presenter.tool is not None:
        rule += " " + prompts.PRESENT_TOOL_RULE.format(tool=presenter.tool.__name__)
    return rule


def respond_messages(
    shown: list[Shown],
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
            instructions=_instructions(one),
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
                instructions=_instructions(s),
                envelope=envelope(s),
            )
            for s in shown
        )
        system = prompts.RESPOND_SYSTEM_MANY.format(count=len(shown), blocks=blocks, channel=channel)
        system += labels_rule([s.outcome.data for s in shown], words)
    if chain:
        system += "\n" + prompts.CHAIN_RULE
    return [SystemMessage(system), HumanMessage(question or "(no message)")]


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
    present = [t for f in dict.fromkeys(s.format for s in shown) if (t := presenter_for(f).tool) is not None]
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
        return usable(await ctx.model.ainvoke(messages))
    # one result shown as a card or link and nothing to chain to: the presentation is forced
    choice = present[0].__name__ if single and present and not chain else "auto"
    return usable(await ctx.model.bind_tools(tools, tool_choice=choice).ainvoke(messages))


def _presentations(
    reply: AIMessage, shown: list[Shown], words: Vocabulary | None = None
) -> list[Presentation]:
    """What the customer sees: the model's cards and links (checked against the data), its
    text, and for every card or link result the model did not present, one built from the data."""
    out: list[Presentation] = []
    text = reply.text.strip()
    presented = {c["name"] for c in reply.tool_calls if c["name"] in PRESENT_NAMES}
    # words the model wrote instead of presenting a single card or link go under it
    note = (
        text
        if text and not presented and len(shown) == 1 and presenter_for(shown[0].format).tool is not None
        else None
    )
    for presenter in PRESENTERS.values():
        if presenter.tool is None:
            continue
        calls = [c["args"] for c in reply.tool_calls if c["name"] == presenter.tool.__name__]
        for index, s in enumerate(r for r in shown if r.format == presenter.format):
            args = calls[index] if index < len(calls) else ({"note": note} if note else None)
            out.append(presenter.build(s, args))
    if text and not note:  # words the model wrote beside its cards and links are kept
        out.append(Presentation(format=PLAIN.format, text=text))
    if not out:
        texts = dict.fromkeys(_unwritten(s, words) for s in shown if s.format == PLAIN.format)
        fallback = "\n\n".join(texts)  # a call repeated in the turn is said once
        out.append(Presentation(format=PLAIN.format, text=fallback.strip() or prompts.REPLY_EMPTY))
    return out


def _unwritten(shown: Shown, words: Vocabulary | None) -> str:
    """A result in words when the model wrote none: the selected fields of a success; a failure
    worded by its kind and the action's own instructions (`agent.offline.render`), never the
    API's raw error fields."""
    if shown.outcome.ok:
        return plain_data(shown.outcome, words)
    o = shown.outcome
    request = RespondRequest(
        action=o.action,
        label=shown.label,
        instructions=shown.action.response_instructions if shown.has_instructions else "",
    )
    envelope = {"outcome": o.kind.value, "status": o.status, "data": o.data, "link_url": o.link_url}
    return render(envelope, request).text
