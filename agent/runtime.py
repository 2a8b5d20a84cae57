"""Wiring: build every dependency once from `Settings` and hand out a ready `SupportAgent`.

    async with open_agent(settings) as agent:
        result = await agent.send("session-1", "Where is my order ORD-1001?")

The engine, stores, executor (one pooled HTTP client), chat model and checkpointer are made
here and passed down; nothing is created at import time.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator

from langchain_core.language_models import BaseChatModel

from storage.actions import ActionStore
from storage.db import init_db, make_engine
from storage.ledger import CallLedger
from storage.secrets import SecretStore, open_secret_store
from storage.session_lock import SessionLocks
from storage.traces import TraceStore
from tools.executor import ActionExecutor, ExecutorSettings

from .graph import compile_graph
from .live_catalog import LiveCatalog  # noqa: F401  (re-exported)
from .llm import make_chat_model
from .service import SupportAgent
from .settings import Settings
from .state import Limits


@dataclass
class Stores:
    engine: Any
    actions: ActionStore
    secrets: SecretStore
    traces: TraceStore
    ledger: CallLedger


def open_stores(settings: Settings) -> Stores:
    import storage.run_tables  # noqa: F401  (registers the run-time tables before create_all)

    engine = make_engine(settings)
    init_db(engine)
    return Stores(
        engine=engine,
        actions=ActionStore(engine),
        secrets=open_secret_store(engine, settings),
        traces=TraceStore(engine),
        ledger=CallLedger(engine),
    )


def make_executor(
    settings: Settings, secrets: Any, executor_settings: ExecutorSettings | None = None
) -> ActionExecutor:
    """The one outbound chokepoint (guard, limits, secrets); the caller closes it (`aclose`)."""
    return ActionExecutor(
        executor_settings or ExecutorSettings(allow_hosts=tuple(settings.allow_hosts)), secrets
    )


@asynccontextmanager
async def open_checkpointer(settings: Settings) -> AsyncIterator[Any]:
    """SQLite file by default, PostgreSQL when DATABASE_URL points there."""
    if settings.uses_postgres:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import AsyncConnectionPool

        url = settings.resolved_database_url.replace("postgresql+psycopg://", "postgresql://")
        async with AsyncConnectionPool(
            url,
            min_size=1,
            max_size=20,
            open=False,
            # A pooled connection is checked before it is lent: after a server restart every
            # idle one is dead, and each would otherwise fail one turn.
            check=AsyncConnectionPool.check_connection,
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        ) as pool:
            saver = AsyncPostgresSaver(pool)
            await saver.setup()
            yield saver
    else:
        import aiosqlite
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # Several processes may share the file (app, CLI, MCP): wait for a writer's lock
        # instead of failing after the driver's default 5 s.
        async with aiosqlite.connect(str(settings.data_dir / "checkpoints.db"), timeout=30) as conn:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")  # see storage/db.py
            yield AsyncSqliteSaver(conn)


@asynccontextmanager
async def open_agent(
    settings: Settings,
    *,
    model: BaseChatModel | None = None,
    model_label: str | None = None,
    stores: Stores | None = None,
    executor_settings: ExecutorSettings | None = None,
    limits: Limits | None = None,
    checkpointer: Any = None,
) -> AsyncIterator[SupportAgent]:
    stores = stores or open_stores(settings)
    if model is None:
        choice = make_chat_model(settings)
        model, label, offline = choice.model, choice.label, choice.is_offline
    else:
        label, offline = model_label or type(model).__name__, False
    executor = make_executor(settings, stores.secrets, executor_settings)
    try:
        async with _checkpointer(settings, checkpointer) as saver:
            yield SupportAgent(
                graph=compile_graph(saver),
                model=model,
                executor=executor,
                store=stores.actions,
                traces=stores.traces,
                ledger=stores.ledger,
                secrets=stores.secrets,
                limits=limits,
                model_label=label,
                is_offline=offline,
                session_locks=session_locks(settings, stores.engine),
            )
    finally:
        await executor.aclose()


def session_locks(settings: Settings, engine) -> SessionLocks:
    """Cross-instance turn locks: beside the SQLite file (every process using it sees the same
    folder), or PostgreSQL advisory locks."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if database and database != ":memory:":
        return SessionLocks(engine, Path(database).resolve().parent / "locks")
    return SessionLocks(engine, settings.data_dir / "locks")


@asynccontextmanager
async def _checkpointer(settings: Settings, given: Any) -> AsyncIterator[Any]:
    if given is not None:
        yield given
    else:
        async with open_checkpointer(settings) as saver:
            yield saver


def preview_of(agent: SupportAgent) -> SupportAgent:
    """The same agent on the draft catalog (live actions with their drafts applied): the
    product team's preview chat. Give its sessions their own ids."""
    from storage.drafts import DraftStore

    return SupportAgent(
        graph=agent.graph, model=agent.model, executor=agent.executor, store=agent.store,
        traces=agent.traces, ledger=agent.ledger, limits=agent.limits,
        model_label=agent.model_label, is_offline=agent.is_offline, secrets=agent.secrets,
        catalog_source=DraftStore(agent.store).overlay, session_locks=agent.session_locks,
    )  # fmt: skip
