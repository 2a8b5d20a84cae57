"""Draft and live versions of actions.

The product team edits a *draft*; the Test panel and the preview chat use drafts; `publish`
promotes a draft to live (the version customers get), refusing if live changed since the draft
was started; `ActionStore.rollback` makes any earlier live version live again. Drafts are
validated like live definitions: an invalid draft is never saved either.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete as sa_delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tools.action import ActionDefinition
from tools.errors import ActionValidationError, ConflictError, DraftChangedError, NotFoundError, Problem
from tools.validation import Validated, valid_action

from .actions import ActionStore, Change, StoredAction, _duplicate, definition_diff
from .db import read_session, write_session
from .tables import ActionRow, AuditRow, DraftRow, as_utc, utcnow


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


def _new_draft(s: Session, name: str) -> DraftRow | None:
    """The draft of a new action (not live yet) called `name`, any case."""
    return s.exec(
        select(DraftRow).where(col(DraftRow.live_name).is_(None), DraftRow.name_key == name.lower())
    ).first()


def _row(s: Session, name: str) -> DraftRow | None:
    """The draft of live action `name`, or the new-action draft called `name`."""
    return s.exec(select(DraftRow).where(DraftRow.live_name == name)).first() or _new_draft(s, name)


def _live_version(s: Session, name: str, expected: int | None) -> int:
    """The version of live action `name`, which must be `expected` when that is given."""
    version = s.exec(select(ActionRow.version).where(ActionRow.name == name)).first()
    if version is None:
        if expected is not None:
            raise ConflictError(name, expected, None)
        raise NotFoundError(f"no action named {name!r}")
    if expected is not None and version != expected:
        raise ConflictError(name, expected, version)
    return version


def _same_draft(row: DraftRow | None, saved_at: datetime | None, name: str) -> None:
    """The draft is still the one saved at `saved_at` (nothing to check without it)."""
    if saved_at is None:
        return
    if row is None:
        raise DraftChangedError(name, gone=True)
    if as_utc(row.updated_at) != as_utc(saved_at):
        raise DraftChangedError(name, row.updated_by)


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
            row = _row(s, name)
            return _draft(row) if row else None

    def save(
        self,
        definition: ActionDefinition | dict | Validated,
        *,
        live_name: str | None = None,
        expected_version: int | None = None,
        replaces: str | None = None,
        draft_saved_at: datetime | None = None,
        actor: str | None = None,
    ) -> Draft:
        """Save (or replace) the draft of `live_name` (None: a new action). Validated first.

        `expected_version` is the live version the edit was made on: the live action at another
        version (or deleted) is a `ConflictError`, checked in the transaction that writes, and
        the draft then starts from that version. `replaces` is the name a new action's draft had
        before this edit renamed it: the same draft is saved under its new name.
        `draft_saved_at` is when the draft the edit was made on was saved (`Draft.updated_at`):
        a draft saved since, or gone, is a `DraftChangedError`, in the same transaction.
        """
        action = valid_action(definition)
        data = json.dumps(action.to_json_dict())  # never sort_keys: key order is content
        try:
            with write_session(self._engine) as s:
                base = None
                if live_name:
                    base = _live_version(s, live_name, expected_version)
                    row = s.exec(select(DraftRow).where(DraftRow.live_name == live_name)).first()
                else:
                    row = (_new_draft(s, replaces) if replaces else None) or _new_draft(s, action.name)
                _same_draft(row, draft_saved_at, replaces or live_name or action.name)
                old = _draft(row).definition.to_json_dict() if row else None
                if row is None:
                    row = DraftRow(live_name=live_name, base_version=base, name_key="", definition="")
                elif expected_version is not None:
                    row.base_version = base  # the edit was made on this live version
                row.name_key, row.definition = action.name.lower(), data
                row.updated_at, row.updated_by = utcnow(), actor
                s.add(row)
                s.add(
                    AuditRow(
                        at=row.updated_at,
                        actor=actor,
                        action_name=live_name or action.name,
                        change=Change.DRAFT_SAVED.value,
                        version=row.base_version,
                        diff=json.dumps(definition_diff(old, action.to_json_dict()), default=str),
                    )
                )
                return Draft(action, live_name, row.base_version, as_utc(row.updated_at), actor)
        except IntegrityError:
            raise ActionValidationError(
                action.name, [Problem("name", f"another draft is already named {action.name!r}")]
            ) from None

    def save_new(
        self, definitions: Sequence[ActionDefinition | dict | Validated], *, actor: str | None = None
    ) -> builtins.list[Draft]:
        """Save new actions' drafts (an importer's), all in one transaction: a name another
        draft has refuses every one of them."""
        actions = [valid_action(d) for d in definitions]
        now, drafts = utcnow(), []
        try:
            with write_session(self._engine) as s:
                for action in actions:
                    data = action.to_json_dict()
                    s.add(
                        DraftRow(
                            live_name=None,
                            name_key=action.name.lower(),
                            definition=json.dumps(data),
                            updated_at=now,
                            updated_by=actor,
                        )
                    )
                    s.add(
                        AuditRow(
                            at=now,
                            actor=actor,
                            action_name=action.name,
                            change=Change.DRAFT_SAVED.value,
                            diff=json.dumps(definition_diff(None, data), default=str),
                        )
                    )
                    drafts.append(Draft(action, None, None, now, actor))
                s.flush()
        except IntegrityError:
            names = ", ".join(repr(a.name) for a in actions)
            raise ActionValidationError(
                None, [Problem("name", f"another draft already has one of the names {names}")]
            ) from None
        return drafts

    def discard(self, name: str, *, actor: str | None = None) -> None:
        with write_session(self._engine) as s:
            row = _row(s, name)
            if row is None:
                raise NotFoundError(f"no draft of {name!r}")
            s.exec(sa_delete(DraftRow).where(col(DraftRow.id) == row.id))
            s.add(
                AuditRow(
                    at=utcnow(),
                    actor=actor,
                    action_name=row.live_name or _draft(row).name,
                    change=Change.DRAFT_DISCARDED.value,
                )
            )

    def publish(
        self,
        name: str,
        *,
        definition: ActionDefinition | dict | Validated | None = None,
        expected_version: int | None = None,
        draft_saved_at: datetime | None = None,
        actor: str | None = None,
    ) -> StoredAction:
        """Make the draft live, in ONE transaction: the new live version, the draft's removal and
        the audit entries are written together, or nothing is.

        `definition` goes live instead of the draft as stored (the form the draft is being
        edited in; a new action's draft may have been renamed in it). Refused with
        `ConflictError` if live changed since the draft was started, or is not at
        `expected_version` (the live version the person saw); the draft is then kept. With
        `draft_saved_at`, a draft saved again since is a `DraftChangedError` (see `save`).
        """
        given = valid_action(definition) if definition is not None else None
        action_name = given.name if given else name
        try:
            with write_session(self._engine) as s:
                row = _row(s, name) or (_new_draft(s, given.name) if given else None)
                if row is None and draft_saved_at is not None:
                    raise DraftChangedError(name, gone=True)
                if row is None:
                    raise NotFoundError(f"no draft of {name!r} to publish")
                _same_draft(row, draft_saved_at, name)
                action = given or _draft(row).definition
                action_name = action.name
                if row.live_name is None:
                    stored = self.actions._insert(s, action, actor, Change.CREATED)
                else:
                    live = self.actions._current(s, row.live_name, row.base_version or 0)
                    if expected_version is not None and expected_version != live.version:
                        raise ConflictError(row.live_name, expected_version, live.version)
                    stored = self.actions._apply(s, live, action, actor, Change.UPDATED)
                removed = s.exec(sa_delete(DraftRow).where(col(DraftRow.id) == row.id))
                if removed.rowcount != 1:  # discarded meanwhile: nothing is published
                    raise NotFoundError(f"the draft of {name!r} was discarded meanwhile")
                s.add(
                    AuditRow(
                        at=utcnow(),
                        actor=actor,
                        action_name=stored.name,
                        change=Change.PUBLISHED.value,
                        version=stored.version,
                    )
                )
        except IntegrityError:
            raise _duplicate(action_name) from None
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
