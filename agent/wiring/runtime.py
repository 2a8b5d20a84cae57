"""Wiring: build every dependency once from `Settings` and hand out a ready `SupportAgent`.

The composition root: settings are read here (and by the other entry points) and handed to
storage, tools and the graph as plain values.

    async with open_agent(settings) as agent:
        result = await agent.send("session-1", "Where is my order ORD-1001?")

The engine, stores, executor (one pooled HTTP client), chat model and checkpointer are made
here and passed down; nothing is created at import time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from sqlalchemy import Engine

from agent.catalog.lexical import topic_key
from agent.catalog.live import LiveCatalog  # noqa: F401  (re-exported)
from agent.catalog.retrieval import ActionRetriever
from agent.catalog.semantic import SemanticRanker
from agent.graph import compile_graph
from agent.state import Limits
from agent.turns.dependencies import AgentDependencies
from agent.turns.service import SupportAgent
from agent.wiring.llm import EmbeddingsChoice, ModelChoice, check_chat_model, make_chat_model, make_embeddings
from agent.wiring.settings import Settings
from storage.action_vectors import ActionVectorStore
from storage.actions import ActionStore
from storage.auth_settings import AuthStore
from storage.checkpoints import open_checkpointer
from storage.db import init_db, make_engine
from storage.ledger import CallLedger
from storage.run_log import RunLog
from storage.secrets import KEY_FILE_NAME, SecretStore, open_secret_store
from storage.session_lock import SessionLocks
from storage.traces import TraceStore
from tools.auth import AuthSource
from tools.executor import ActionExecutor, ExecutorSettings

UNSAVED_TURNS_DIR = "unsaved-turns"
"""Folder of the data dir where traces wait while the database is unavailable."""


@dataclass
class Stores:
    engine: Any
    actions: ActionStore
    secrets: SecretStore
    auth: AuthStore
    """Shared auth settings (the executor's `AuthSource`)."""
    traces: TraceStore
    ledger: CallLedger
    run_log: RunLog


def open_stores(settings: Settings) -> Stores:
    import storage.run_tables  # noqa: F401  (registers the run-time tables before create_all)

    engine = make_engine(settings.resolved_database_url)
    init_db(engine)
    key = settings.secret_key.get_secret_value() if settings.secret_key else None
    try:
        secrets = open_secret_store(engine, key=key, key_file=settings.data_dir / KEY_FILE_NAME)
    except BaseException:  # e.g. SecretKeyError: no stores, so nothing else will close the pool
        engine.dispose()
        raise
    return Stores(
        engine=engine,
        actions=ActionStore(engine),
        secrets=secrets,
        auth=AuthStore(engine),
        traces=TraceStore(engine, message_key=topic_key),
        ledger=CallLedger(engine),
        run_log=RunLog(engine),
    )


def make_executor(
    settings: Settings,
    secrets: Any,
    executor_settings: ExecutorSettings | None = None,
    *,
    auth: AuthSource | None = None,
) -> ActionExecutor:
    """The one outbound chokepoint (guard, limits, secrets, shared auth settings); the caller
    closes it (`aclose`)."""
    # every process on the same secret key binds approvals alike (a question asked by one
    # instance, or a process that crashed, and answered through another); a source that cannot
    # derive a key (a test's StaticSecrets) gets a random one: a resumed question asks again
    derive = getattr(secrets, "derived_key", None)
    key = derive("approval digest") if callable(derive) else None
    return ActionExecutor(
        executor_settings or ExecutorSettings(allow_hosts=tuple(settings.allow_hosts)),
        secrets,
        auth=auth,
        approval_key=key,
    )


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
    """The agent on `stores` (the caller's to close), or on stores opened here for `settings`
    and closed when the block ends, however it ends."""
    opened = stores if stores is not None else open_stores(settings)
    try:
        async with _agent(
            settings, opened, model, model_label, executor_settings, limits, checkpointer
        ) as agent:
            yield agent
    finally:
        if stores is None:
            opened.engine.dispose()


@asynccontextmanager
async def _agent(
    settings: Settings,
    stores: Stores,
    model: BaseChatModel | None,
    model_label: str | None,
    executor_settings: ExecutorSettings | None,
    limits: Limits | None,
    checkpointer: Any,
) -> AsyncIterator[SupportAgent]:
    # the model made here (none given) is closed here too, with its own connection pool
    choice = make_chat_model(settings) if model is None else ModelChoice(model, model_label or "", False)
    try:
        if model is None:
            await check_chat_model(choice)
        label = choice.label or type(choice.model).__name__
        executor = make_executor(settings, stores.secrets, executor_settings, auth=stores.auth)
        locks = session_locks(settings, stores.engine)
        embeddings: EmbeddingsChoice | None = None
        try:
            embeddings = make_embeddings(settings)
            async with _checkpointer(settings, checkpointer) as saver:
                yield SupportAgent(
                    AgentDependencies(
                        graph=compile_graph(saver),
                        model=choice.model,
                        executor=executor,
                        store=stores.actions,
                        traces=stores.traces,
                        ledger=stores.ledger,
                        secrets=stores.secrets,
                        limits=limits or settings.limits(),
                        retriever=make_retriever(embeddings, stores.engine),
                        model_label=label,
                        is_offline=choice.is_offline,
                        session_locks=locks,
                        unsaved_dir=settings.data_dir / UNSAVED_TURNS_DIR,
                    )
                )
        finally:
            await asyncio.to_thread(locks.close)  # PostgreSQL: the connection holding its locks
            await executor.aclose()
            if embeddings is not None:
                await embeddings.aclose()
    finally:
        await choice.aclose()  # a given model's pools are its maker's: `pools` is empty


def make_retriever(embeddings: EmbeddingsChoice | None, engine: Any) -> ActionRetriever:
    """Lexical retrieval, fused with semantic ranking when an embedding model is configured
    (`make_embeddings`; its action vectors persist in the database: `storage.action_vectors`).
    The embeddings' connection pool stays the caller's to close."""
    if embeddings is None:
        return ActionRetriever()
    store = ActionVectorStore(engine)
    return ActionRetriever(
        semantic=SemanticRanker(embeddings.embeddings, model=embeddings.label, store=store)
    )


def session_locks(settings: Settings, engine: Engine) -> SessionLocks:
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
        async with open_checkpointer(settings.database_url, settings.data_dir) as saver:
            yield saver


def preview_of(agent: SupportAgent) -> SupportAgent:
    """The same agent on the draft catalog (live actions with their drafts applied): the
    product team's preview chat. Give its sessions their own ids."""
    from storage.drafts import DraftStore

    return SupportAgent(agent.deps, catalog_source=DraftStore(agent.deps.store).overlay)
