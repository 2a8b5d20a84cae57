"""Two app instances on one database take turns of the same session one at a time, so neither
mistakes the other's running turn for one a crashed process left unfinished."""

from __future__ import annotations

import asyncio

import pytest

from agent.runtime import open_agent, open_stores
from tests.agent_fixtures import demo_actions, settings_for
from tests.scripted_model import ScriptedChatModel
from tests.storage_fixtures import postgres_schema_url
from tools.executor import ExecutorSettings


class SlowModel(ScriptedChatModel):
    """Answers after a pause, so two turns certainly overlap."""

    async def _agenerate(self, messages, stop=None, run_manager=None, **kw):
        await asyncio.sleep(0.4)
        return await super()._agenerate(messages, stop, run_manager, **kw)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request):
    if request.param == "sqlite":
        yield None
    else:
        yield from postgres_schema_url()


async def test_two_instances_serialise_turns_of_one_session(tmp_path, fresh_demo_log, database_url):
    settings = settings_for(tmp_path, fresh_demo_log, database_url=database_url)
    stores = open_stores(settings)
    for action in demo_actions(fresh_demo_log.base_url):
        stores.actions.create(action)
    executor_settings = ExecutorSettings(allow_hosts=(fresh_demo_log.host,))
    one, two = SlowModel().script("answer from one"), SlowModel().script("answer from two")
    async with open_agent(settings, model=one, executor_settings=executor_settings) as a, \
            open_agent(settings, model=two, executor_settings=executor_settings) as b:  # fmt: skip
        first, second = await asyncio.gather(
            a.send("shared", "hello from tab one"),
            b.send("shared", "hello from tab two"),
        )
        transcript = await a.transcript("shared")
    for result in (first, second):
        assert [e["type"] for e in result.events] == ["user", "assistant"]  # no "recover"
        assert result.trace["errors"] == []
    assert {first.reply["text"], second.reply["text"]} == {"answer from one", "answer from two"}
    assert [t["role"] for t in transcript] == ["user", "assistant", "user", "assistant"]
    assert len(one.calls) == len(two.calls) == 1
