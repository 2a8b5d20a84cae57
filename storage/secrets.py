"""Secrets: write-only values that header templates reference as `{{secret.NAME}}`.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) in their own table. Every interface
can set, delete, list names and ask whether a name exists; only the executor reads a value,
through the async `get_secret` (its `SecretSource` protocol). A value is never returned by a
listing, never exported, never part of a repr or a log line, never recorded in the audit.

The key is given (ACTIONS_SECRET_KEY, read by the entry points) or lives in a key file (by default
`<data_dir>/secret.key`), generated on first use with 0600 permissions; an existing key file that
group or others can access is refused.
Each ciphertext also binds its secret's name, so a value copied onto another row fails to
decrypt instead of being sent under the wrong name.

A lost key is never papered over: while secrets are stored, a missing key file stops start-up
(a new key could not read them, and every later save would mix two keys). A key that opens none
or only some of the stored secrets (ACTIONS_SECRET_KEY changed) is logged at start-up; the
conversation goes on, and only a call that needs an unreadable secret is refused (the executor
reports it as a config_error naming the secret). Secrets can be listed and deleted without the
key (`secret_names`, `delete_secret`), so a lost key can be recovered from by setting them again.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import re
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete as sa_delete
from sqlalchemy import update as sa_update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from tools.errors import ActionsError, NotFoundError

from .actions import Change
from .db import one_statement_engine, read_session, write_session
from .revision import TURN_REVISION, read_revision
from .tables import AuditRow, SecretRow, utcnow

log = logging.getLogger(__name__)
SECRET_NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
KEY_FILE_NAME = "secret.key"
_GENERATE_HINT = (
    "generate one with: python -c 'from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())'"
)


class SecretKeyError(ActionsError):
    """The encryption key is malformed, unsafely stored, or not the one the secrets used."""


class SecretValueError(ActionsError, ValueError):
    """A secret name or value was refused."""


def check_secret_name(name: str) -> str:
    if not isinstance(name, str) or not SECRET_NAME_RE.match(name) or len(name) > 64:
        raise SecretValueError(
            f"invalid secret name {name!r}: use upper-case letters, digits and '_', starting "
            "with a letter (at most 64), e.g. 'ORDERS_TOKEN'"
        )
    return name


def _fernet(key: bytes | str, source: str) -> Fernet:
    try:
        return Fernet(key.strip() if isinstance(key, (bytes, str)) else key)
    except (ValueError, TypeError):
        raise SecretKeyError(
            f"{source} is not a valid Fernet key (32 url-safe base64-encoded bytes); {_GENERATE_HINT}"
        ) from None


def load_or_create_key(engine: Engine, *, key: str | None, key_file: Path) -> bytes:
    """The given `key` (ACTIONS_SECRET_KEY) when there is one, else the key in `key_file`.

    A missing key file is created (0600) only while no secret is stored in `engine`'s database:
    otherwise the key that encrypted them is lost, and a new one would hide that until the first
    call that needs a secret (`SecretKeyError`, naming the path and the way out).
    """
    if key:
        given = key.strip().encode()
        _fernet(given, "ACTIONS_SECRET_KEY")
        return given
    path = Path(key_file)
    if not path.exists():
        if stored := secret_names(engine):
            raise _missing_key_file(path, stored)
        _create_key_file(path)
    return _read_key_file(path)


def open_secret_store(engine: Engine, *, key: str | None, key_file: Path) -> SecretStore:
    """The store with the given key or the key file's (`load_or_create_key`); logs a warning when
    that key cannot open every stored secret (the calls that need those secrets are refused,
    everything else works)."""
    store = SecretStore(engine, load_or_create_key(engine, key=key, key_file=key_file))
    try:
        store.verify_key()
    except SecretKeyError as exc:
        log.warning("%s Until then, actions that use them are not sent (config_error).", exc)
    return store


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.urandom(8).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        if hasattr(os, "fchmod"):  # the umask may have removed bits we need (it never adds any)
            os.fchmod(fd, 0o600)
        os.write(fd, Fernet.generate_key() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        # link() never overwrites: if another process created the key first, we use theirs.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def _read_key_file(path: Path) -> bytes:
    mode = path.stat().st_mode & 0o777
    if os.name == "posix" and mode & 0o077:
        raise SecretKeyError(
            f"refusing to use the key file {path}: its permissions are {mode:04o}, so other "
            f"users can read it. Restrict it to its owner with: chmod 600 {path}"
        )
    key = path.read_bytes().strip()
    _fernet(key, f"the key file {path}")
    return key


class SecretStore:
    """Encrypted secrets in the database: write-only except for the executor's `get_secret`."""

    def __init__(self, engine: Engine, key: bytes | str):
        self._engine = engine
        self._fernet = _fernet(key, "the secret key")
        raw = key.strip() if isinstance(key, (bytes, str)) else key
        self._derived_from = hashlib.sha256(raw.encode() if isinstance(raw, str) else raw).digest()
        self._opened: dict[tuple[str, str], str] = {}
        """Decrypted values by name and ciphertext (the name too: a ciphertext copied onto
        another secret's row must fail to open there, as it does when decrypted)."""
        self._one_statement = one_statement_engine(engine)
        self._cached: tuple[int, dict[str, str]] | None = None
        """(storage revision, ciphertexts by name) as last read."""

    def __repr__(self) -> str:
        return "SecretStore(<write-only>)"

    def derived_key(self, purpose: str) -> bytes:
        """A key for `purpose` derived from the secret key (HMAC-SHA256): the same in every
        process that shares the secret key, and telling nothing about it."""
        return hmac.new(self._derived_from, purpose.encode(), hashlib.sha256).digest()

    # -- write side (every interface) --------------------------------------------------------------
    def set(self, name: str, value: str, *, actor: str | None = None) -> None:
        check_secret_name(name)
        if not isinstance(value, str) or not value:
            raise SecretValueError(f"secret {name}: the value must be a non-empty string")
        if any(c in value for c in "\r\n\x00"):
            raise SecretValueError(
                f"secret {name}: the value must not contain line breaks or NUL characters "
                "(it is sent in an HTTP header)"
            )
        token = self._fernet.encrypt(f"{name}\n{value}".encode()).decode("ascii")
        try:
            self._upsert(name, token, actor)
        except IntegrityError:  # another process inserted the same name first: now it's an update
            self._upsert(name, token, actor)

    def delete(self, name: str, *, actor: str | None = None) -> None:
        delete_secret(self._engine, name, actor=actor)

    def names(self) -> list[str]:
        return secret_names(self._engine)

    def has(self, name: str) -> bool:
        with read_session(self._engine) as s:
            return s.exec(select(SecretRow.id).where(SecretRow.name == name)).first() is not None

    def verify_key(self) -> None:
        """Raise `SecretKeyError` naming every stored secret the configured key cannot open."""
        with read_session(self._engine) as s:
            rows = s.exec(select(SecretRow.name, SecretRow.ciphertext)).all()
        bad = [name for name, token in rows if self._decrypt(name, token, strict=False) is None]
        if bad:
            raise _wrong_key(bad)

    # -- read side (executor only) -----------------------------------------------------------------
    async def get_secret(self, name: str) -> str | None:
        """The decrypted value, or None if no such secret. For the executor only."""
        tokens = self._read_this_turn()
        if tokens is None:
            return await asyncio.to_thread(self._get_blocking, name)
        token = tokens.get(name)
        return None if token is None else self._open(name, token, strict=True)

    async def secret_values(self) -> list[str]:
        """Every stored value this key can open: what the executor masks in all it returns.
        A value the key cannot open is skipped here (the action that needs it fails alone)."""
        tokens = self._read_this_turn()
        if tokens is None:
            return await asyncio.to_thread(self._values_blocking)
        return self._values(tokens)

    def _read_this_turn(self) -> dict[str, str] | None:
        """The cached ciphertexts when they are of the running turn's revision (no statement,
        no thread); None outside a turn or when the cache is of another revision."""
        revision, cached = TURN_REVISION.get(), self._cached
        if revision is not None and cached is not None and cached[0] == revision:
            return cached[1]
        return None

    def _values_blocking(self) -> list[str]:
        return self._values(self._tokens())

    def _values(self, stored: dict[str, str]) -> list[str]:
        values = [v for name, token in stored.items() if (v := self._open(name, token, strict=False))]
        if len(self._opened) > 4 * len(stored) + 64:  # forget values replaced since
            self._opened = {t: v for t, v in self._opened.items() if v in values}
        return values

    def _get_blocking(self, name: str) -> str | None:
        token = self._tokens().get(name)
        return None if token is None else self._open(name, token, strict=True)

    def _tokens(self) -> dict[str, str]:
        """The stored ciphertexts by name, read again only when the storage revision moved (a
        save anywhere): each call costs one plain statement, not a table read and a decryption.
        The revision is read first, so what is cached is never older than its revision."""
        with self._one_statement.connect() as conn:  # the revision first: see `storage.revision`
            revision = read_revision(conn)
            cached = self._cached
            if cached is not None and cached[0] == revision:
                return cached[1]
            tokens = {
                name: token for name, token in conn.execute(select(SecretRow.name, SecretRow.ciphertext))
            }
        self._cached = (revision, tokens)
        return tokens

    def _open(self, name: str, token: str, *, strict: bool) -> str | None:
        """A secret's value, decrypted once per ciphertext (unique per encryption)."""
        value = self._opened.get((name, token))
        if value is None:
            value = self._decrypt(name, token, strict=strict)
            if value is not None:
                self._opened[name, token] = value
        return value

    # -- internals --------------------------------------------------------------------------------
    def _decrypt(self, name: str, token: str, *, strict: bool) -> str | None:
        try:
            plain = self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken:
            plain = None
        stored_name, sep, value = (plain or "").partition("\n")
        if plain is None or not sep or stored_name != name:
            if strict:
                raise _wrong_key([name])
            return None
        return value

    def _upsert(self, name: str, token: str, actor: str | None) -> None:
        now = utcnow()
        with write_session(self._engine) as s:
            result = s.exec(
                sa_update(SecretRow)
                .where(col(SecretRow.name) == name)
                .values(ciphertext=token, updated_at=now, updated_by=actor)
            )
            if result.rowcount == 0:
                s.add(
                    SecretRow(name=name, ciphertext=token, created_at=now, updated_at=now, updated_by=actor)
                )
                s.flush()
            s.add(_audit(name, Change.SECRET_SET, actor))


def secret_names(engine: Engine) -> list[str]:
    """Names of the stored secrets (no key needed: nothing is decrypted)."""
    with read_session(engine) as s:
        return list(s.exec(select(SecretRow.name).order_by(SecretRow.name)))


def delete_secret(engine: Engine, name: str, *, actor: str | None = None) -> None:
    """Delete one stored secret, audited (no key needed: how a lost key is recovered from)."""
    with write_session(engine) as s:
        result = s.exec(sa_delete(SecretRow).where(col(SecretRow.name) == name))
        if result.rowcount != 1:
            raise NotFoundError(f"no secret named {name!r}")
        s.add(_audit(name, Change.SECRET_DELETED, actor))


def _audit(name: str, change: Change, actor: str | None) -> AuditRow:
    return AuditRow(at=utcnow(), actor=actor, secret_name=name, change=change.value, diff="{}")


def _missing_key_file(path: Path, names: list[str]) -> SecretKeyError:
    return SecretKeyError(
        f"the secret key file {path} is missing, but {len(names)} secret(s) are stored "
        f"({', '.join(names)}) that only that key can decrypt; no new key was generated. "
        f"Restore the key file to {path} (owner-only: chmod 600), or set ACTIONS_SECRET_KEY to "
        "the original key. If the key is lost for good, delete the stored secrets "
        "(`api-actions secrets delete --all`) and set them again."
    )


def _wrong_key(names: list[str]) -> SecretKeyError:
    listed = ", ".join(names)
    return SecretKeyError(
        f"cannot decrypt secret(s) {listed} with the configured key: they were stored with a "
        "different ACTIONS_SECRET_KEY or secret.key. Restore the original key, or set these "
        "secrets again."
    )
