"""A PostgreSQL restart under a running app: every turn after it is answered, nothing is lost.

The restart is simulated by terminating every server backend of this test's connections (they
carry their own `application_name`, so concurrent test runs are not hit): the app's pooled
connections, the checkpointer's and the storage engine's, are then all dead, as after a restart.
"""

from __future__ import annotations

import asyncio
import threading
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from agent.turns.service import FALLBACK_REPLY
from agent.wiring.runtime import open_agent, open_stores
from storage.checkpoints import open_checkpointer
from storage.traces import TraceStore
from tests.conftest import POSTGRES_URL
from tests.support.agent_fixtures import demo_actions, settings_for
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tests.support.storage_fixtures import postgres_schema_url
from tests.support.tcp_proxy import TcpProxy, tcp_proxy
from tools.executor import ExecutorSettings

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # backends terminated, waits for reconnection


@pytest.fixture
def app_name() -> str:
    return f"restart-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def pg_url(app_name):
    for url in postgres_schema_url():
        yield (
            make_url(url)
            .update_query_dict({"application_name": app_name})
            .render_as_string(hide_password=False)
        )


def _backends(app_name: str, *, terminate: bool) -> int:
    """How many server backends serve this test's connections (terminated when asked)."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            what = "pg_terminate_backend(pid)" if terminate else "pid"
            rows = conn.execute(
                text(
                    f"SELECT {what} FROM pg_stat_activity "
                    "WHERE application_name = :name AND pid <> pg_backend_pid()"
                ),
                {"name": app_name},
            ).all()
        return len(rows)
    finally:
        admin.dispose()


async def _gone(app_name: str) -> None:
    """Wait until the terminated backends have exited (termination is only signalled)."""
    for _ in range(100):
        if _backends(app_name, terminate=False) == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the terminated backends are still there")


async def test_turns_after_a_restart_are_answered(tmp_path, fresh_demo_log, pg_url, app_name):
    settings = settings_for(tmp_path, fresh_demo_log, database_url=pg_url)
    stores = open_stores(settings)
    stores.secrets.set("DEMO_API_TOKEN", fresh_demo_log.token)
    for action in demo_actions(fresh_demo_log.base_url):
        stores.actions.create(action)
    executor_settings = ExecutorSettings(allow_hosts=(fresh_demo_log.host,))
    warm = 6
    turns_after = 12
    model = ScriptedChatModel().script(
        *[f"warm-up answer {i}" for i in range(warm)],
        *[f"answer {i} after the restart" for i in range(turns_after)],
        tool_call("order_status", order_id="ORD-1001"),
        "Your order ORD-1001 has shipped.",
    )
    async with open_agent(settings, model=model, stores=stores, executor_settings=executor_settings) as agent:
        # Concurrent turns fill the checkpointer's pool with several connections.
        await asyncio.gather(*(agent.send(f"warm-{i}", "hello") for i in range(warm)))
        dead = _backends(app_name, terminate=True)
        assert dead >= 2, "the app holds several connections before the restart"
        await _gone(app_name)
        assert turns_after > dead
        # A catalog write first: the storage engine's pooled connections are all dead too.
        stores.actions.create({**demo_actions(fresh_demo_log.base_url)[0], "name": "order_again"})

        replies = []
        for i in range(turns_after):  # more turns than there were dead connections
            result = await agent.send(f"after-{i % 3}", f"message {i} after the restart")
            assert result.reply is not None
            replies.append(result.reply["text"])
            assert result.trace["errors"] == []
        lookup = await agent.send("after-order", "where is ORD-1001?")  # the ledger writes too
        traces = [agent.turns(f"after-{i}") for i in range(3)]
    assert replies == [f"answer {i} after the restart" for i in range(turns_after)]
    assert lookup.reply is not None
    assert "Your order ORD-1001 has shipped." in lookup.reply["text"]
    assert [e["kind"] for e in lookup.events if e["type"] == "outcome"] == ["ok"]
    assert [len(t) for t in traces] == [4, 4, 4]
    assert "order_again" in {a.name for a in stores.actions.list()}


# -- the database unavailable for longer than the retries ------------------------------------------
@pytest.fixture
def schema_url():
    yield from postgres_schema_url()


def _through(proxy: TcpProxy, url: str) -> str:
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


@pytest.fixture
def db_proxy():
    target = make_url(POSTGRES_URL)
    with tcp_proxy((target.host or "127.0.0.1", target.port or 5432)) as proxy:
        yield proxy


async def _seeded(settings, demo_api):
    stores = open_stores(settings)
    stores.secrets.set("DEMO_API_TOKEN", demo_api.token)
    for action in demo_actions(demo_api.base_url):
        stores.actions.create(action)
    return stores


async def test_a_turn_the_database_fails_apologises_and_keeps_the_message(
    tmp_path, fresh_demo_log, schema_url, db_proxy
):
    settings = settings_for(tmp_path, fresh_demo_log, database_url=_through(db_proxy, schema_url))
    stores = await _seeded(settings, fresh_demo_log)
    model = ScriptedChatModel().script("Hi, how can I help?", "Sorry about that: let me look.")
    executor_settings = ExecutorSettings(allow_hosts=(fresh_demo_log.host,))
    async with open_agent(settings, model=model, stores=stores, executor_settings=executor_settings) as agent:
        await agent.send("s", "hello")
        db_proxy.down()
        token = fresh_demo_log.token  # a secret the customer pasted: masked like in any trace
        texts = ["my parcel arrived damaged", f"are you there? my key is {token}"]
        during = [await agent.send("s", t) for t in texts]
        db_proxy.up()
        after = await agent.send("s", "hello again")
        shown = agent.turns("s")
    masked = [texts[0], "are you there? my key is ***"]
    for result, sent in zip(during, masked, strict=False):
        assert result.reply is not None
        assert result.reply["text"] == FALLBACK_REPLY  # answered, not raised
        assert result.events[0] == {"type": "user", "text": sent}
        assert result.turn == 0
        assert result.trace["errors"][0].startswith("storage unavailable: OperationalError")
    assert after.reply is not None
    assert after.reply["text"] == "Sorry about that: let me look."
    assert after.trace["errors"] == [] and after.turn == 4
    assert len(agent.unsaved) == 0
    stored = TraceStore(stores.engine).turns("s")  # what is in the database now
    assert shown == stored
    assert [t["turn"] for t in stored] == [1, 2, 3, 4]
    assert [t["events"][0].get("text") for t in stored] == ["hello", *masked, "hello again"]
    assert token not in repr(stored)
    assert [t["events"][-1]["text"] for t in stored[1:3]] == [FALLBACK_REPLY] * 2
    assert len(model.calls) == 2  # the turns the database failed never reached the model


async def test_an_answer_the_database_fails_leaves_the_question_pending(
    tmp_path, fresh_demo_log, schema_url, db_proxy
):
    settings = settings_for(tmp_path, fresh_demo_log, database_url=_through(db_proxy, schema_url))
    stores = await _seeded(settings, fresh_demo_log)
    model = ScriptedChatModel().script(
        tool_call("cancel_order", order_id="ORD-1002"), "Your order ORD-1002 is cancelled."
    )
    executor_settings = ExecutorSettings(allow_hosts=(fresh_demo_log.host,))
    async with open_agent(settings, model=model, stores=stores, executor_settings=executor_settings) as agent:
        asked = await agent.send("s", "cancel my order ORD-1002")
        db_proxy.down()
        during = await agent.resume("s", {"decision": "approve"})
        db_proxy.up()
        still = await agent.pending_interrupt("s")
        done = await agent.resume("s", {"decision": "approve"})
    assert asked.interrupt is not None
    assert asked.interrupt["kind"] == "confirm"
    assert during.reply is not None
    assert during.reply["text"] == FALLBACK_REPLY
    assert during.events[0] == {"type": "resume", "value": {"decision": "approve"}}
    assert still is not None
    assert still["kind"] == "confirm"  # the question is still there to answer
    assert done.reply is not None
    assert done.reply["text"] == "Your order ORD-1002 is cancelled."
    assert len([r for r in fresh_demo_log.request_log if r["method"] == "DELETE"]) == 1
    kinds = [t["input"]["kind"] for t in TraceStore(stores.engine).turns("s")]
    assert kinds == ["message", "resume", "resume"]


async def test_a_trace_the_database_cannot_take_waits_for_it(tmp_path, fresh_demo_log, schema_url, db_proxy):
    """Storage goes down in the middle of a turn whose conversation state is elsewhere: the
    customer gets the real answer, and the trace is stored once the database is back."""
    settings = settings_for(tmp_path, fresh_demo_log, database_url=_through(db_proxy, schema_url))
    stores = await _seeded(settings, fresh_demo_log)

    def answer_and_cut(messages, kwargs):
        db_proxy.down()
        return "Your order ORD-1001 has shipped."

    model = ScriptedChatModel().script("Hi!", answer_and_cut, "Glad to help.")
    executor_settings = ExecutorSettings(allow_hosts=(fresh_demo_log.host,))
    async with (
        open_checkpointer(schema_url, tmp_path) as saver,
        open_agent(
            settings, model=model, stores=stores, checkpointer=saver, executor_settings=executor_settings
        ) as agent,
    ):
        await agent.send("s", "hi")
        cut = await agent.send("s", "where is my order ORD-1001?")
        assert len(agent.unsaved) == 1
        waiting = agent.unsaved.of("s")
        db_proxy.up()
        after = await agent.send("s", "thanks")
    assert cut.reply is not None
    assert cut.reply["text"] == "Your order ORD-1001 has shipped."
    assert cut.turn == 0 and cut.trace["errors"] == []
    assert waiting[0]["events"][0]["text"] == "where is my order ORD-1001?"
    assert after.turn == 3
    stored = TraceStore(stores.engine).turns("s")
    assert [t["turn"] for t in stored] == [1, 2, 3]
    assert stored[1]["events"][-1]["text"] == "Your order ORD-1001 has shipped."


async def test_a_restart_in_the_middle_of_a_turn_is_waited_out(
    tmp_path, fresh_demo_log, schema_url, db_proxy
):
    settings = settings_for(tmp_path, fresh_demo_log, database_url=_through(db_proxy, schema_url))
    stores = await _seeded(settings, fresh_demo_log)

    def answer_during_a_restart(messages, kwargs):
        db_proxy.down()
        threading.Timer(1.5, db_proxy.up).start()  # the server is back 1.5 s later
        return "Your order ORD-1001 has shipped."

    model = ScriptedChatModel().script("Hi!", answer_during_a_restart, "Glad to help.")
    executor_settings = ExecutorSettings(allow_hosts=(fresh_demo_log.host,))
    async with open_agent(settings, model=model, stores=stores, executor_settings=executor_settings) as agent:
        await agent.send("s", "hi")
        during = await agent.send("s", "where is my order ORD-1001?")
        after = await agent.send("s", "thanks")
        transcript = await agent.transcript("s")
    assert during.reply is not None
    assert during.reply["text"] == "Your order ORD-1001 has shipped."
    assert during.trace["errors"] == [] and during.turn == 2
    assert after.reply is not None
    assert after.reply["text"] == "Glad to help." and after.turn == 3
    assert [t["text"] for t in transcript] == [
        "hi",
        "Hi!",
        "where is my order ORD-1001?",
        "Your order ORD-1001 has shipped.",
        "thanks",
        "Glad to help.",
    ]


async def test_a_message_typed_during_an_outage_outlives_the_process(
    tmp_path, fresh_demo_log, schema_url, db_proxy
):
    """The process that took the message ends before the database is back: the message waits in
    the data dir's spool (masked), and the next process stores it before its first turn."""
    settings = settings_for(tmp_path, fresh_demo_log, database_url=_through(db_proxy, schema_url))
    stores = await _seeded(settings, fresh_demo_log)
    token = fresh_demo_log.token
    first = ScriptedChatModel().script("Hi, how can I help?")
    async with open_agent(settings, model=first, stores=stores) as agent:
        await agent.send("s", f"hello, my key is {token}")  # the session's title: masked too
        db_proxy.down()
        during = await agent.send("s", f"my parcel arrived damaged, my key is {token}")
    # the process ends here, the database still down: what it kept in memory is gone
    assert during.reply is not None and during.reply["text"] == FALLBACK_REPLY
    assert during.events[0]["text"] == "my parcel arrived damaged, my key is ***", during.events
    spooled = list((tmp_path / "unsaved-turns").glob("*.json"))
    assert len(spooled) == 1 and token not in spooled[0].read_text()
    assert oct(spooled[0].stat().st_mode & 0o777) == "0o600"
    db_proxy.up()
    later = ScriptedChatModel().script("Sorry to hear that: let me look.")
    async with open_agent(settings, model=later, stores=open_stores(settings)) as agent:
        after = await agent.send("s", "hello again")
    assert after.reply is not None and after.reply["text"] == "Sorry to hear that: let me look."
    stored = TraceStore(stores.engine).turns("s")
    assert [t["turn"] for t in stored] == [1, 2, 3]
    assert [t["events"][0].get("text") for t in stored] == [
        "hello, my key is ***",
        "my parcel arrived damaged, my key is ***",
        "hello again",
    ]
    assert list((tmp_path / "unsaved-turns").glob("*.json")) == []  # stored, so no longer waiting
    assert token not in repr(TraceStore(stores.engine).sessions())  # nor in the session's title
