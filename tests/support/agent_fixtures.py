"""Build a real SupportAgent for tests: SQLite storage, the demo API, an injected chat model."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from langgraph.checkpoint.memory import InMemorySaver

from agent.state import AgentContext, Limits
from agent.wiring.runtime import open_agent, open_stores
from agent.wiring.settings import Settings
from tools.executor import ExecutorSettings

DEMO_ACTIONS = Path(__file__).resolve().parents[2] / "demo" / "actions.json"
DEMO_BASE = "http://127.0.0.1:8765"


def demo_actions(base_url: str) -> list[dict[str, Any]]:
    """The seed actions, pointed at the demo API's random test port."""
    return json.loads(DEMO_ACTIONS.read_text().replace(DEMO_BASE, base_url))


@dataclass(frozen=True)
class LocalAPI:
    """A test's own local API standing in for the demo API in `make_agent`/`settings_for`."""

    base_url: str
    token: str = "local-api-token"

    @property
    def host(self) -> str:
        return self.base_url.split("://", 1)[1]


def settings_for(tmp_path: Path, demo_api, **kw: Any) -> Settings:
    return Settings(
        data_dir=tmp_path,
        allow_hosts=(demo_api.host,),
        secret_key=Fernet.generate_key().decode(),
        **kw,
    )


@asynccontextmanager
async def make_agent(
    tmp_path: Path,
    demo_api,
    model,
    *,
    actions: list[dict[str, Any]] | None = None,
    limits: Limits | None = None,
    checkpointer: Any = None,
    settings: Settings | None = None,
    secrets: dict[str, str] | None = None,
):
    settings = settings or settings_for(tmp_path, demo_api)
    stores = open_stores(settings)
    try:
        stores.secrets.set("DEMO_API_TOKEN", demo_api.token)
        for name, value in (secrets or {}).items():
            stores.secrets.set(name, value)
        for action in actions if actions is not None else demo_actions(demo_api.base_url):
            stores.actions.create(action)
        async with open_agent(
            settings,
            model=model,
            model_label="scripted test model",
            stores=stores,
            executor_settings=ExecutorSettings(allow_hosts=(demo_api.host,), backoff_seconds=0.01),
            limits=limits,
            checkpointer=checkpointer if checkpointer is not None else InMemorySaver(),
        ) as agent:
            # SupportAgent declares no `stores`: the tests' own handle on what it was opened with
            setattr(agent, "stores", stores)  # noqa: B010
            yield agent
    finally:
        stores.engine.dispose()  # the stores are the test's: open_agent leaves them open


def server_context(agent: Any) -> AgentContext:
    """The context LangGraph Server gives the graph, from a test agent's own parts (its catalog
    compiled now): for running the graph alone, as the server does."""
    agent.refresh_catalog()
    return AgentContext(
        model=agent.deps.model, catalog=agent.live.catalog, executor=agent.executor, ledger=agent.deps.ledger
    )
