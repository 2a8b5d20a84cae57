"""`collect_info` node: validate the proposed arguments; ask for what is missing or invalid.

It only asks and validates. It re-runs from its top on every resume, so it holds no side
effects; a free-text answer is handed to the `extract` node, which asks the model for values.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent import prompts
from agent.nodes.closing import close_if_unavailable, finish_call, skip_call
from agent.state import AgentContext, AgentState
from agent.storable_state import ask
from agent.wording.inputs import asked_for, customer_reason, form_field
from agent.wording.values import or_list
from tools.action import ActionDefinition
from tools.compiler import ArgsCheck, CompiledAction
from tools.outcome import Outcome, OutcomeKind

CANCEL_WORDS = frozenset({"cancel", "stop", "never mind", "nevermind", "forget it", "abort"})


def question_payload(compiled: CompiledAction, check: ArgsCheck) -> dict[str, Any]:
    """What a UI renders: the action, the fields to fill, the errors, and a plain question.

    Everything in it is for the customer: fields carry their customer-facing label and help
    (`customer_wording`), never the description written for the model."""
    action = compiled.definition
    specs = {f.name: f for f in compiled.fields}
    to_fill = [*check.missing, *[n for n in check.invalid if n not in check.missing]]
    fields = [form_field(specs[n]) for n in to_fill if n in specs]

    def describe(name: str) -> str:
        return asked_for(specs[name]) if name in specs else name

    def ask(name: str) -> str:
        """What is asked for: with the choices, by their labels, when there are choices."""
        spec = specs.get(name)
        options = list((spec.option_labels or {}).values()) if spec else []
        return f"{describe(name)} ({or_list(options)})" if options else describe(name)

    return {
        "kind": "collect_info",
        "action": action.name,
        "action_label": action.label,
        "fields": fields,
        "missing": list(check.missing),
        "invalid": dict(check.invalid),
        "known": dict(check.values),
        "question": prompts.question_text(
            _verb_label(action),
            [ask(n) for n in check.missing],
            [(describe(n), customer_reason(reason)) for n, reason in check.invalid.items()],
        ),
    }


def _verb_label(action: ActionDefinition) -> str:
    return action.title or action.name.replace("_", " ").replace("-", " ")


def parse_answer(answer: object) -> tuple[str, Any]:
    """Normalise a resume value: ("cancel", None) | ("values", dict) | ("text", str)."""
    if isinstance(answer, dict):
        if answer.get("cancel"):
            return "cancel", None
        if isinstance(answer.get("values"), dict):
            return "values", answer["values"]
        if isinstance(answer.get("text"), str):
            answer = answer["text"]
        else:
            return "values", {k: v for k, v in answer.items() if k not in ("kind",)}
    text = str(answer or "").strip()
    if text.lower().strip(".! ") in CANCEL_WORDS:
        return "cancel", None
    return "text", text


async def collect_info(state: AgentState, runtime: Runtime[AgentContext]) -> dict:
    ctx = runtime.context
    closed = close_if_unavailable(state, ctx)  # re-checked on every resume too
    if closed:
        return closed
    pending: dict[str, Any] = dict(state["pending"] or {})
    compiled = ctx.catalog[pending["action"]]
    action = compiled.definition
    check = compiled.check(pending.get("args") or {})
    if check.ok:
        return {"pending": {**pending, "args": check.values, "valid": True}}

    if not action.collect_info_first:
        # The call goes ahead as proposed; the validation failure is a clear tool error.
        problems = [f"{n}: missing" for n in check.missing]
        problems += [f"{n}: {reason}" for n, reason in check.invalid.items()]
        return finish_call(state, _arguments_outcome(action.name, problems))

    if pending.get("asked", 0) >= ctx.limits.max_questions:
        text = prompts.REPLY_GAVE_UP.format(label=action.label)
        return skip_call(state, "gave_up", text, "Not run: the customer did not provide the required values.")

    kind, value = parse_answer(ask(question_payload(compiled, check), ctx.limits))
    asked = pending.get("asked", 0) + 1
    if kind == "cancel":
        return skip_call(state, "cancelled", prompts.REPLY_CANCELLED, "Not run: cancelled by the customer.")
    if kind == "text":
        return {"pending": {**pending, "asked": asked, "answer_text": value, "valid": False}}
    known = {k: v for k, v in (pending.get("args") or {}).items() if k not in check.invalid}
    merged = {**known, **{k: v for k, v in value.items() if v not in (None, "")}}
    return {"pending": {**pending, "asked": asked, "args": merged, "valid": False}}


def _arguments_outcome(action: str, problems: list[str]) -> dict:
    return Outcome(
        kind=OutcomeKind.CONFIG_ERROR,
        action=action,
        summary="The request was not sent because the arguments are incomplete or invalid: "
        + "; ".join(problems),
    ).model_dump(mode="json")
