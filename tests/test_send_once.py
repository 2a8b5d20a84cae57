"""Sending a call once (`agent.send_once`), the one way both the graph's call node and the MCP
server send: an interrupt raised while a call is being sent is let through the call node's
broad handler (a LangGraph interrupt is control flow, never an unknown result), and the call is
sent once after the answer."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from langgraph.types import interrupt

from agent.turns.service import SupportAgent
from tests.support.agent_fixtures import make_agent
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tools.outcome import Outcome, OutcomeKind

HOLD = {"kind": "hold", "question": "May this lookup go ahead?"}


class AsksBeforeSending:
    """The real executor, with a LangGraph interrupt raised inside its call before the request
    is sent: what a dependency asking a person mid-call does."""

    def __init__(self, executor: Any) -> None:
        self._executor = executor
        self.answers: list[Any] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._executor, name)

    async def execute(
        self, action: Any, args: dict[str, Any], *, idempotency_key: str | None = None
    ) -> Outcome:
        self.answers.append(interrupt(HOLD))
        return await self._executor.execute(action, args, idempotency_key=idempotency_key)


def _order_lookups(demo) -> list[dict]:
    return [r for r in demo.request_log if r["method"] == "GET" and r["path"] == "/api/orders/ORD-1001"]


async def test_an_interrupt_raised_while_a_call_is_sent_survives_the_call_node(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(tool_call("order_status", order_id="ORD-1001"), "It has shipped.")
    async with make_agent(tmp_path, fresh_demo_log, model) as live:
        executor = AsksBeforeSending(live.deps.executor)
        agent = SupportAgent(replace(live.deps, executor=executor))
        first = await agent.send("s1", "where is my order ORD-1001?")
        # the question is the turn's pending interrupt, not an outcome of the call
        assert first.interrupt == HOLD, first.events
        assert [e for e in first.events if e["type"] == "outcome"] == []
        assert _order_lookups(fresh_demo_log) == []
        answered = await agent.resume("s1", "yes")
    outcomes = [e for e in answered.events if e["type"] == "outcome"]
    assert [(o["action"], o["kind"]) for o in outcomes] == [("order_status", "ok")], answered.events
    assert executor.answers == ["yes"]
    assert len(_order_lookups(fresh_demo_log)) == 1


def test_was_sent_is_false_only_for_the_outcomes_of_calls_never_sent() -> None:
    for kind in OutcomeKind:
        outcome = Outcome(kind=kind, action="a", summary="s")
        assert outcome.was_sent is (kind not in (OutcomeKind.BLOCKED, OutcomeKind.CONFIG_ERROR))


class DatabaseFailsAfterSending:
    """The real executor; once the request has been answered, the call ledger's table is taken
    away, as a database that fails between the send and the record of its outcome."""

    def __init__(self, executor: Any, engine: Any) -> None:
        self._executor = executor
        self._engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self._executor, name)

    async def execute(
        self, action: Any, args: dict[str, Any], *, idempotency_key: str | None = None
    ) -> Outcome:
        outcome = await self._executor.execute(action, args, idempotency_key=idempotency_key)
        with self._engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE call_ledger RENAME TO call_ledger_away")
        return outcome


async def test_an_outcome_the_database_cannot_record_still_reaches_the_customer(tmp_path, fresh_demo_log):
    """The request left and was answered: a storage outage at the ledger's record of it loses
    neither the answer nor the repeat protection (the call stays started, never sent twice)."""
    model = ScriptedChatModel().script(tool_call("order_status", order_id="ORD-1001"), "It has shipped.")
    async with make_agent(tmp_path, fresh_demo_log, model) as live:
        engine = live.stores.engine
        agent = SupportAgent(
            replace(live.deps, executor=DatabaseFailsAfterSending(live.deps.executor, engine))
        )
        result = await agent.send("s1", "where is my order ORD-1001?")
        with engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE call_ledger_away RENAME TO call_ledger")
        record = await live.deps.ledger.get(next(iter(_started_keys(engine))))
    outcomes = [e for e in result.events if e["type"] == "outcome"]
    assert [(o["action"], o["kind"]) for o in outcomes] == [("order_status", "ok")], result.events
    assert result.reply is not None and "Status: shipped" in result.reply["text"]
    assert len(_order_lookups(fresh_demo_log)) == 1
    assert record is not None and record.outcome is None  # started, its outcome never recorded


def _started_keys(engine: Any) -> list[str]:
    with engine.begin() as connection:
        return [row[0] for row in connection.exec_driver_sql("SELECT key FROM call_ledger")]
