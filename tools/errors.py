"""Errors, split by audience.

    ActionsError
    ├── ActionValidationError   – a definition is invalid (for the product team; every problem listed)
    ├── ConflictError           – an edit was made on a stale version (optimistic concurrency)
    ├── DraftChangedError       – a draft was saved, published or discarded since it was opened
    ├── NotFoundError           – no action / secret of that name
    ├── ToolArgumentsError      – the model's arguments do not fit the action (the model can retry)
    └── JsonTextError           – a text that should be JSON is not (also a ValueError); one line

Failures of the API call itself are not exceptions: the executor returns an `Outcome` whose kind
says what happened (ok, http_error, timeout, network, blocked, invalid_response, config_error).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    """Field path, e.g. `inputs[0].pattern` or `headers.Authorization`."""
    message: str

    def __post_init__(self) -> None:
        # A path or message can quote what was given, and what was given may hold a lone
        # surrogate ("\ud800" in JSON) that no output can encode: show it as that escape.
        object.__setattr__(self, "path", escape_unencodable(self.path))
        object.__setattr__(self, "message", escape_unencodable(self.message))

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def escape_unencodable(text: str) -> str:
    """`text` with every character UTF-8 cannot encode (a lone surrogate) as a `\\udXXX` escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class ActionsError(Exception):
    """Base of every error this project raises on purpose."""


class ActionValidationError(ActionsError):
    def __init__(self, action_name: str | None, problems: list[Problem]):
        self.action_name = action_name
        self.problems = problems
        who = f"action {action_name!r}" if action_name else "action definition"
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{who} is invalid ({len(problems)} problem(s)):\n{lines}")

    def by_path(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for p in self.problems:
            out.setdefault(p.path, []).append(p.message)
        return out


class ConflictError(ActionsError):
    def __init__(self, name: str, expected_version: int, actual_version: int | None):
        self.name = name
        self.expected_version = expected_version
        self.actual_version = actual_version
        now = "deleted" if actual_version is None else f"now at version {actual_version}"
        super().__init__(
            f"action {name!r} was changed by someone else: you edited version {expected_version}, "
            f"it is {now}. Reload it and apply your change again."
        )


class DraftChangedError(ActionsError):
    """The draft an edit was made on was saved by someone else, or published or discarded,
    since it was opened: the edit is refused instead of overwriting theirs."""

    def __init__(self, name: str, updated_by: str | None = None, gone: bool = False):
        self.name = name
        self.updated_by = updated_by
        self.gone = gone
        if gone:
            what = "was published or discarded"
        else:
            what = "was saved again" + (f" by {updated_by}" if updated_by else "")
        super().__init__(f"the draft of {name!r} {what} since you opened it")


class NotFoundError(ActionsError):
    pass


class ToolArgumentsError(ActionsError):
    """Arguments proposed by the model failed validation; the message is safe to show the model."""


class JsonTextError(ActionsError, ValueError):
    """A file, line or field that should hold JSON does not (`tools.json_text.parse_json`).

    The message is one line that reads after the name of what was read, e.g. "is not valid
    JSON: Expecting value at line 1 column 1".
    """

    def __init__(self, message: str, *, syntax: bool):
        super().__init__(message)
        self.syntax = syntax
        """True: the text is not JSON at all. False: it is JSON this program does not take (nested
        too deeply, a number too long or not finite), so no other reading of it will do better."""
