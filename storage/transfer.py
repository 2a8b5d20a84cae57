"""Import and export of the action catalog as JSON: a list of action definitions.

Export writes definitions only. Secret values are never in it (definitions only hold
`{{secret.NAME}}` references, which are kept), and neither are version numbers: a version is a
concurrency token of one database, meaningless in another, and a definition has no such field,
so an exported file validates and imports as it is.

Import validates the whole file first (`validate_catalog`: every problem, with its field path);
if anything is wrong nothing is stored. Then it creates or updates by name (case-insensitive) in
one transaction. Actions missing from the file are left alone.
"""

from __future__ import annotations

import json
from typing import Any

from tools.action import ActionDefinition
from tools.errors import ActionValidationError, JsonTextError, Problem
from tools.json_text import parse_json
from tools.validation import validate_catalog

from .actions import ActionStore, Change, ImportReport

FILE_PATH = "(file)"
"""The path of a problem with the file as a whole."""


def export_actions(store: ActionStore) -> list[dict[str, Any]]:
    return [stored.definition.to_json_dict() for stored in store.list()]


def export_json(store: ActionStore) -> str:
    return json.dumps(export_actions(store), indent=2, ensure_ascii=False) + "\n"


def parse_catalog(items: list[dict[str, Any]] | str | bytes) -> list[Any]:
    """The raw items of a catalog file; a file that is not a JSON list is one problem.

    The one parser of catalog text, for every entry point (command line, app upload, import):
    bytes are UTF-8 (a byte order mark is skipped), and anything `tools.json_text.parse_json`
    refuses (not JSON, nested too deeply, a number too long or not finite) is a `(file)` problem.
    """
    if isinstance(items, (str, bytes)):
        try:
            items = parse_json(items)
        except JsonTextError as exc:
            raise ActionValidationError(None, [Problem(FILE_PATH, str(exc))]) from None
    if not isinstance(items, list):
        raise ActionValidationError(
            None, [Problem(FILE_PATH, f"must be a JSON list of action definitions, not {_json_kind(items)}")]
        )
    return items


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


def validate_file(items: list[dict[str, Any]] | str | bytes) -> list[ActionDefinition]:
    """Parse and validate a catalog without storing it; raises with every problem."""
    return validate_catalog(parse_catalog(items))


def import_actions(
    store: ActionStore, items: list[dict[str, Any]] | str | bytes, *, actor: str | None = None
) -> ImportReport:
    """Create or update every action of the file, or nothing if any problem is found."""
    actions = validate_file(items)
    return store.upsert_many(actions, actor=actor, change=Change.IMPORTED)
