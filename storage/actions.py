"""Action storage: versioned definitions, optimistic concurrency and an audit history.

Every edit names the version it was made on. The check is done by the database itself: a
conditional `UPDATE ... WHERE name = :name AND version = :expected` (or `DELETE`) whose row count
says whether another edit got there first, so a stale edit raises `ConflictError` instead of
overwriting, across processes, on SQLite and PostgreSQL alike. Each saved change appends an
audit row in the same transaction, with a field-level diff of the definition JSON.
"""

from __future__ import annotations

import builtins
import enum
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete as sa_delete
from sqlalchemy import func, or_
from sqlalchemy import update as sa_update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tools.action import ActionDefinition
from tools.errors import ActionValidationError, ConflictError, NotFoundError, Problem
from tools.validation import Validated, valid_action, validate_catalog

from .db import one_statement_engine, read_session, run_read, write_session
from .revision import read_revision
from .tables import ActionRow, AuditRow, as_utc, utcnow


class Change(str, enum.Enum):
    """What an audit entry records."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    IMPORTED = "imported"
    ENABLED = "enabled"
    DISABLED = "disabled"
    PUBLISHED = "published"
    ROLLED_BACK = "rolled_back"
    DRAFT_SAVED = "draft_saved"
    DRAFT_DISCARDED = "draft_discarded"
    SECRET_SET = "secret_set"
    SECRET_DELETED = "secret_deleted"
    AUTH_SAVED = "auth_saved"
    AUTH_DELETED = "auth_deleted"


@dataclass(frozen=True)
class StoredAction:
    definition: ActionDefinition
    version: int
    """Pass it back as `expected_version` when editing."""
    updated_at: datetime
    updated_by: str | None

    @property
    def name(self) -> str:
        return self.definition.name


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str | None
    """Who made the change, when known."""
    action_name: str | None
    """The action's name after the change (before it, for a deletion); None for secrets."""
    change: str
    """A `Change` value."""
    diff: dict[str, list[Any]]
    """Definition field -> [old, new]; everything from/to None on creation and deletion."""
    version: int | None
    secret_name: str | None = None
    auth_name: str | None = None
    """Set for changes to a shared auth setting (`storage.auth_settings`)."""


@dataclass(frozen=True)
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged)


def definition_diff(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, list]:
    """Top-level fields whose values differ, as `{field: [old, new]}`.

    Order counts: mappings such as `response_selection.fields` are shown to customers in the
    order they were entered, so moving a field up is a change (dict `==` would ignore it).
    """
    old, new = old or {}, new or {}
    keys = list(new) + [k for k in old if k not in new]
    return {k: [old.get(k), new.get(k)] for k in keys if not _same(old.get(k), new.get(k))}


def _same(a: Any, b: Any) -> bool:
    """Equal, key order of every mapping included."""
    return _dumps(a) == _dumps(b)


def _dumps(value: Any) -> str:
    # Never sort_keys: the order of a definition's mappings is part of the definition.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _definition(row: ActionRow) -> ActionDefinition:
    return ActionDefinition.model_validate(json.loads(row.definition))


def _stored(row: ActionRow) -> StoredAction:
    return StoredAction(_definition(row), row.version, as_utc(row.updated_at), row.updated_by)


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id or 0,
        at=as_utc(row.at),
        actor=row.actor,
        action_name=row.action_name,
        change=row.change,
        diff=json.loads(row.diff),
        version=row.version,
        secret_name=row.secret_name,
        auth_name=row.auth_name,
    )


def _next_version(s: Session, key: str, *, after: int = 0) -> int:
    """The first version an action taking the name `key` (lower case) may have: above `after`
    and above every version in the history of every action that ever had that name, so a
    (name, version) pair never comes back after a delete, a rename or an import. The audit
    history keeps those versions; nothing else needs storing."""
    named = func.lower(col(AuditRow.action_name)) == key
    ids = select(AuditRow.action_id).where(named, col(AuditRow.action_id).is_not(None))
    top = s.exec(
        select(func.max(AuditRow.version)).where(or_(named, col(AuditRow.action_id).in_(ids)))
    ).first()
    return max(top or 0, after) + 1


def _duplicate(name: str, existing: str | None = None) -> ActionValidationError:
    other = existing or name
    return ActionValidationError(
        name, [Problem("name", f"an action named {other!r} already exists; choose another name")]
    )


class ActionStore:
    """Action definitions in the database. Every method runs its own transaction."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._one_statement = one_statement_engine(engine)

    @property
    def engine(self) -> Engine:
        """The database the store writes to (other stores of the same catalog share it)."""
        return self._engine

    def __repr__(self) -> str:
        return f"ActionStore({self._engine.url.render_as_string(hide_password=True)!r})"

    # -- reads ------------------------------------------------------------------------------------
    def list(self, *, enabled_only: bool = False) -> list[StoredAction]:
        stmt = select(ActionRow).order_by(ActionRow.name_key)
        if enabled_only:
            stmt = stmt.where(ActionRow.enabled == True)  # noqa: E712  (SQL expression)
        with read_session(self._engine) as s:
            return [_stored(row) for row in s.exec(stmt)]

    def get(self, name: str) -> StoredAction:
        with read_session(self._engine) as s:
            row = s.exec(select(ActionRow).where(ActionRow.name == name)).first()
            if row is None:
                raise NotFoundError(f"no action named {name!r}")
            return _stored(row)

    def history(self, name: str | None = None, *, limit: int | None = None) -> builtins.list[AuditEntry]:
        """Audit entries, newest first; for one action, its entries under any earlier name too."""
        stmt = select(AuditRow).order_by(col(AuditRow.id).desc()).limit(limit)
        if name is not None:
            current_id = select(ActionRow.id).where(ActionRow.name == name).scalar_subquery()
            stmt = stmt.where(or_(col(AuditRow.action_name) == name, col(AuditRow.action_id) == current_id))
        with read_session(self._engine) as s:
            return [_entry(row) for row in s.exec(stmt)]

    def revision(self) -> int:
        """Changes whenever anything is saved (`storage.revision`); compare it between turns.
        Asked once per turn, so it is one plain statement on a pooled connection."""
        with self._one_statement.connect() as conn:
            return read_revision(conn)

    async def current_revision(self) -> int:
        """`revision`, read without holding up the event loop on a database across the network."""
        return await run_read(self._engine, self.revision)

    # -- writes -----------------------------------------------------------------------------------
    def create(
        self, definition: ActionDefinition | dict | Validated, *, actor: str | None = None
    ) -> StoredAction:
        action = valid_action(definition)
        try:
            with write_session(self._engine) as s:
                return self._insert(s, action, actor, Change.CREATED)
        except IntegrityError:
            raise _duplicate(action.name) from None

    def update(
        self,
        name: str,
        definition: ActionDefinition | dict | Validated,
        *,
        expected_version: int,
        actor: str | None = None,
    ) -> StoredAction:
        """Save an edit made on `expected_version`; renaming is allowed if the new name is free.

        Saving an identical definition changes nothing (no new version, no audit entry).
        """
        return self._replace(name, valid_action(definition), expected_version, actor, Change.UPDATED)

    def set_enabled(
        self, name: str, enabled: bool, *, expected_version: int, actor: str | None = None
    ) -> StoredAction:
        with write_session(self._engine) as s:
            row = self._current(s, name, expected_version)
            action = _definition(row).model_copy(update={"enabled": enabled})
            change = Change.ENABLED if enabled else Change.DISABLED
            return self._apply(s, row, action, actor, change)

    def delete(self, name: str, *, expected_version: int, actor: str | None = None) -> None:
        with write_session(self._engine) as s:
            row = self._current(s, name, expected_version)
            result = s.exec(
                sa_delete(ActionRow).where(
                    col(ActionRow.name) == row.name, col(ActionRow.version) == row.version
                )
            )
            if result.rowcount != 1:
                raise ConflictError(name, expected_version, self._version_of(s, row))
            s.add(
                AuditRow(
                    at=utcnow(),
                    actor=actor,
                    action_id=row.id,
                    action_name=row.name,
                    change=Change.DELETED.value,
                    version=row.version,
                    diff=_dumps(definition_diff(json.loads(row.definition), None)),
                )
            )

    def upsert_many(
        self,
        definitions: Iterable[ActionDefinition | dict] | Iterable[Validated],
        *,
        actor: str | None = None,
        change: Change = Change.IMPORTED,
        expected: dict[str, int | None] | None = None,
    ) -> ImportReport:
        """Create or update by name (case-insensitive), all in one transaction.

        Everything is validated first (`validate_catalog`: every problem in one error; a list of
        `Validated` was checked already); if any definition is invalid, or the database refuses
        any write, nothing is saved. `expected` maps a lower-cased name to the live version the
        caller saw (None: no such action): an action that is not at that version any more is a
        `ConflictError`, checked in the same transaction, and nothing is saved.
        """
        items = list(definitions)
        if all(isinstance(item, Validated) for item in items):
            actions = [item.action for item in items if isinstance(item, Validated)]
        else:
            actions = validate_catalog([i.action if isinstance(i, Validated) else i for i in items])
        report = ImportReport()
        try:
            with write_session(self._engine) as s:
                existing = {row.name_key: row for row in s.exec(select(ActionRow))}
                for key, seen in (expected or {}).items():
                    row = existing.get(key)
                    if (row.version if row else None) != seen:
                        name = row.name if row else key
                        raise ConflictError(name, seen or 0, row.version if row else None)
                for action in actions:
                    row = existing.get(action.name.lower())
                    if row is None:
                        self._insert(s, action, actor, change)
                        report.created.append(action.name)
                    elif self._apply(s, row, action, actor, change).version != row.version:
                        report.updated.append(action.name)
                    else:
                        report.unchanged.append(action.name)
        except IntegrityError as exc:
            raise ActionValidationError(
                None, [Problem("name", f"another process saved a clashing name: {exc.orig}")]
            ) from None
        return report

    def version_definition(self, name: str, version: int) -> ActionDefinition:
        """The definition as `version` of the action went live (history follows renames)."""
        with read_session(self._engine) as s:
            ids = select(AuditRow.action_id).where(AuditRow.action_name == name)
            row = s.exec(
                select(AuditRow)
                .where(
                    col(AuditRow.action_id).in_(ids),
                    AuditRow.version == version,
                    col(AuditRow.snapshot).is_not(None),
                )
                .order_by(col(AuditRow.id).desc())
            ).first()
        if row is None or row.snapshot is None:
            raise NotFoundError(f"action {name!r} has no version {version}")
        return ActionDefinition.model_validate_json(row.snapshot)

    def rollback(
        self, name: str, to_version: int, *, expected_version: int, actor: str | None = None
    ) -> StoredAction:
        """Make an earlier version live again, as a new version (history is never rewritten)."""
        return self._replace(
            name, self.version_definition(name, to_version), expected_version, actor, Change.ROLLED_BACK
        )

    # -- internals --------------------------------------------------------------------------------
    def _replace(
        self,
        name: str,
        action: ActionDefinition,
        expected_version: int,
        actor: str | None,
        change: Change,
    ) -> StoredAction:
        """Put `action` in place of `name` as it was at `expected_version`, in one transaction."""
        try:
            with write_session(self._engine) as s:
                row = self._current(s, name, expected_version)
                return self._apply(s, row, action, actor, change)
        except IntegrityError:
            raise _duplicate(action.name) from None

    def _insert(
        self, s: Session, action: ActionDefinition, actor: str | None, change: Change
    ) -> StoredAction:
        key = action.name.lower()
        existing = s.exec(select(ActionRow.name).where(ActionRow.name_key == key)).first()
        if existing is not None:
            raise _duplicate(action.name, existing)
        now, version = utcnow(), _next_version(s, key)
        data = action.to_json_dict()
        row = ActionRow(
            name=action.name,
            name_key=key,
            version=version,
            definition=_dumps(data),
            enabled=action.enabled,
            auth_name=action.auth,
            created_at=now,
            updated_at=now,
            updated_by=actor,
        )
        s.add(row)
        s.flush()
        s.add(
            AuditRow(
                at=now,
                actor=actor,
                action_id=row.id,
                action_name=action.name,
                change=change.value,
                diff=_dumps(definition_diff(None, data)),
                version=version,
                snapshot=_dumps(data),
            )
        )
        return StoredAction(action, version, now, actor)

    def _current(self, s: Session, name: str, expected_version: int) -> ActionRow:
        row = s.exec(select(ActionRow).where(ActionRow.name == name)).first()
        if row is None:
            deleted = s.exec(
                select(AuditRow.id).where(
                    AuditRow.action_name == name, AuditRow.change == Change.DELETED.value
                )
            ).first()
            if deleted is not None:
                raise ConflictError(name, expected_version, None)
            raise NotFoundError(f"no action named {name!r}")
        if row.version != expected_version:
            raise ConflictError(name, expected_version, row.version)
        return row

    def _apply(
        self,
        s: Session,
        row: ActionRow,
        action: ActionDefinition,
        actor: str | None,
        change: Change,
    ) -> StoredAction:
        data = action.to_json_dict()
        # the stored side as the model reads it: a row written before key order was kept has
        # its objects' keys sorted, which is no change of the definition
        diff = definition_diff(_definition(row).to_json_dict(), data)
        if not diff:
            return _stored(row)
        key = action.name.lower()
        version = row.version + 1
        if key != row.name_key:
            taken = s.exec(select(ActionRow.name).where(ActionRow.name_key == key)).first()
            if taken is not None:
                raise _duplicate(action.name, taken)
            version = _next_version(s, key, after=row.version)
        now = utcnow()
        result = s.exec(
            sa_update(ActionRow)
            .where(col(ActionRow.name) == row.name, col(ActionRow.version) == row.version)
            .values(
                name=action.name,
                name_key=key,
                version=version,
                definition=_dumps(data),
                enabled=action.enabled,
                auth_name=action.auth,
                updated_at=now,
                updated_by=actor,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise ConflictError(row.name, row.version, self._version_of(s, row))
        s.add(
            AuditRow(
                at=now,
                actor=actor,
                action_id=row.id,
                action_name=action.name,
                change=change.value,
                diff=_dumps(diff),
                version=version,
                snapshot=_dumps(data),
            )
        )
        return StoredAction(action, version, now, actor)

    @staticmethod
    def _version_of(s: Session, row: ActionRow) -> int | None:
        return s.exec(select(ActionRow.version).where(ActionRow.id == row.id)).first()
