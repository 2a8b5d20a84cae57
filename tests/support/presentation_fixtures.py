"""A real agent on a real database for the presentation tests: SQLite (file storage, SQLite
checkpointer) or PostgreSQL (storage and checkpointer in one fresh schema), the demo API under
uvicorn, and a scripted chat model. Nothing but the model is faked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from agent.wiring.runtime import open_agent, open_stores
from agent.wiring.settings import Settings
from tests.support.agent_fixtures import demo_actions, settings_for
from tests.support.storage_fixtures import postgres_schema_url
from tools.executor import ExecutorSettings


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_settings(request: pytest.FixtureRequest, tmp_path, demo_api) -> Iterator[Settings]:
    """Settings whose storage and checkpointer are a SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        yield settings_for(tmp_path, demo_api)
    else:
        for url in postgres_schema_url():
            yield settings_for(tmp_path, demo_api, database_url=url)


def demo_action(demo_api, name: str, **changes: Any) -> dict[str, Any]:
    """One seed action, pointed at the test's demo API, with `changes` applied."""
    action = next(a for a in demo_actions(demo_api.base_url) if a["name"] == name)
    return {**action, **changes}


@asynccontextmanager
async def db_agent(settings: Settings, demo_api, model, actions: list[dict[str, Any]]):
    """A `SupportAgent` on `settings`' database with `actions` stored (when not stored yet)."""
    stores = open_stores(settings)
    try:
        stores.secrets.set("DEMO_API_TOKEN", demo_api.token)
        for action in actions:
            stores.actions.upsert_many([action])
        async with open_agent(
            settings,
            model=model,
            model_label="scripted test model",
            stores=stores,
            executor_settings=ExecutorSettings(allow_hosts=(demo_api.host,), backoff_seconds=0.01),
        ) as agent:
            # SupportAgent declares no `stores`: the tests' own handle on what it was opened with
            setattr(agent, "stores", stores)  # noqa: B010
            yield agent
    finally:
        stores.engine.dispose()  # the stores are the test's: open_agent leaves them open
