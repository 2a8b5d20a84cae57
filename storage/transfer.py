"""Import and export of the action catalog as JSON: a list of action definitions, or, when
shared auth settings exist, `{"auth": [settings], "actions": [definitions]}`.

Export writes definitions (and auth settings) only. Secret values are never in it (definitions
only hold `{{secret.NAME}}` references, auth settings secret names), and neither are version
numbers: a version is a
concurrency token of one database, meaningless in another, and a definition has no such field,
so an exported file validates and imports as it is.

Import validates the whole file first (`validate_catalog`: every problem, with its field path);
if anything is wrong nothing is stored. Then it creates or updates by name (case-insensitive) in
one transaction. Actions missing from the file are left alone. Auth settings are stored first,
by name; an action naming a setting that is neither stored nor in the file is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from tools.action import ActionDefinition
from tools.auth import AuthSetting, validate_auth
from tools.errors import ActionValidationError, JsonTextError, Problem
from tools.json_text import parse_json
from tools.validation import Validated, validate_catalog

from .actions import ActionStore, Change, ImportReport, definition_diff
from .auth_settings import AuthStore
from .drafts import DraftStore

FILE_PATH = "(file)"
"""The path of a problem with the file as a whole."""


def export_actions(store: ActionStore) -> list[dict[str, Any]] | dict[str, Any]:
    """The catalog: a list of definitions, or, when shared auth settings are stored,
    `{"auth": [...settings], "actions": [...definitions]}` (settings name secrets, never values)."""
    actions = [stored.definition.to_json_dict() for stored in store.list()]
    auth = [stored.setting.to_json_dict() for stored in AuthStore(store.engine).list()]
    return {"auth": auth, "actions": actions} if auth else actions


def export_json(store: ActionStore) -> str:
    return json.dumps(export_actions(store), indent=2, ensure_ascii=False) + "\n"


def _document(items: Any) -> Any:
    if isinstance(items, (str, bytes)):
        try:
            return parse_json(items)
        except JsonTextError as exc:
            raise ActionValidationError(None, [Problem(FILE_PATH, str(exc))]) from None
    return items


def _is_bundle(doc: Any) -> bool:
    return isinstance(doc, dict) and "actions" in doc


def parse_catalog(items: list[dict[str, Any]] | dict[str, Any] | str | bytes) -> list[Any]:
    """The raw action items of a catalog file; a file that is not a catalog is one problem.

    The one parser of catalog text, for every entry point (command line, app upload, import):
    bytes are UTF-8 (a byte order mark is skipped), and anything `tools.json_text.parse_json`
    refuses (not JSON, nested too deeply, a number too long or not finite) is a `(file)` problem.
    A catalog is a JSON list of definitions, or `{"auth": [...], "actions": [...]}` when it
    carries shared auth settings (`parse_auth_items`).
    """
    doc = _document(items)
    if _is_bundle(doc):
        extra = sorted(set(doc) - {"actions", "auth"})
        if extra:
            raise ActionValidationError(
                None,
                [Problem(FILE_PATH, f"unknown top-level keys {extra}: a catalog has 'auth' and 'actions'")],
            )
        doc = doc["actions"]
    if not isinstance(doc, list):
        raise ActionValidationError(
            None, [Problem(FILE_PATH, f"must be a JSON list of action definitions, not {_json_kind(doc)}")]
        )
    return doc


def parse_auth_items(items: list[dict[str, Any]] | dict[str, Any] | str | bytes) -> list[Any]:
    """The raw auth settings of a catalog file (none in a plain list)."""
    doc = _document(items)
    auth = doc.get("auth", []) if _is_bundle(doc) else []
    if not isinstance(auth, list):
        raise ActionValidationError(None, [Problem("auth", "must be a list of auth settings")])
    return auth


def file_problem(exc: ActionValidationError) -> str | None:
    """The message when `exc` is about the file as a whole (it is not a catalog at all)."""
    messages = [p.message for p in exc.problems if p.path == FILE_PATH]
    return messages[0] if messages else None


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return "null" if value is None else type(value).__name__


_ITEM_PATH = re.compile(r"^\[(\d+)\](?:\.(.*))?$")


def problem_place(items: list[Any], path: str) -> str:
    """Where a problem of a catalog file is, in words: `[1].name` -> "order_status (item 2):
    name", naming the action by the name the file gives it (people know actions by name, not
    by their position in a list)."""
    match = _ITEM_PATH.match(path)
    if not match:
        return path
    index, rest = int(match.group(1)), match.group(2)
    item = items[index] if 0 <= index < len(items) else None
    name = item.get("name") if isinstance(item, dict) else None
    who = f"{name} (item {index + 1})" if isinstance(name, str) and name.strip() else f"item {index + 1}"
    return f"{who}: {rest}" if rest else who


_ALSO_ITEM = re.compile(r"\(also item (\d+)\)")


def problem_text(items: list[Any], problem: Problem) -> str:
    """A problem of a catalog file in words: where (`problem_place`), then what, with the other
    item of a duplicate named the same way ("also item 1", counting from 1 as people do)."""

    def other(match: re.Match[str]) -> str:
        return f"(also {problem_place(items, f'[{match.group(1)}]')})"

    return f"{problem_place(items, problem.path)}: {_ALSO_ITEM.sub(other, problem.message)}"


@dataclass(frozen=True)
class PlannedUpdate:
    name: str
    version: int
    """The live version the import would replace."""
    diff: dict[str, list[Any]]
    """Definition field -> [live, imported], as the audit history records changes."""


@dataclass(frozen=True)
class AffectedDraft:
    name: str
    why: str


@dataclass(frozen=True)
class ImportPlan:
    """What importing a file would do, worked out without storing anything."""

    created: list[str] = field(default_factory=list)
    updated: list[PlannedUpdate] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    drafts: list[AffectedDraft] = field(default_factory=list)
    seen: dict[str, int | None] = field(default_factory=dict)
    """Lower-cased name -> the live version the plan was made on (None: no such action), for
    `store_bundle`'s `expected`; not part of the digest (the updates carry their versions)."""

    def digest(self) -> str:
        """Changes when the plan would: compare it before importing what was shown."""
        shown = {
            "created": self.created,
            "updated": [(u.name, u.version, u.diff) for u in self.updated],
            "unchanged": self.unchanged,
            "drafts": [(d.name, d.why) for d in self.drafts],
        }
        text = json.dumps(shown, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8", "backslashreplace")).hexdigest()


def plan_import(
    store: ActionStore, drafts: DraftStore, items: list[dict[str, Any]] | dict[str, Any] | str | bytes
) -> ImportPlan:
    """What `import_actions` would create, update (with each field's change) and leave alone,
    and which drafts it would affect; raises with every problem, like the import itself."""
    return plan_actions(store, drafts, validate_file(items))


def plan_actions(store: ActionStore, drafts: DraftStore, actions: list[ActionDefinition]) -> ImportPlan:
    """`plan_import` of definitions already validated."""
    live = {stored.name.lower(): stored for stored in store.list()}
    plan = ImportPlan()
    for action in actions:
        old = live.get(action.name.lower())
        plan.seen[action.name.lower()] = old.version if old else None
        if old is None:
            plan.created.append(action.name)
            continue
        diff = definition_diff(old.definition.to_json_dict(), action.to_json_dict())
        if diff:
            plan.updated.append(PlannedUpdate(old.name, old.version, diff))
        else:
            plan.unchanged.append(old.name)
    updated = {u.name.lower(): u for u in plan.updated}
    created = {n.lower() for n in plan.created}
    for draft in drafts.list():
        if draft.live_name and draft.live_name.lower() in updated:
            plan.drafts.append(
                AffectedDraft(
                    draft.name,
                    f"its live version changes (version {updated[draft.live_name.lower()].version} becomes "
                    f"{updated[draft.live_name.lower()].version + 1}): publishing the draft will be refused "
                    "until it is redone on the new version",
                )
            )
        elif draft.live_name is None and draft.name.lower() in created:
            plan.drafts.append(
                AffectedDraft(
                    draft.name,
                    "a new action's draft with the same name: the import takes the name, and publishing "
                    "the draft will be refused",
                )
            )
    return plan


def validate_file(items: list[dict[str, Any]] | dict[str, Any] | str | bytes) -> list[ActionDefinition]:
    """Parse and validate a catalog without storing it; raises with every problem."""
    return validate_bundle(items)[0]


def validate_bundle(
    items: list[dict[str, Any]] | dict[str, Any] | str | bytes, *, known_auth: set[str] | None = None
) -> tuple[list[ActionDefinition], list[AuthSetting]]:
    """The actions and auth settings of a catalog, every problem of both in one error. With
    `known_auth` (the stored settings' names), an action naming a setting that is neither
    there nor in the file is a problem too."""
    doc = _document(items)
    bundle = _is_bundle(doc)
    raw_actions, raw_auth = parse_catalog(doc), parse_auth_items(doc)
    problems: list[Problem] = []
    settings: list[AuthSetting] = []
    for index, raw in enumerate(raw_auth):
        try:
            settings.append(validate_auth(raw))
        except ActionValidationError as exc:
            problems.extend(Problem(f"auth[{index}].{p.path}", p.message) for p in exc.problems)
    names = [raw.get("name") if isinstance(raw, dict) else None for raw in raw_auth]
    problems.extend(
        Problem(f"auth[{i}].name", f"duplicate auth setting {n!r}")
        for i, n in enumerate(names)
        if n in names[:i]
    )
    actions: list[ActionDefinition] = []
    try:
        actions = validate_catalog(raw_actions)
    except ActionValidationError as exc:
        prefix = "actions" if bundle else ""
        problems.extend(
            Problem(f"{prefix}{p.path}" if p.path.startswith("[") else p.path, p.message)
            for p in exc.problems
        )
    if known_auth is not None:
        available = known_auth | {n for n in names if isinstance(n, str)}
        for index, action in enumerate(actions):
            if action.auth and action.auth not in available:
                where = f"actions[{index}].auth" if bundle else f"[{index}].auth"
                problems.append(
                    Problem(where, f"no auth setting named {action.auth!r} is stored or in the file")
                )
    if problems:
        raise ActionValidationError(None, problems)
    return actions, settings


def import_actions(
    store: ActionStore,
    items: list[dict[str, Any]] | dict[str, Any] | str | bytes,
    *,
    actor: str | None = None,
) -> ImportReport:
    """Create or update every auth setting and action of the file, or nothing if any problem
    is found (settings first, so the actions that name them never run without them)."""
    actions, settings = validate_bundle(items, known_auth=auth_names(store))
    return store_bundle(store, actions, settings, actor=actor)


def auth_names(store: ActionStore) -> set[str]:
    """The names of the stored shared auth settings (what a catalog's actions may name)."""
    return {s.name for s in AuthStore(store.engine).list()}


def store_bundle(
    store: ActionStore,
    actions: list[ActionDefinition],
    settings: list[AuthSetting],
    *,
    actor: str | None = None,
    expected: dict[str, int | None] | None = None,
) -> ImportReport:
    """Store what `validate_bundle` returned: the auth settings first, then the actions in one
    transaction (`expected`: the live versions they must still be at, see `upsert_many`)."""
    if settings:
        AuthStore(store.engine).upsert_many(settings, actor=actor)
    checked = [Validated(a) for a in actions]
    return store.upsert_many(checked, actor=actor, change=Change.IMPORTED, expected=expected)
