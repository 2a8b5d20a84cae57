"""What the service's guarantees cost per turn, each measured alone: the bound on the turn ratio.

    .venv/bin/python -m benchmarks.service_costs [--runs 500] [--database sqlite|postgres] [--json PATH]

`benchmarks.turn_overhead` shows the full `SupportAgent.send` beside the bare graph and the
prebuilt agent; this one takes the service's bookkeeping apart, on the same storage the service
uses (SQLite in a temporary folder, or `--database postgres`: a fresh schema), after a few real turns so every store and cache is warm:

- session lock: hold and let go of a session's lock (`SessionLocks.hold`);
- state read: the session's last checkpoint (`aget_state`), read before each turn to find a
  pending question or an unfinished turn;
- catalog check: the storage revision (`TurnRunner.refresh` with nothing changed);
- trace: building and redacting a stored action turn's trace, then writing it (the session
  row, the trace, the run-log rows) in a worker thread, as `TraceRecording.record` does;
- ledger: reserve before the request and finish after it (`CallLedger`, two transactions);
- secrets: what the executor reads per call in a turn (a template's secret, every value to
  mask), at the revision the turn read at its start;
- node spans: the graph run with the turn recorder's callbacks minus without (`TurnRecorder`).

The p50 of each, in ms, and their sums for an action turn (everything) and a plain turn (no
ledger, no secrets), beside the service's measured excess over the bare graph.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from benchmarks.common import (
    PLAIN_MESSAGE,
    action_message,
    bare_graph,
    demo_api_thread,
    header,
    machine,
    make_executor,
    now,
    postgres_schema,
    service,
    table,
    write_result,
)

ACTION_ONLY = ("ledger reserve + finish", "secrets read per call")
"""Costs a plain turn (no action call) does not pay."""


async def _p50_ms(work: Callable[[int], Awaitable[Any]], runs: int) -> float:
    times = []
    for i in range(runs):
        start = time.perf_counter()
        await work(i)
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 4)


async def measure(runs: int, database: str = "sqlite") -> dict[str, Any]:
    from agent.turns.tracing import TurnRecorder
    from storage.revision import reading_at

    costs: dict[str, float] = {}
    with demo_api_thread() as base_url:
        executor = make_executor(base_url)
        async with AsyncExitStack() as stack:
            database_url = stack.enter_context(postgres_schema()) if database == "postgres" else None
            agent = await stack.enter_async_context(
                service(base_url, InMemorySaver(), database_url=database_url)
            )
            deps, runner = agent.deps, agent._runner
            for i in range(10):  # warm every store, cache and compiled statement
                action = await agent.send(f"warm-{i}", action_message(i))
                await agent.send(f"warm-{i}", PLAIN_MESSAGE)
            trace = action.trace
            locks = deps.session_locks
            assert locks is not None, "the service runs with session locks"

            async def lock(i: int) -> None:
                async with locks.hold(f"lock-{i}"):
                    pass

            async def record(i: int) -> None:
                redacted = agent.redactor.data(dict(trace))
                await asyncio.to_thread(deps.traces.record_turn, f"rec-{i % 50}", redacted, channel="chat")

            async def ledger(i: int) -> None:
                assert deps.ledger is not None
                key = f"bench-{i}"
                await deps.ledger.reserve(key, session_id=f"led-{i % 30}", action="a", limit=None, budget=100)
                await deps.ledger.finish(key, {"kind": "ok"})

            revision = deps.store.revision()

            async def secrets(i: int) -> None:  # as in a turn: read at the turn's revision
                source = deps.secrets  # the executor's secret source
                assert source is not None
                with reading_at(revision):
                    await source.get_secret("DEMO_API_TOKEN")
                    await source.secret_values()

            costs["session lock"] = await _p50_ms(lock, runs)
            costs["state read"] = await _p50_ms(lambda i: runner.state(f"warm-{i % 10}"), runs)
            costs["catalog check"] = await _p50_ms(lambda i: runner.refresh(), runs)
            costs["trace: redact + write"] = await _p50_ms(record, runs)
            costs["ledger reserve + finish"] = await _p50_ms(ledger, runs)
            costs["secrets read per call"] = await _p50_ms(secrets, runs)

            graph = bare_graph(base_url, executor, InMemorySaver())

            async def plain_turn(i: int, callbacks: list[Any]) -> None:
                config = {"configurable": {"thread_id": f"cb-{i}-{len(callbacks)}"}, "callbacks": callbacks}
                await graph.graph.ainvoke(
                    {"messages": [HumanMessage(PLAIN_MESSAGE)], "channel": "chat"},
                    config,
                    context=graph.context,
                )

            with_spans = await _p50_ms(lambda i: plain_turn(i, [TurnRecorder()]), runs)
            without = await _p50_ms(lambda i: plain_turn(i, []), runs)
            costs["node spans (plain turn)"] = round(with_spans - without, 4)
        await executor.aclose()
    action_sum = round(sum(costs.values()), 3)
    plain_sum = round(sum(v for k, v in costs.items() if k not in ACTION_ONLY), 3)
    return {"costs_ms": costs, "action_turn_sum_ms": action_sum, "plain_turn_sum_ms": plain_sum}


def run(runs: int, database: str = "sqlite") -> dict[str, Any]:
    measured = asyncio.run(measure(runs, database))
    return {"date": now(), "machine": machine(), "runs": runs, "database": database, **measured}


def report(result: dict[str, Any]) -> str:
    rows: list[tuple[str, str]] = [(f"what the service adds per turn ({result['database']})", "p50 ms")]
    rows += [(k, f"{v:.3f}") for k, v in result["costs_ms"].items()]
    rows.append(("sum, action turn", f"{result['action_turn_sum_ms']:.3f}"))
    rows.append(("sum, plain turn", f"{result['plain_turn_sum_ms']:.3f}"))
    return table(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="20 runs of each")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run(20 if args.quick else args.runs, args.database)
    print(header(result))
    print(report(result))
    print(f"\nwrote {write_result('service_costs', result, args.json, quick=args.quick)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
