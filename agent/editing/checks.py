"""What is checked before an edit is saved, all at once: the definition, the name, the secrets.

`validate_action` reports every problem of a definition; two more depend on what is stored (a
name another action or new action's draft already has; the stores would otherwise report it
alone, before the rest, and the other problems only after a rename). `problems` asks all of
them, so one click shows every problem, and validates the definition exactly once.

Secrets can be set after an action is written, so a `{{secret.NAME}}` that is not set yet:
* is refused where the action would go live *enabled* (save live, publish, enable): every
  customer call would fail with a configuration error;
* is a warning on a draft or a disabled action, which customers never reach.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from tools.action import ActionDefinition
from tools.errors import ActionValidationError, Problem
from tools.placeholders import secret_uses
from tools.validation import validate_action


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


def missing_secrets(form: dict[str, Any], stored: Iterable[str]) -> list[Problem]:
    """One problem per reference to a secret that is not among `stored`."""
    have = set(stored)
    return [
        Problem(
            path,
            f"secret {name!r} is not set: set it in the Secrets tab first (a draft or a "
            "disabled action may be saved before it is set)",
        )
        for path, name in form_secret_uses(form)
        if name not in have
    ]


def secret_warning(form: dict[str, Any], stored: Iterable[str]) -> str | None:
    """For a save that may go ahead without them: which referenced secrets are not set yet."""
    names = sorted({name for _, name in form_secret_uses(form)} - set(stored))
    if not names:
        return None
    return (
        f"Secret {', '.join(names)} is not set yet: calls of this action fail until it is set in "
        "the Secrets tab. Publishing or enabling it is refused until then."
    )


def name_problem(
    name: str, *, own: set[str], live: Iterable[str], new_drafts: Iterable[str]
) -> Problem | None:
    """A live action or a new action's draft already has `name` (any case), other than `own`."""
    key = name.strip().lower()
    if not key or key in {o.lower() for o in own}:
        return None
    if any(n.lower() == key for n in live):
        return Problem("name", f"an action named {name!r} already exists; choose another name")
    if any(n.lower() == key for n in new_drafts):
        return Problem("name", f"another draft is already named {name!r}")
    return None


def refuse(form: dict[str, Any], problems: list[Problem]) -> None:
    """Raise the one error that lists every problem, when there is any."""
    if problems:
        name = form.get("name") if isinstance(form.get("name"), str) else None
        raise ActionValidationError(name, problems)


def validated(form: dict[str, Any]) -> tuple[ActionDefinition | None, list[Problem]]:
    """The definition and no problem, or None and every problem: `validate_action`, once."""
    try:
        return validate_action(form), []
    except ActionValidationError as exc:
        return None, list(exc.problems)


__all__ = ["missing_secrets", "name_problem", "refuse", "secret_uses", "secret_warning", "validated"]
