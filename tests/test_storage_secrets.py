"""SecretStore on SQLite and PostgreSQL: encrypted at rest, write-only, key management."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from storage import (
    ActionStore,
    SecretKeyError,
    SecretStore,
    SecretValueError,
    export_json,
    init_db,
    load_or_create_key,
    make_engine,
)
from tests.support.storage_fixtures import order_action
from tools.errors import NotFoundError

PLAINTEXT = "sk-live-PLAINTEXT-8c1f2e9d"


@pytest.fixture
def key() -> bytes:
    return Fernet.generate_key()


@pytest.fixture
def secrets(engine: Engine, key: bytes) -> SecretStore:
    return SecretStore(engine, key)


async def test_round_trip(secrets: SecretStore) -> None:
    secrets.set("ORDERS_TOKEN", PLAINTEXT, actor="ana")
    assert await secrets.get_secret("ORDERS_TOKEN") == PLAINTEXT
    secrets.set("ORDERS_TOKEN", "rotated-value")
    assert await secrets.get_secret("ORDERS_TOKEN") == "rotated-value"
    assert await secrets.get_secret("MISSING") is None


async def test_names_has_and_delete(secrets: SecretStore) -> None:
    secrets.set("ORDERS_TOKEN", PLAINTEXT)
    secrets.set("CRM_KEY", "another-value")
    assert secrets.names() == ["CRM_KEY", "ORDERS_TOKEN"]
    assert PLAINTEXT not in repr(secrets.names()) and PLAINTEXT not in repr(secrets)
    assert secrets.has("ORDERS_TOKEN") and not secrets.has("NOPE")

    secrets.delete("CRM_KEY", actor="ana")
    assert secrets.names() == ["ORDERS_TOKEN"]
    assert await secrets.get_secret("CRM_KEY") is None
    with pytest.raises(NotFoundError, match="CRM_KEY"):
        secrets.delete("CRM_KEY")


@pytest.mark.parametrize("name", ["orders_token", "1TOKEN", "ORDERS-TOKEN", "", "_X", "A B"])
def test_invalid_names_are_refused(secrets: SecretStore, name: str) -> None:
    with pytest.raises(SecretValueError, match="upper-case letters"):
        secrets.set(name, PLAINTEXT)
    assert secrets.names() == []


@pytest.mark.parametrize("value", ["", "line\nbreak", "carriage\rreturn"])
def test_invalid_values_are_refused(secrets: SecretStore, value: str) -> None:
    with pytest.raises(SecretValueError):
        secrets.set("ORDERS_TOKEN", value)
    assert secrets.names() == []


def test_plaintext_is_not_in_the_database(
    secrets: SecretStore,
    engine: Engine,
    database_url: str,
) -> None:
    secrets.set("ORDERS_TOKEN", PLAINTEXT)
    secrets.set("ORDERS_TOKEN", PLAINTEXT + "-v2")
    needle = PLAINTEXT.encode()
    if engine.dialect.name == "sqlite":
        assert engine.url.database is not None
        db = Path(engine.url.database)
        raw = b"".join(p.read_bytes() for p in db.parent.iterdir() if p.name.startswith(db.name))
        assert b"ORDERS_TOKEN" in raw  # the name is stored, so we are reading the right bytes
        assert needle not in raw
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT ciphertext FROM api_secret")).scalar_one()
        every_row = [
            str(row)
            for table in ("api_secret", "api_action_audit", "api_action")
            for row in conn.execute(text(f"SELECT * FROM {table}"))
        ]
    assert PLAINTEXT not in stored and Fernet.generate_key() != stored
    assert not any(PLAINTEXT in row for row in every_row)


def test_secrets_are_never_exported_or_audited(secrets: SecretStore, engine: Engine) -> None:
    actions = ActionStore(engine)
    actions.create(order_action())
    before = actions.revision()
    secrets.set("ORDERS_TOKEN", PLAINTEXT, actor="ana")
    assert actions.revision() != before  # a secret change is a catalog change too

    exported = export_json(actions)
    assert PLAINTEXT not in exported and "{{secret.ORDERS_TOKEN}}" in exported
    entry = actions.history()[0]
    assert (entry.change, entry.secret_name, entry.actor, entry.diff) == (
        "secret_set",
        "ORDERS_TOKEN",
        "ana",
        {},
    )
    assert PLAINTEXT not in repr(actions.history())


async def test_wrong_key_is_a_clear_error(engine: Engine, key: bytes) -> None:
    SecretStore(engine, key).set("ORDERS_TOKEN", PLAINTEXT)
    other = SecretStore(engine, Fernet.generate_key())
    with pytest.raises(SecretKeyError, match=r"cannot decrypt secret.*ORDERS_TOKEN"):
        await other.get_secret("ORDERS_TOKEN")
    with pytest.raises(SecretKeyError, match="ORDERS_TOKEN"):
        other.verify_key()
    SecretStore(engine, key).verify_key()  # the right key passes
    assert other.names() == ["ORDERS_TOKEN"]  # names need no key


async def test_a_value_copied_onto_another_name_does_not_decrypt(
    secrets: SecretStore,
    engine: Engine,
) -> None:
    secrets.set("ORDERS_TOKEN", PLAINTEXT)
    secrets.set("CRM_KEY", "crm-value")
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE api_secret SET ciphertext = "
                "(SELECT ciphertext FROM api_secret WHERE name = 'ORDERS_TOKEN') "
                "WHERE name = 'CRM_KEY'"
            )
        )
    with pytest.raises(SecretKeyError, match="CRM_KEY"):
        await secrets.get_secret("CRM_KEY")


@pytest.fixture
def writer(engine: Engine, key: bytes) -> Iterator[SecretStore]:
    """A store on another engine of the same database: another process saving secrets."""
    other_engine = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        yield SecretStore(other_engine, key)
    finally:
        other_engine.dispose()


@pytest.fixture
def statements(engine: Engine) -> list[str]:
    """Every statement `engine` runs from now on."""
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


async def test_a_change_made_elsewhere_is_read_by_the_next_call(
    engine: Engine, key: bytes, writer: SecretStore, statements: list[str]
) -> None:
    """Values are cached by storage revision: a set or delete through another engine (another
    process) is used by the very next call, and an unchanged store is not read again."""
    reader = SecretStore(engine, key)
    writer.set("ORDERS_TOKEN", "first-value")
    assert await reader.get_secret("ORDERS_TOKEN") == "first-value"
    assert await reader.secret_values() == ["first-value"]
    statements.clear()
    assert await reader.get_secret("ORDERS_TOKEN") == "first-value"
    assert await reader.secret_values() == ["first-value"]
    assert not [s for s in statements if "api_secret" in s], statements  # the revision only

    writer.set("ORDERS_TOKEN", "rotated-value")
    assert await reader.get_secret("ORDERS_TOKEN") == "rotated-value"
    assert await reader.secret_values() == ["rotated-value"]
    writer.set("CRM_KEY", "crm-value")
    assert sorted(await reader.secret_values()) == ["crm-value", "rotated-value"]
    writer.delete("ORDERS_TOKEN")
    assert await reader.get_secret("ORDERS_TOKEN") is None
    assert await reader.secret_values() == ["crm-value"]


async def test_inside_a_turn_secrets_are_read_at_the_turns_revision(
    engine: Engine, key: bytes, writer: SecretStore, statements: list[str]
) -> None:
    """A turn reads the revision once (`reading_at`): inside it a warm store runs no statement at
    all, and a secret saved while the turn runs is used from the next turn on."""
    from storage import ActionStore
    from storage.revision import reading_at

    reader, revisions = SecretStore(engine, key), ActionStore(engine)
    writer.set("ORDERS_TOKEN", "first-value")
    with reading_at(revisions.revision()):
        assert await reader.get_secret("ORDERS_TOKEN") == "first-value"  # the cache is filled
        statements.clear()
        assert await reader.get_secret("ORDERS_TOKEN") == "first-value"
        assert await reader.secret_values() == ["first-value"]
        assert await reader.get_secret("NOT_SET") is None
        assert statements == []
        writer.set("ORDERS_TOKEN", "rotated-value")  # saved while the turn runs
        assert await reader.get_secret("ORDERS_TOKEN") == "first-value"
    with reading_at(revisions.revision()):  # the next turn
        assert await reader.get_secret("ORDERS_TOKEN") == "rotated-value"
        assert await reader.secret_values() == ["rotated-value"]
    writer.delete("ORDERS_TOKEN")
    assert await reader.get_secret("ORDERS_TOKEN") is None  # outside a turn: read now


def test_malformed_key_is_refused(engine: Engine) -> None:
    with pytest.raises(SecretKeyError, match="not a valid Fernet key"):
        SecretStore(engine, "too-short")


# -- key management (an empty database: no secret stored yet) ------------------------------------------
@pytest.fixture
def no_secrets(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'empty' / 'db.sqlite'}")
    init_db(eng)
    yield eng
    eng.dispose()


def test_key_file_is_generated_0600_and_reused(tmp_path: Path, no_secrets: Engine) -> None:
    path = tmp_path / "data" / "secret.key"
    key = load_or_create_key(no_secrets, key=None, key_file=path)
    assert path.stat().st_mode & 0o777 == 0o600
    Fernet(key)
    assert load_or_create_key(no_secrets, key=None, key_file=path) == key
    assert [p.name for p in path.parent.iterdir()] == ["secret.key"]  # no temp file left


def test_key_file_is_0600_even_with_a_permissive_umask(tmp_path: Path, no_secrets: Engine) -> None:
    old = os.umask(0)
    try:
        load_or_create_key(no_secrets, key=None, key_file=tmp_path / "secret.key")
    finally:
        os.umask(old)
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600


def test_concurrent_starts_share_one_key(tmp_path: Path, no_secrets: Engine) -> None:
    path = tmp_path / "secret.key"
    keys: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: keys.append(load_or_create_key(no_secrets, key=None, key_file=path)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 8 and len(set(keys)) == 1


@pytest.mark.parametrize("mode", [0o644, 0o604, 0o640])
def test_readable_key_file_is_refused(tmp_path: Path, mode: int, no_secrets: Engine) -> None:
    path = tmp_path / "secret.key"
    path.write_bytes(Fernet.generate_key())
    path.chmod(mode)
    with pytest.raises(SecretKeyError, match=f"{mode:04o}.*chmod 600"):
        load_or_create_key(no_secrets, key=None, key_file=path)


def test_corrupt_key_file_is_refused(tmp_path: Path, no_secrets: Engine) -> None:
    fd = os.open(tmp_path / "secret.key", os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"not a key")
    os.close(fd)
    with pytest.raises(SecretKeyError, match=r"secret\.key is not a valid Fernet key"):
        load_or_create_key(no_secrets, key=None, key_file=tmp_path / "secret.key")


def test_a_given_key_wins_and_writes_no_file(tmp_path: Path, no_secrets: Engine) -> None:
    key = Fernet.generate_key()
    path = tmp_path / "secret.key"
    assert load_or_create_key(no_secrets, key=f" {key.decode()}\n", key_file=path) == key
    assert not path.exists()
    with pytest.raises(SecretKeyError, match="ACTIONS_SECRET_KEY is not a valid Fernet key"):
        load_or_create_key(no_secrets, key="nope", key_file=path)
