"""Database fixtures for storage tests: every test runs on a SQLite file and on PostgreSQL.

The fixtures are registered for every test module in tests/conftest.py (`pytest_plugins`);
`postgres_schema_url()` and the action builders are imported. PostgreSQL tests get a fresh
schema each, dropped afterwards. They are skipped when the server is unreachable, except under CI (env `CI` set), where that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from storage import init_db, make_engine
from storage.db import fresh_postgres_schema
from tests.conftest import POSTGRES_URL

_unreachable: dict[str, str | None] = {}


def _postgres_problem() -> str | None:
    if POSTGRES_URL not in _unreachable:
        try:
            admin = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
            with admin.connect() as conn:
                conn.execute(text("SELECT 1"))
            admin.dispose()
            _unreachable[POSTGRES_URL] = None
        except Exception as exc:
            _unreachable[POSTGRES_URL] = f"{type(exc).__name__}: {exc}"
    return _unreachable[POSTGRES_URL]


def _require_postgres() -> None:
    problem = _postgres_problem()
    if problem is None:
        return
    message = f"PostgreSQL at {make_url(POSTGRES_URL).render_as_string()} unreachable: {problem}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set: PostgreSQL tests must run)", pytrace=False)
    pytest.skip(message)


def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections use a fresh schema; the schema is dropped afterwards."""
    _require_postgres()
    with fresh_postgres_schema(POSTGRES_URL, prefix="t") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database (no tables yet): a SQLite file under tmp_path, or a PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'api_actions.db'}"
    else:
        yield from postgres_schema_url()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on `database_url` with the tables created."""
    eng = make_engine(database_url)
    init_db(eng)
    try:
        yield eng
    finally:
        eng.dispose()


def order_action(**overrides: Any) -> dict[str, Any]:
    """A valid definition: look up an order, with a secret in the Authorization header."""
    data: dict[str, Any] = {
        "name": "look_up_order",
        "title": "Look up order status",
        "url": "https://orders.example.com/orders/{{order_id}}",
        "trigger": "When the customer asks where their order is.",
        "inputs": [{"name": "order_id", "description": "Order number", "pattern": r"\d{6}"}],
        "headers": {"Authorization": "Bearer {{secret.ORDERS_TOKEN}}"},
    }
    data.update(overrides)
    return data


def refund_action(**overrides: Any) -> dict[str, Any]:
    """A second valid definition (POST with a body)."""
    data: dict[str, Any] = {
        "name": "request_refund",
        "method": "POST",
        "url": "https://orders.example.com/refunds",
        "trigger": "When the customer asks for a refund of an order.",
        "inputs": [{"name": "order_id"}, {"name": "reason", "required": False}],
        "body": '{"order": "{{order_id}}", "reason": "{{reason}}"}',
    }
    data.update(overrides)
    return data
