"""What the composition root opens, it closes: the stores `open_agent` opened itself, the
connection that holds the session locks on PostgreSQL, the chat model's and the embedding
model's own connection pools and the app's agent loop. Each was left to the garbage collector before (a `ResourceWarning` when it
was collected, or a connection to the database kept until then)."""

from __future__ import annotations

from langchain_openai import OpenAIEmbeddings
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy.pool import QueuePool

from agent.wiring.runtime import open_agent, open_stores
from tests.support.agent_fixtures import settings_for
from tests.support.embeddings_server import embeddings_server
from tests.support.scripted_model import ScriptedChatModel
from tests.support.ui_fixtures import app_runtime
from tools.executor import ExecutorSettings


async def test_the_stores_open_agent_opened_are_closed_with_it(tmp_path, fresh_demo_log):
    settings = settings_for(tmp_path, fresh_demo_log)
    model = ScriptedChatModel().script("Hello.")
    executor_settings = ExecutorSettings(allow_hosts=(fresh_demo_log.host,))
    async with open_agent(settings, model=model, executor_settings=executor_settings) as agent:
        await agent.send("s1", "hi")
        pool = agent.deps.store.engine.pool
        assert isinstance(pool, QueuePool) and pool.checkedin() >= 1  # the turn used the database
    after = agent.deps.store.engine.pool
    assert after is not pool  # disposed: its connections closed, a new, empty pool in its place
    assert isinstance(after, QueuePool) and after.checkedin() == 0


async def test_given_stores_are_left_open_and_the_session_locks_give_their_connection_back(
    tmp_path, fresh_demo_log, database_url
):
    """On PostgreSQL the session locks hold a connection of the stores' pool for as long as the
    agent runs; closing the agent gives it back (on SQLite they hold none). The stores are the
    caller's: still usable afterwards."""
    settings = settings_for(tmp_path, fresh_demo_log, database_url=database_url)
    stores = open_stores(settings)
    try:
        model = ScriptedChatModel().script("Hello.")
        async with open_agent(settings, model=model, stores=stores, checkpointer=InMemorySaver()) as agent:
            await agent.send("s1", "hi")
            held = stores.engine.pool.checkedout()
            assert held == (1 if stores.engine.dialect.name == "postgresql" else 0)
        assert stores.engine.pool.checkedout() == 0
        assert stores.actions.list() == []  # still open: the caller closes them
    finally:
        stores.engine.dispose()


async def test_the_chat_models_own_pool_is_closed_with_the_agent(tmp_path, fresh_demo_log, openai_srv):
    settings = settings_for(
        tmp_path,
        fresh_demo_log,
        openai_api_key="test-key",
        openai_base_url=openai_srv.openai_base_url,
        openai_model="scripted",
    )
    openai_srv.script(["Hello from the server."])
    async with open_agent(settings, checkpointer=InMemorySaver()) as agent:
        result = await agent.send("s1", "hi")
        client = agent.deps.model.http_async_client  # type: ignore[attr-defined]  # ChatOpenAI's
        assert not client.is_closed
    assert result.reply is not None and result.reply["text"] == "Hello from the server."
    assert client.is_closed


async def test_the_embedding_models_own_pool_is_closed_with_the_agent(tmp_path, fresh_demo_log):
    with embeddings_server() as srv:
        settings = settings_for(
            tmp_path, fresh_demo_log, embeddings_model="stand-in", embeddings_base_url=srv.base_url + "/v1"
        )
        async with open_agent(
            settings, model=ScriptedChatModel().script("Hello."), checkpointer=InMemorySaver()
        ) as agent:
            result = await agent.send("s1", "hi")
            retriever = agent.deps.retriever
            semantic = retriever.semantic if retriever is not None else None
            assert semantic is not None and isinstance(semantic.embeddings, OpenAIEmbeddings)
            client = semantic.embeddings.http_async_client
            assert client is not None
            assert not client.is_closed
    assert result.reply is not None and result.reply["text"] == "Hello."
    assert client.is_closed


def test_the_apps_agent_loop_is_closed_when_the_runtime_stops(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel().script("Hello.")) as runtime:
        loop = runtime._loop
        assert loop.is_running()
    assert loop.is_closed()
