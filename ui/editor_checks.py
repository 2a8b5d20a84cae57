"""What the editor checks before it saves, all at once: the definition, the name, the secrets.

`validate_action` reports every problem of the form; the stores add two more that depend on
what is stored (a name another action or new draft already has; they would otherwise be
reported alone, before the rest, and the other problems only after a rename). This module asks
both before anything is saved, so one click shows every problem.

Secrets can be set after an action is written, so a `{{secret.NAME}}` that is not set yet:
* is refused where the action would go live *enabled* (Save & publish, Publish draft, Enable):
  every customer call would fail with a configuration error;
* is a warning on a draft or a disabled action, which customers never reach.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tools.errors import ActionValidationError, Problem
from tools.placeholders import secret_uses
from tools.validation import validate_action

from .runtime import AgentRuntime


def form_secret_uses(form: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(field path, secret name) of every `{{secret.NAME}}` in a form's headers and its body
    (a template string; anything else in a form being edited is not read)."""
    headers = form.get("headers") or {}
    body = form.get("body")
    return secret_uses(
        {
            "headers": {n: str(v) for n, v in headers.items()} if isinstance(headers, dict) else {},
            "body": body if isinstance(body, str) else None,
        }
    )


def missing_secrets(rt: AgentRuntime, form: dict[str, Any]) -> list[Problem]:
    """One problem per reference to a secret that is not stored."""
    stored = set(rt.stores.secrets.names())
    return [
        Problem(
            path,
            f"secret {name!r} is not set: set it in the Secrets tab first (a draft or a "
            "disabled action may be saved before it is set)",
        )
        for path, name in form_secret_uses(form)
        if name not in stored
    ]


def name_taken(rt: AgentRuntime, name: str, *, own: set[str]) -> Problem | None:
    """A live action or a new action's draft already has `name` (any case), other than `own`."""
    key = name.strip().lower()
    if not key or key in {o.lower() for o in own}:
        return None
    if any(a.name.lower() == key for a in rt.stores.actions.list()):
        return Problem("name", f"an action named {name!r} already exists; choose another name")
    other = rt.drafts.get(name)
    if other is not None and other.live_name is None:
        return Problem("name", f"another draft is already named {name!r}")
    return None


def check(rt: AgentRuntime, form: dict[str, Any], *, own: set[str], going_live: bool) -> list[Problem]:
    """Every problem that stops this save, in one list (empty: it may be saved).

    `own` are the names the open action has now (its live name, its draft's name), which it
    may keep; `going_live` is True when the save makes the form what customers get.
    """
    problems: list[Problem] = []
    try:
        validate_action(form)
    except ActionValidationError as exc:
        problems.extend(exc.problems)
    name = form.get("name")
    if isinstance(name, str) and (taken := name_taken(rt, name, own=own)):
        problems.append(taken)
    if going_live and form.get("enabled", True) is not False:
        problems.extend(missing_secrets(rt, form))
    return problems


def refuse(form: dict[str, Any], problems: list[Problem]) -> None:
    """Raise the one error the editor shows, when there is any problem."""
    if problems:
        name = form.get("name") if isinstance(form.get("name"), str) else None
        raise ActionValidationError(name, problems)


def secret_warning(rt: AgentRuntime, form: dict[str, Any]) -> str | None:
    """For a save that may go ahead without them: which referenced secrets are not set yet."""
    names = sorted({name for _, name in form_secret_uses(form)} - set(rt.stores.secrets.names()))
    if not names:
        return None
    return (
        f"Secret {', '.join(names)} is not set yet: calls of this action fail until it is set in "
        "the Secrets tab. Publishing or enabling it is refused until then."
    )
