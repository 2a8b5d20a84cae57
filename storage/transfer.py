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

from tools.action import ActionDefinition, validate_catalog
from tools.errors import ActionValidationError, Problem

from .actions import ActionStore, Change, ImportReport


def export_actions(store: ActionStore) -> list[dict[str, Any]]:
    return [stored.definition.to_json_dict() for stored in store.list()]


def export_json(store: ActionStore) -> str:
    return json.dumps(export_actions(store), indent=2, ensure_ascii=False) + "\n"


def parse_catalog(items: list[dict[str, Any]] | str) -> list[Any]:
    """The raw items of a catalog file; a file that is not a JSON list is one problem."""
    if isinstance(items, str):
        try:
            items = json.loads(items)
        except json.JSONDecodeError as exc:
            raise ActionValidationError(
                None, [Problem("(file)", f"is not valid JSON: {exc.msg} at line {exc.lineno} "
                               f"column {exc.colno}")]
            ) from None  # fmt: skip
        except RecursionError:  # the JSON parser recurses once per nested [ or {
            raise ActionValidationError(
                None, [Problem("(file)", "is not a catalog: its JSON is nested too deeply")]
            ) from None
    if not isinstance(items, list):
        raise ActionValidationError(
            None, [Problem("(file)", "must be a JSON list of action definitions")]
        )
    return items


def validate_file(items: list[dict[str, Any]] | str) -> list[ActionDefinition]:
    """Parse and validate a catalog without storing it; raises with every problem."""
    return validate_catalog(parse_catalog(items))


def import_actions(
    store: ActionStore, items: list[dict[str, Any]] | str, *, actor: str | None = None
) -> ImportReport:
    """Create or update every action of the file, or nothing if any problem is found."""
    actions = validate_file(items)
    return store.upsert_many(actions, actor=actor, change=Change.IMPORTED)
