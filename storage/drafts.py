"""Draft and live versions of actions.

The product team edits a *draft*; the Test panel and the preview chat use drafts; `publish`
promotes a draft to live (the version customers get), refusing if live changed since the draft
was started; `ActionStore.rollback` makes any earlier live version live again. Drafts are
validated like live definitions: an invalid draft is never saved either.
"""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete as sa_delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from tools.action import ActionDefinition
from tools.errors import ActionValidationError, ConflictError, NotFoundError, Problem
from tools.validation import validate_action

from .actions import ActionStore, Change, StoredAction, definition_diff
from .db import read_session, write_session
from .tables import AuditRow, DraftRow, as_utc, utcnow


@dataclass(frozen=True)
class Draft:
    definition: ActionDefinition
    live_name: str | None
    """The live action it edits, or None for a new action."""
    base_version: int | None
    updated_at: datetime
    updated_by: str | None

    @property
    def name(self) -> str:
        return self.definition.name


def _draft(row: DraftRow) -> Draft:
    return Draft(
        ActionDefinition.model_validate_json(row.definition),
        row.live_name,
        row.base_version,
        as_utc(row.updated_at),
        row.updated_by,
    )


class DraftStore:
    def __init__(self, actions: ActionStore):
        self.actions = actions
        self._engine = actions._engine

    def list(self) -> list[Draft]:
        with read_session(self._engine) as s:
            return [_draft(r) for r in s.exec(select(DraftRow).order_by(DraftRow.name_key))]

    def get(self, name: str) -> Draft | None:
        """The draft of live action `name`, or the new-action draft called `name`."""
        with read_session(self._engine) as s:
            row = (
                s.exec(select(DraftRow).where(DraftRow.live_name == name)).first()
                or s.exec(
                    select(DraftRow).where(
                        col(DraftRow.live_name).is_(None), DraftRow.name_key == name.lower()
                    )
                ).first()
            )
            return _draft(row) if row else None

    def save(
        self,
        definition: ActionDefinition | dict,
        *,
        live_name: str | None = None,
        actor: str | None = None,
    ) -> Draft:
        """Save (or replace) the draft of `live_name` (None: a new action). Validated first."""
        action = validate_action(definition)
        base = self.actions.get(live_name).version if live_name else None
        data = json.dumps(action.to_json_dict())  # never sort_keys: key order is content
        try:
            with write_session(self._engine) as s:
                row = s.exec(
                    select(DraftRow).where(
                        DraftRow.live_name == live_name
                        if live_name
                        else (col(DraftRow.live_name).is_(None)) & (DraftRow.name_key == action.name.lower())
                    )
                ).first()
                old = _draft(row).definition.to_json_dict() if row else None
                if row is None:
                    row = DraftRow(live_name=live_name, base_version=base, name_key="", definition="")
                row.name_key, row.definition = action.name.lower(), data
                row.updated_at, row.updated_by = utcnow(), actor
                s.add(row)
                s.add(
                    AuditRow(
                        at=row.updated_at,
                        actor=actor,
                        action_name=live_name or action.name,
                        change=Change.DRAFT_SAVED.value,
                        version=base,
                        diff=json.dumps(definition_diff(old, action.to_json_dict()), default=str),
                    )
                )
        except IntegrityError:
            raise ActionValidationError(
                action.name, [Problem("name", f"another draft is already named {action.name!r}")]
            ) from None
        saved = self.get(live_name or action.name)
        if saved is None:  # discarded by another process between the commit and this read
            raise NotFoundError(f"the draft of {live_name or action.name!r} was discarded meanwhile")
        return saved

    def discard(self, name: str, *, actor: str | None = None) -> None:
        draft = self.get(name)
        if draft is None:
            raise NotFoundError(f"no draft of {name!r}")
        with write_session(self._engine) as s:
            s.exec(sa_delete(DraftRow).where(col(DraftRow.name_key) == draft.name.lower()))
            s.add(
                AuditRow(
                    at=utcnow(),
                    actor=actor,
                    action_name=draft.live_name or draft.name,
                    change=Change.DRAFT_DISCARDED.value,
                )
            )

    def publish(self, name: str, *, actor: str | None = None) -> StoredAction:
        """Make the draft live. Refused with ConflictError if live changed since the draft began."""
        draft = self.get(name)
        if draft is None:
            raise NotFoundError(f"no draft of {name!r} to publish")
        if draft.live_name is None:
            stored = self.actions.create(draft.definition, actor=actor)
        else:
            stored = self.actions.update(
                draft.live_name,
                draft.definition,
                expected_version=draft.base_version or 0,
                actor=actor,
            )
        with write_session(self._engine) as s:
            s.exec(sa_delete(DraftRow).where(col(DraftRow.name_key) == draft.name.lower()))
            s.add(
                AuditRow(
                    at=utcnow(),
                    actor=actor,
                    action_name=stored.name,
                    change=Change.PUBLISHED.value,
                    version=stored.version,
                )
            )
        return stored

    def overlay(self) -> builtins.list[ActionDefinition]:
        """The catalog as the preview sees it: live actions with their drafts applied."""
        drafts = self.list()
        by_live = {d.live_name: d.definition for d in drafts if d.live_name}
        out = [by_live.get(s.name, s.definition) for s in self.actions.list()]
        return out + [d.definition for d in drafts if d.live_name is None]

    def after_publishing(self, name: str) -> builtins.list[ActionDefinition]:
        """The live catalog as it would be once the draft `name` is published (only that one
        draft applied): what the publish guard runs the test conversations on."""
        draft = self.get(name)
        if draft is None:
            raise NotFoundError(f"no draft of {name!r} to publish")
        live = [s.definition for s in self.actions.list()]
        if draft.live_name is None:
            return [*live, draft.definition]
        return [draft.definition if d.name == draft.live_name else d for d in live]


__all__ = ["ConflictError", "Draft", "DraftStore"]
