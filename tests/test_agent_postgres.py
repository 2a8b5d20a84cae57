"""The agent on PostgreSQL: storage and the LangGraph checkpointer both in the database.

A session started by one runtime is resumed by a fresh runtime (as after a restart, or on
another app instance), with nothing lost and no API call made twice.
"""

from __future__ import annotations

import pytest

from agent.wiring.runtime import open_agent, open_stores
from tests.support.agent_fixtures import demo_actions, settings_for
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tests.support.storage_fixtures import postgres_schema_url
from tools.executor import ExecutorSettings

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url():
    yield from postgres_schema_url()


async def test_a_session_moves_between_runtimes_on_postgres(tmp_path, fresh_demo_log, pg_url):
    settings = settings_for(tmp_path, fresh_demo_log, database_url=pg_url)
    assert settings.uses_postgres
    stores = open_stores(settings)
    stores.secrets.set("DEMO_API_TOKEN", fresh_demo_log.token)
    for action in demo_actions(fresh_demo_log.base_url):
        stores.actions.create(action)
    stores.engine.dispose()  # each runtime opens the stores again for itself
    executor_settings = ExecutorSettings(allow_hosts=(fresh_demo_log.host,))

    model = ScriptedChatModel().script(tool_call("cancel_order", order_id="ORD-1002"))
    async with open_agent(settings, model=model, executor_settings=executor_settings) as one:
        first = await one.send("pg-1", "cancel my order ORD-1002")
    assert first.interrupt is not None
    assert first.interrupt["kind"] == "confirm"

    model2 = ScriptedChatModel().script("Your order ORD-1002 is cancelled.")
    async with open_agent(settings, model=model2, executor_settings=executor_settings) as two:
        waiting = await two.pending_interrupt("pg-1")
        assert waiting is not None
        assert waiting["kind"] == "confirm"
        done = await two.resume("pg-1", {"decision": "approve"})
        transcript = await two.transcript("pg-1")
        counts = await two.session_state("pg-1")
        traces = two.turns("pg-1")
    assert done.reply is not None
    assert done.reply["text"] == "Your order ORD-1002 is cancelled."
    assert [t["role"] for t in transcript] == ["user", "assistant"]
    assert transcript[0]["text"] == "cancel my order ORD-1002"
    assert counts["run_counts"] == {"cancel_order": 1}
    assert len([r for r in fresh_demo_log.request_log if r["method"] == "DELETE"]) == 1
    assert [t["turn"] for t in traces] == [1, 2]
