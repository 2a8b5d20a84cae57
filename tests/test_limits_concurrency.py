"""Suite 6 — limits under concurrency: a session never exceeds its trigger limit or budget.

Turns of one session race each other in every way a deployment allows:

* two browser tabs: concurrent `agent.send` on one `SupportAgent` (`asyncio.gather`);
* two app instances in one event loop: two `open_agent` runtimes on the same SQLite files;
* two app instances in two threads, each with its own event loop, on the same SQLite files;
* two app instances on the same PostgreSQL schema.

Every attempt is a POST the model insists on (the scripted model always picks the action the
customer names). The server counts what really arrived; for each round (a fresh session) the
count must equal the limit exactly: never more (the ledger reserves atomically before the
request), never less (an attempt is refused only once the limit is really used up).
"""

from __future__ import annotations

import asyncio
import json
import threading
import traceback
from collections.abc import Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from cryptography.fernet import Fernet
from langchain_core.messages import HumanMessage

from agent.state import Limits
from agent.wiring.runtime import open_agent, open_stores
from agent.wiring.settings import Settings
from tests.support.fault_servers import Hits, fault_app
from tests.support.scripted_model import ScriptedChatModel
from tests.support.servers import serve
from tests.support.storage_fixtures import postgres_schema_url
from tests.support.suite_report import Tally
from tools.executor import ExecutorSettings

pytestmark = pytest.mark.slow  # many concurrent turns, two instances

BOOK_LIMIT = 2
"""`book_slot`'s trigger limit (max_runs_per_session)."""
BUDGET = 3
"""The per-session action budget in the budget rounds."""


@dataclass
class Counter:
    base: str
    hits: Hits
    host: str

    def sent(self, session: str, path: str) -> int:
        """POSTs that reached `path` for `session` (the session is in every note sent)."""
        return sum(
            1
            for h in self.hits.select(method="POST", path=path)
            if json.loads(h["body"])["note"].startswith(f"{session}/")
        )


@pytest.fixture(scope="module")
def counter() -> Iterator[Counter]:
    app = fault_app()
    with serve(app) as base:
        yield Counter(base=base, hits=app.state.hits, host=base.split("://", 1)[1])


def actions(base: str) -> list[dict]:
    def post(name: str, path: str, limit: int | None) -> dict:
        return {
            "name": name,
            "title": name.replace("_", " ").capitalize(),
            "method": "POST",
            "url": f"{base}{path}?delay=0.02",
            "body": '{"note": "{{note}}"}',
            "requires_confirmation": False,
            "max_runs_per_session": limit,
            "inputs": [{"name": "note", "type": "string", "description": "Reference"}],
            "trigger": f"Use when the customer asks to {name.replace('_', ' ')}.",
            "response_format": "text",
        }

    return [post("book_slot", "/count/book", BOOK_LIMIT), post("send_voucher", "/count/voucher", None)]


def insist(messages, kwargs):
    """The model that always wants to: "book S/n" -> book_slot, "voucher S/n" -> send_voucher."""
    if "<api_result" in str(messages[0].content):
        return "Done."
    text = next(m.content for m in reversed(messages) if isinstance(m, HumanMessage))
    assert isinstance(text, str)
    verb, note = text.split(" ", 1)
    return {"tool": "book_slot" if verb == "book" else "send_voucher", "args": {"note": note}}


def settings_for(tmp_path, counter: Counter, database_url: str | None = None) -> Settings:
    settings = Settings(
        data_dir=tmp_path,
        allow_hosts=(counter.host,),
        database_url=database_url,
        secret_key=Fernet.generate_key().decode(),
    )
    stores = open_stores(settings)
    for action in actions(counter.base):
        stores.actions.create(action)
    stores.engine.dispose()
    return settings


@asynccontextmanager
async def instance(settings: Settings, counter: Counter, limits: Limits):
    """One app instance: its own stores, checkpointer connection, executor and lock."""
    stores = open_stores(settings)
    model = ScriptedChatModel().script(*[insist] * 2000)
    try:
        async with open_agent(
            settings,
            model=model,
            model_label="scripted",
            stores=stores,
            limits=limits,
            executor_settings=ExecutorSettings(allow_hosts=(counter.host,)),
        ) as agent:
            yield agent
    finally:
        stores.engine.dispose()


def attempts(session: str, books: int, vouchers: int = 0) -> list[str]:
    return [f"book {session}/{i}" for i in range(books)] + [f"voucher {session}/{i}" for i in range(vouchers)]


async def race(agents: list, session: str, texts: list[str]) -> None:
    """Every text sent at once, spread over the instances; every turn must end normally."""
    results = await asyncio.gather(
        *(agents[i % len(agents)].send(session, t) for i, t in enumerate(texts)),
        return_exceptions=True,
    )
    failed = [r for r in results if isinstance(r, BaseException)]
    assert not failed, "".join(traceback.format_exception(failed[0])) if failed else ""


def check(counter: Counter, agents: list, session: str, *, budget: bool) -> None:
    books = counter.sent(session, "/count/book")
    vouchers = counter.sent(session, "/count/voucher")
    ledger = agents[0].deps.ledger.count(session_id=session)
    if budget:
        assert books <= BOOK_LIMIT and books + vouchers == BUDGET, (books, vouchers)
    else:
        assert books == BOOK_LIMIT, books
    assert ledger == books + vouchers, (ledger, books, vouchers)


ROUNDS = 6


async def test_limits_hold_for_concurrent_turns_in_one_and_two_instances(tmp_path, counter, request):
    tally = Tally("suite 6 limits under concurrency (SQLite: tabs, two instances, budget)")
    limit_only = Limits(max_actions_per_session=50)
    budget = Limits(max_actions_per_session=BUDGET)

    settings = settings_for(tmp_path / "one", counter)
    async with instance(settings, counter, limit_only) as one:
        for r in range(ROUNDS):  # two tabs, one instance: its per-session lock serialises them
            with tally.case(f"tabs round {r}"):
                await race([one], f"tabs-{r}", attempts(f"tabs-{r}", 6))
                check(counter, [one], f"tabs-{r}", budget=False)

    settings = settings_for(tmp_path / "two", counter)
    async with instance(settings, counter, limit_only) as a, instance(settings, counter, limit_only) as b:
        for r in range(ROUNDS):  # two instances, same files: only the ledger stands between them
            with tally.case(f"two instances round {r}"):
                await race([a, b], f"pair-{r}", attempts(f"pair-{r}", 6))
                check(counter, [a, b], f"pair-{r}", budget=False)

    settings = settings_for(tmp_path / "budget", counter)
    async with instance(settings, counter, budget) as a, instance(settings, counter, budget) as b:
        for r in range(ROUNDS):
            with tally.case(f"budget, two instances round {r}"):
                session = f"budget-{r}"
                await race([a, b], session, attempts(session, 3, 4))
                check(counter, [a, b], session, budget=True)

    tally.finish(request, expected=3 * ROUNDS)


def test_limits_hold_for_two_instances_in_two_threads(tmp_path, counter, request):
    """Each thread runs its own event loop with two instances (four turns at once in all);
    a barrier starts each round in both threads together."""
    tally = Tally("suite 6 limits under concurrency (SQLite: two instances in two threads)")
    settings = settings_for(tmp_path, counter)
    barrier = threading.Barrier(2, timeout=60)
    errors: list[BaseException] = []

    def run(side: int) -> None:
        async def rounds() -> None:
            limits = Limits(max_actions_per_session=50)
            async with instance(settings, counter, limits) as a, instance(settings, counter, limits) as b:
                for r in range(ROUNDS):
                    await asyncio.to_thread(barrier.wait)
                    texts = attempts(f"threads-{r}", 8)[side::2]
                    await race([a, b], f"threads-{r}", texts)

        try:
            asyncio.run(rounds())
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(side,)) for side in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, "\n".join("".join(traceback.format_exception(e)) for e in errors)
    for r in range(ROUNDS):
        with tally.case(f"threads round {r}"):
            assert counter.sent(f"threads-{r}", "/count/book") == BOOK_LIMIT
    tally.finish(request, expected=ROUNDS)


@pytest.mark.postgres
async def test_limits_hold_for_two_instances_on_postgres(tmp_path, counter, request):
    tally = Tally("suite 6 limits under concurrency (PostgreSQL: two instances, limit and budget)")
    for pg_url in postgres_schema_url():
        settings = settings_for(tmp_path, counter, database_url=pg_url)
        limits = Limits(max_actions_per_session=BUDGET)
        async with instance(settings, counter, limits) as a, instance(settings, counter, limits) as b:
            for r in range(ROUNDS):
                with tally.case(f"postgres limit round {r}"):
                    await race([a, b], f"pg-{r}", attempts(f"pg-{r}", 6))
                    check(counter, [a, b], f"pg-{r}", budget=False)
                with tally.case(f"postgres budget round {r}"):
                    await race([a, b], f"pgb-{r}", attempts(f"pgb-{r}", 3, 4))
                    check(counter, [a, b], f"pgb-{r}", budget=True)
    tally.finish(request, expected=2 * ROUNDS)
