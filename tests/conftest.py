"""Shared fixtures: the demo API under uvicorn on a random port, and database URLs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import pytest

from agent.wiring.settings import Settings
from tests.support.servers import serve

if TYPE_CHECKING:
    from fastapi import FastAPI

# the reliability suites' counts (suite marker); pytester runs the reporter's own tests
# fixture modules shared by several test files, registered once instead of imported into each
pytest_plugins = (
    "tests.support.suite_report",
    "pytester",
    "tests.support.openai_server",
    "tests.support.private_demo_api",
    "tests.support.storage_fixtures",
    "tests.support.presentation_fixtures",
)

DEMO_TOKEN = "demo-token-test-7f3a"
POSTGRES_URL = os.environ.get("DATABASE_TEST_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass
class DemoAPI:
    base_url: str
    token: str
    app: FastAPI

    @property
    def host(self) -> str:
        return self.base_url.split("://", 1)[1]

    @property
    def request_log(self) -> list:
        return self.app.state.request_log


@pytest.fixture(scope="session")
def demo_server() -> Iterator[DemoAPI]:
    """The demo API under uvicorn, one per test process (each xdist worker has its own)."""
    from demo.api import create_app

    app = create_app(token=DEMO_TOKEN)
    with serve(app) as base_url:
        yield DemoAPI(base_url=base_url, token=DEMO_TOKEN, app=app)


@pytest.fixture
def demo_api(demo_server: DemoAPI) -> DemoAPI:
    """The demo API as seeded: every test starts from a fresh store and an empty request log,
    so no test sees what another one cancelled, booked or sent, whichever ran before it."""
    from demo.data import seed_store

    state = demo_server.app.state
    state.store = seed_store()
    state.request_log.clear()  # the same list: the logging middleware holds it
    state.slow_echoes.clear()
    return demo_server


@pytest.fixture
def fresh_demo_log(demo_api: DemoAPI) -> DemoAPI:
    """The same fresh demo API (`demo_api`), under the name most tests use."""
    return demo_api


@pytest.fixture(autouse=True)
def _settings_from_the_test_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """`Settings(...)` reads the environment for the fields it is not given: the configuration
    variables of the shell that runs the suite (a developer's DATABASE_URL or OPENAI_API_KEY)
    are taken away, so each test gets only what it sets itself."""
    for field in Settings.model_fields.values():
        monkeypatch.delenv(cast(str, field.validation_alias), raising=False)  # each field names its variable
