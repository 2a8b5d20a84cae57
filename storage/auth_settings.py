"""Shared auth settings in the database: table `api_auth_setting`, audited beside the actions.

A setting is stored as `tools.auth.AuthSetting` JSON (it names secrets, it never holds a value),
with a version that every saved change bumps (an edit names the version it was made on, as for
actions). Each change adds an `AuditRow` (`auth_saved` / `auth_deleted`, the field diff and the
setting as saved), so the history page and `ActionStore.revision` see it. The store is also the
executor's `AuthSource`: a call reads the setting as it is now.
"""

from __future__ import annotations

import asyncio
import builtins
import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete as sa_delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tools.auth import AuthSetting, parse_auth, validate_auth
from tools.errors import ActionsError, ConflictError, NotFoundError

from .actions import Change, definition_diff
from .db import read_session, write_session
from .tables import ActionRow, AuditRow, AuthSettingRow, utcnow

__all__ = ["AuthInUseError", "AuthStore", "StoredAuth"]


class AuthInUseError(ActionsError):
    """A setting that actions still name cannot be deleted."""


@dataclass(frozen=True)
class StoredAuth:
    setting: AuthSetting
    version: int

    @property
    def name(self) -> str:
        return self.setting.name


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class AuthStore:
    """Create, update, delete and list auth settings; `get_auth` for the executor."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def __repr__(self) -> str:
        return "AuthStore()"

    def list(self) -> list[StoredAuth]:
        with read_session(self._engine) as s:
            rows = s.exec(select(AuthSettingRow).order_by(AuthSettingRow.name)).all()
        return [StoredAuth(parse_auth(r.definition), r.version) for r in rows]

    def get(self, name: str) -> StoredAuth:
        with read_session(self._engine) as s:
            row = s.exec(select(AuthSettingRow).where(AuthSettingRow.name == name)).first()
        if row is None:
            raise NotFoundError(f"no auth setting named {name!r}")
        return StoredAuth(parse_auth(row.definition), row.version)

    async def get_auth(self, name: str) -> AuthSetting | None:
        """The setting now, or None (`tools.auth.AuthSource`)."""
        try:
            return (await asyncio.to_thread(self.get, name)).setting
        except NotFoundError:
            return None

    def save(
        self, setting: AuthSetting | dict, *, expected_version: int | None = None, actor: str | None = None
    ) -> StoredAuth:
        """Create (`expected_version=None`) or update the setting of that name; an identical
        setting changes nothing. Raises `AuthValidationError` or `ConflictError`."""
        checked = validate_auth(setting)
        with write_session(self._engine) as s:
            return self._save(s, checked, expected_version, actor, strict=True)

    def upsert_many(self, settings: Iterable[AuthSetting], *, actor: str | None = None) -> builtins.list[str]:
        """Create or update each by name in one transaction; the names that changed."""
        changed = []
        with write_session(self._engine) as s:
            for setting in settings:
                before = s.exec(
                    select(AuthSettingRow.version).where(AuthSettingRow.name == setting.name)
                ).first()
                stored = self._save(s, validate_auth(setting), None, actor, strict=False)
                if stored.version != before:
                    changed.append(setting.name)
        return changed

    def delete(self, name: str, *, expected_version: int, actor: str | None = None) -> None:
        """Delete a setting no action uses (an action naming it would fail every call)."""
        users = self.users(name)
        if users:
            raise AuthInUseError(
                f"auth setting {name!r} is used by {', '.join(users)}: change those actions first"
            )
        with write_session(self._engine) as s:
            row = s.exec(select(AuthSettingRow).where(AuthSettingRow.name == name)).first()
            if row is None:
                raise NotFoundError(f"no auth setting named {name!r}")
            if row.version != expected_version:
                raise ConflictError(name, expected_version, row.version)
            s.exec(sa_delete(AuthSettingRow).where(col(AuthSettingRow.id) == row.id))
            s.add(_audit(Change.AUTH_DELETED, json.loads(row.definition), None, row.version, actor))

    def users(self, name: str) -> builtins.list[str]:
        """Names of the stored actions that use the setting."""
        with read_session(self._engine) as s:
            return sorted(s.exec(select(ActionRow.name).where(ActionRow.auth_name == name)).all())

    # -- internals --------------------------------------------------------------------------------
    def _save(
        self, s: Session, setting: AuthSetting, expected: int | None, actor: str | None, *, strict: bool
    ) -> StoredAuth:
        row = s.exec(select(AuthSettingRow).where(AuthSettingRow.name == setting.name)).first()
        data = setting.to_json_dict()
        now = utcnow()
        if row is None:
            if strict and expected is not None:
                raise NotFoundError(f"no auth setting named {setting.name!r}")
            s.add(
                AuthSettingRow(
                    name=setting.name,
                    definition=_dumps(data),
                    created_at=now,
                    updated_at=now,
                    updated_by=actor,
                )
            )
            s.add(_audit(Change.AUTH_SAVED, None, data, 1, actor))
            return StoredAuth(setting, 1)
        if strict and row.version != expected:
            raise ConflictError(setting.name, expected or 0, row.version)
        old = json.loads(row.definition)
        diff = definition_diff(old, data)
        if not diff:
            return StoredAuth(setting, row.version)
        row.version += 1
        row.definition, row.updated_at, row.updated_by = _dumps(data), now, actor
        s.add(row)
        s.add(_audit(Change.AUTH_SAVED, old, data, row.version, actor))
        return StoredAuth(setting, row.version)


def _audit(change: Change, old: dict | None, new: dict | None, version: int, actor: str | None) -> AuditRow:
    return AuditRow(
        at=utcnow(),
        actor=actor,
        change=change.value,
        diff=_dumps(definition_diff(old, new)),
        version=version,
        snapshot=_dumps(new or old),
        auth_name=(new or old or {}).get("name"),
    )
