"""Table classes. The action definition itself is stored as JSON text, never re-declared here:
its fields live in `tools.action.ActionDefinition` only.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _timestamp() -> Column:
    return Column(DateTime(timezone=True), nullable=False)


class ActionRow(SQLModel, table=True):
    """One action definition, with its optimistic-concurrency version."""

    __tablename__ = "api_action"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused: history follows them

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    """Tool name, as written in the definition."""
    name_key: str = Field(max_length=64, unique=True)
    """Lower-cased name: 'Orders' and 'orders' cannot both exist (the catalog rule)."""
    version: int = 1
    """Bumped by every saved change; an edit must name the version it was made on."""
    definition: str = Field(sa_column=Column(Text, nullable=False))
    """`ActionDefinition` as JSON text."""
    enabled: bool = True
    """Mirrors `definition.enabled`, so enabled actions can be listed without parsing JSON."""
    auth_name: str | None = Field(default=None, max_length=64, index=True)
    """Mirrors `definition.auth` (the shared auth setting it uses), so a setting's users are
    found without parsing JSON."""
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_by: str | None = Field(default=None, max_length=200)


class AuditRow(SQLModel, table=True):
    """One saved change to an action or a secret. Append-only."""

    __tablename__ = "api_action_audit"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    actor: str | None = Field(default=None, max_length=200)
    action_id: int | None = Field(default=None, index=True)
    """`ActionRow.id` at the time (kept after deletion), so history follows renames."""
    action_name: str | None = Field(default=None, max_length=64, index=True)
    secret_name: str | None = Field(default=None, max_length=64)
    """Set for secret changes; the value is never recorded."""
    auth_name: str | None = Field(default=None, max_length=64)
    """Set for changes to a shared auth setting (`storage.auth_settings`)."""
    change: str = Field(max_length=20)
    diff: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    """JSON object: field -> [old, new] of the definition."""
    version: int | None = None
    """The action's version after the change (before it, for a deletion)."""
    snapshot: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """The whole definition (JSON) as this version went live, so any version can be restored."""


class SecretRow(SQLModel, table=True):
    """One secret, Fernet-encrypted; the plaintext is never stored."""

    __tablename__ = "api_secret"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    ciphertext: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_by: str | None = Field(default=None, max_length=200)


class AuthSettingRow(SQLModel, table=True):
    """One shared auth setting (`tools.auth.AuthSetting` as JSON text: secret *names* only),
    with its optimistic-concurrency version; its changes are audited in `AuditRow`."""

    __tablename__ = "api_auth_setting"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    version: int = 1
    definition: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_by: str | None = Field(default=None, max_length=200)


class DraftRow(SQLModel, table=True):
    """The draft of an action: edited and tested here, live only once published."""

    __tablename__ = "api_action_draft"

    id: int | None = Field(default=None, primary_key=True)
    live_name: str | None = Field(default=None, max_length=64, unique=True)
    """The live action this draft edits; None for an action that is not live yet."""
    name_key: str = Field(max_length=64, unique=True)
    """Lower-cased name of the draft's own definition."""
    base_version: int | None = None
    """The live version the draft started from: publishing refuses if live moved on since."""
    definition: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    updated_by: str | None = Field(default=None, max_length=200)


class ActionVectorRow(SQLModel, table=True):
    """An action's embedding vector for one embedding model (`storage.action_vectors`): kept
    with the hash of the text it was computed from, so only a changed action is embedded again."""

    __tablename__ = "action_vectors"

    model: str = Field(primary_key=True, max_length=128)
    """The embedding model's name: a vector is never compared with another model's."""
    name: str = Field(primary_key=True, max_length=64)
    """The action's name."""
    text_hash: str = Field(max_length=64)
    """blake2b of the text embedded (name, title, trigger, example messages)."""
    vector: str = Field(sa_column=Column(Text, nullable=False))
    """The unit vector as a JSON list of floats."""
