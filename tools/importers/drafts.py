"""What every importer shares: the result shape, names, secret names, triggers and the last check.

A draft is a plain action definition dict that has passed `validate_action`. Drafts are always
`enabled: false`: an imported action goes live only after someone reviewed it and switched it
on. A draft that fails validation is never returned; it becomes a `Skipped` entry whose reason
lists every problem.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from typing import Any

from tools.action import INPUT_NAME_RE, RESERVED_INPUT_NAMES, TOOL_NAME_RE
from tools.errors import ActionValidationError
from tools.validation import validate_action

MAX_NAME_LENGTH = 64
MAX_TRIGGER_DESCRIPTION = 300


@dataclass(frozen=True)
class Skipped:
    """Something the importer could not turn into a draft, and why."""

    operation: str
    """Which one: an operationId, `METHOD /path`, or `curl`."""
    reason: str
    """Why it cannot map cleanly, in words a product team can act on."""


@dataclass
class ImportResult:
    drafts: list[dict[str, Any]] = field(default_factory=list)
    """Action definitions that pass `validate_action`, every one `enabled: false`."""
    skipped: list[Skipped] = field(default_factory=list)
    """What could not be mapped, with the reason."""
    notes: list[str] = field(default_factory=list)
    """What a reviewer should know: renamed inputs, left-out fields, secrets to store."""
    auth: list[dict[str, Any]] = field(default_factory=list)
    """Shared auth settings (`tools.auth.AuthSetting`) the drafts name; valid, secrets by name."""

    def catalog(self) -> list[dict[str, Any]] | dict[str, Any]:
        """What to save or write: the drafts, or `{"auth", "actions"}` when they name settings
        (the catalog file format of `storage.transfer`)."""
        return {"auth": self.auth, "actions": self.drafts} if self.auth else self.drafts


def shared_auth_of(drafts: list[dict[str, Any]], settings: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The settings the drafts name, each once, in the order first named."""
    names = dict.fromkeys(d["auth"] for d in drafts if d.get("auth"))
    return [settings[n] for n in names if n in settings]


# -- names ---------------------------------------------------------------------------------------


def snake_case(text: str) -> str:
    """`listPets` -> `list_pets`, `X-Request-Id` -> `x_request_id`, `server-live` -> `server_live`."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    return re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()


def is_input_name(name: str) -> bool:
    return bool(
        INPUT_NAME_RE.match(name)
        and not keyword.iskeyword(name)
        and not name.startswith("model_")
        and name not in RESERVED_INPUT_NAMES
    )


def input_name(raw: str, taken: set[str], *, prefix: str = "") -> str:
    """A valid, unused input name for `raw` (`taken` is updated)."""
    base = raw if is_input_name(raw) else snake_case(raw)
    if base.startswith("model_"):  # reserved by pydantic: `model_name` -> `name_of_model`
        base = f"{base[len('model_') :]}_of_model"
    if not base or not base[0].isalpha():
        base = f"value_{base}".rstrip("_")
    if not is_input_name(base):
        base = f"{base}_value"
    base = clip_words(base, MAX_NAME_LENGTH)
    candidates = [base, clip_words(f"{prefix}_{base}", MAX_NAME_LENGTH)] if prefix else [base]
    name = next((c for c in candidates if c not in taken and is_input_name(c)), None)
    counter = 2
    while name is None:
        candidate = f"{clip_words(base, MAX_NAME_LENGTH - 4)}_{counter}"
        name = candidate if candidate not in taken else None
        counter += 1
    taken.add(name)
    return name


def clip_words(name: str, limit: int) -> str:
    """`name` in at most `limit` characters, cut after a whole `_`-separated word when it is
    longer (`..._dag_run_tasks` -> `..._dag_run`, not `..._dag_ru`); a first word longer than
    the limit is cut where it must be."""
    if len(name) <= limit:
        return name
    cut = name[:limit]
    if name[limit] != "_" and "_" in cut.strip("_"):
        cut = cut[: cut.rstrip("_").rfind("_")]
    return cut.rstrip("_") or name[:limit]


def tool_name(raw: str, taken: set[str]) -> str:
    """A tool name from `raw`: snake_case, starting with a letter, <= 64 chars, unique in `taken`.

    `taken` holds lower-cased names (catalog names are unique case-insensitively) and is updated.
    """
    base = snake_case(raw) or "action"
    if not base[0].isalpha():
        base = f"op_{base}"
    base = clip_words(base, MAX_NAME_LENGTH)
    name, counter = base, 2
    while name.lower() in taken or not TOOL_NAME_RE.match(name):
        suffix = f"_{counter}"
        name = clip_words(base, MAX_NAME_LENGTH - len(suffix)) + suffix
        counter += 1
    taken.add(name.lower())
    return name


def secret_prefix(text: str | None, fallback: str = "API") -> str:
    """`Swagger Petstore` -> `SWAGGER_PETSTORE`: the stem of the secret names an import suggests."""
    words = snake_case(text or "").upper().split("_")
    prefix = ""
    for word in words:
        if word and len(prefix) + len(word) + 1 > 32:
            break
        prefix = f"{prefix}_{word}" if prefix else word
    if not prefix:
        return fallback
    return prefix if prefix[0].isalpha() else f"{fallback}_{prefix}"


def humanize(name: str) -> str:
    return snake_case(name).replace("_", " ")


def human_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# -- triggers ------------------------------------------------------------------------------------


def first_paragraph(text: str | None, limit: int = MAX_TRIGGER_DESCRIPTION) -> str:
    text = (text or "").strip().split("\n\n")[0]
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " ..."
    return text


def draft_trigger(action: str, required: list[str], description: str = "") -> str:
    """ "Use when the user wants to <action> and has provided <required inputs>." + description."""
    action = " ".join(action.split()).rstrip(".")
    action = action[:1].lower() + action[1:] if action[:2] != action[:2].upper() else action
    text = f"Use when the user wants to {action}"
    if required:
        text += f" and has provided the {human_list(required)}"
    text += "."
    extra = first_paragraph(description)
    if extra and extra.rstrip(".").lower() != action.lower():
        text += " " + extra
    return text


# -- the last check --------------------------------------------------------------------------------


def finish(draft: dict[str, Any], operation: str, result: ImportResult) -> bool:
    """Validate `draft` (saved disabled); add it to `result`, or a `Skipped` listing why not."""
    draft = {**draft, "enabled": False}
    try:
        action = validate_action(draft)
    except ActionValidationError as exc:
        problems = "; ".join(str(p) for p in exc.problems)
        result.skipped.append(Skipped(operation, f"the draft would be invalid: {problems}"))
        return False
    result.drafts.append(action.to_json_dict())
    return True
