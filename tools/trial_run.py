"""Run one action once and report what happened: "test the endpoint first".

The `api-actions test` command and the editor's Test button both call `run_action_test`, which
sends the request through the same `ActionExecutor` the agent uses, so a test shows exactly
what a conversation would get: the outcome class, status, latency, the redacted request, a
response excerpt, and `model_view`, the data the model would see.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from pydantic import BaseModel

from .action import ActionDefinition
from .executor import ActionExecutor
from .outcome import Outcome


class ActionTestReport(BaseModel):
    action: str
    """The action's name."""
    label: str
    """The action's human label."""
    args: dict[str, Any]
    """The arguments the test ran with."""
    outcome: Outcome
    """The classified, redacted outcome."""
    model_view: dict[str, Any]
    """Exactly what reaches the model: the payload of the agent's data envelope."""

    @property
    def ok(self) -> bool:
        return self.outcome.ok


def model_view(outcome: Outcome) -> dict[str, Any]:
    """The fields of an outcome the model sees (`agent.prompts.data_envelope` sends these)."""
    return {
        "outcome": outcome.kind.value,
        "status": outcome.status,
        "summary": outcome.summary,
        "data": outcome.data,
        "link_url": outcome.link_url,
    }


async def run_action_test(
    action: ActionDefinition, args: dict[str, Any], executor: ActionExecutor
) -> ActionTestReport:
    """Send the action's request once; never raises for HTTP, network or argument problems."""
    # A test run is a new call of its own: a fresh key, so an API that de-duplicates on it
    # never answers a test with the reply of an earlier one.
    key = f"test-{uuid.uuid4()}" if action.send_idempotency_key else None
    outcome = await executor.execute(action, args, idempotency_key=key)
    return ActionTestReport(
        action=action.name,
        label=action.label,
        args=args,
        outcome=outcome,
        model_view=model_view(outcome),
    )


def format_report(report: ActionTestReport) -> str:
    """A plain-text report for a terminal or a code block on screen."""
    o = report.outcome
    status = str(o.status) if o.status is not None else "-"
    lines = [
        f"Action:   {report.action}" + (f" ({report.label})" if report.label != report.action else ""),
        f"Outcome:  {o.kind.value}{'' if o.ok else ' (error)'}",
        f"Status:   {status}",
        f"Latency:  {o.latency_ms:.0f} ms, {o.attempts} attempt{'s' if o.attempts != 1 else ''}",
        f"Summary:  {o.summary}",
        "",
        "Request (secrets masked):",
    ]
    if o.request is None:
        lines.append("  (not sent)")
    else:
        lines.append(f"  {o.request.method} {o.request.url}")
        lines.extend(f"  {name}: {value}" for name, value in o.request.headers.items())
        if o.request.body is not None:
            lines.append("  " + json.dumps(o.request.body, ensure_ascii=False))
    if o.request is not None and o.status is not None:
        what = ", ".join(x for x in (o.content_type, "truncated" if o.truncated else "") if x)
        lines += ["", f"Response excerpt{f' ({what})' if what else ''}:"]
        lines += ["  " + line for line in (o.excerpt or "(empty body)").splitlines()[:40]]
    lines += ["", "What the model sees:"]
    shown = json.dumps(report.model_view, indent=2, ensure_ascii=False, default=str)
    lines += ["  " + line for line in shown.splitlines()]
    return "\n".join(lines)
