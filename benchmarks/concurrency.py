"""Many sessions at once on the async path: throughput, latency, CPU and memory.

    .venv/bin/python -m benchmarks.concurrency [--sessions 1,10,100,500] [--latency-ms 50] [--json PATH]

The demo API runs in its own process with `--latency-ms` added to every request, so only the
agent's own CPU is counted. For each N, N sessions start together; each sends an action turn
(model -> API call -> model) and then a plain turn (`--chained`: then a chained turn of two
lookups, model -> call -> model -> call -> model). Variants, each with a file-backed
`AsyncSqliteSaver` (the async checkpointer the app uses by default) and the one pooled
`httpx.AsyncClient` of an `ActionExecutor`:

- service: `SupportAgent.send` (SQLite storage: catalog, secrets, traces, call ledger);
- graph: our compiled graph, `ainvoke` with the same context;
- peer: `langchain.agents.create_agent` over the same executor.

Ideal throughput at N is N times the single-session rate (turns per second of one session
alone, measured at N = 1): what perfect overlap of the waits would give. Efficiency is measured
over ideal. CPU is this process's time (`time.process_time`); peak RSS from `getrusage`;
memory per idle session is the growth in resident memory over the run, divided by N.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from benchmarks.common import (
    PLAIN_MESSAGE,
    BenchModel,
    action_message,
    bare_graph,
    chained_message,
    demo_api_process,
    header,
    machine,
    make_executor,
    now,
    peak_rss_mb,
    peer,
    postgres_schema,
    rss_mb,
    service,
    summary_ms,
    table,
    write_result,
)

DEFAULT_SESSIONS = (1, 10, 100, 500)
VARIANTS = ("service", "graph", "peer")
TARGET_EFFICIENCY_AT_100 = 0.9


async def _runner(
    variant: str,
    base_url: str,
    executor,
    saver,
    stack: AsyncExitStack,
    database_url: str | None = None,
    model: BenchModel | None = None,
):
    """A `turn(session, text) -> error or None` for the variant."""
    if variant == "service":
        agent = await stack.enter_async_context(
            service(base_url, saver, database_url=database_url, model=model)
        )

        async def turn(session: str, text: str) -> str | None:
            result = await agent.send(session, text)
            if result.trace.get("errors"):
                return "; ".join(result.trace["errors"])
            bad = [e for e in result.events if e["type"] == "outcome" and e.get("kind") != "ok"]
            return bad[0].get("summary") if bad else None

        return turn
    if variant == "graph":
        graph = bare_graph(base_url, executor, saver, model=model)

        async def turn(session: str, text: str) -> str | None:
            values = await graph.turn(session, text)
            outcome = values.get("outcome")
            return outcome["summary"] if outcome and outcome["kind"] != "ok" else None

        return turn
    prebuilt = peer(base_url, executor, saver, model=model)

    async def peer_turn(session: str, text: str) -> str | None:
        before = len(prebuilt.failures)
        await prebuilt.turn(session, text)
        return prebuilt.failures[-1] if len(prebuilt.failures) > before else None

    return peer_turn


async def one_run(
    variant: str, n: int, base_url: str, tmp: Path, checkpointer: str = "sqlite", chained: bool = False
) -> dict[str, Any]:
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    from storage.checkpoints import open_checkpointer

    gc.collect()
    rss_before = rss_mb()
    latencies: list[float] = []
    errors: list[str] = []
    async with AsyncExitStack() as stack:
        executor = make_executor(base_url)
        stack.push_async_callback(executor.aclose)
        db = tmp / f"{variant}-{n}.db"
        database_url = None
        if checkpointer == "postgres":  # checkpoints and the service's storage, a fresh schema
            database_url = stack.enter_context(postgres_schema())
            saver = await stack.enter_async_context(open_checkpointer(database_url, tmp))
        elif checkpointer == "sqlite":
            saver = await stack.enter_async_context(AsyncSqliteSaver.from_conn_string(str(db)))
        else:
            saver = InMemorySaver()
        model = BenchModel()
        turn = await _runner(variant, base_url, executor, saver, stack, database_url, model)
        texts = _texts(chained)
        # one warm-up session, not counted
        await turn(f"warm-{variant}-{n}", action_message(0))

        async def session(i: int) -> None:
            for text in texts(i):
                start = time.perf_counter()
                try:
                    error = await turn(f"{variant}-{n}-{i}", text)
                except Exception as exc:
                    error = f"{type(exc).__name__}: {exc}"
                latencies.append(time.perf_counter() - start)
                if error:
                    errors.append(error)

        calls0 = model.calls
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(session(i) for i in range(n)))
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        model_calls = model.calls - calls0
        gc.collect()
        rss_after = rss_mb()
    turns = len(texts(0)) * n
    return {
        "variant": variant,
        "sessions": n,
        "turns": turns,
        "model_calls_per_session": round(model_calls / n, 2),
        "wall_s": round(wall, 3),
        "turns_per_s": round(turns / wall, 1),
        "latency_ms": summary_ms(latencies),
        "cpu_s": round(cpu, 3),
        "cpu_ms_per_turn": round(cpu * 1000 / turns, 2),
        "cpu_utilisation": round(cpu / wall, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "idle_session_kb": round((rss_after - rss_before) * 1024 / n, 1),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:3],
    }


def _texts(chained: bool):
    """Each session's turns: an action turn, a plain turn, and with `chained` a chained turn."""

    def texts(i: int) -> tuple[str, ...]:
        plain = (action_message(i), PLAIN_MESSAGE)
        return (*plain, chained_message(i)) if chained else plain

    return texts


async def measure(
    sessions: list[int],
    latency_ms: float,
    variants: tuple[str, ...],
    checkpointer: str = "sqlite",
    chained: bool = False,
):
    rows = []
    with demo_api_process(latency_ms) as base_url, tempfile.TemporaryDirectory() as tmp:
        for variant in variants:
            for n in sessions:
                row = await one_run(variant, n, base_url, Path(tmp), checkpointer, chained)
                rows.append(row)
                print(
                    f"  {variant:8s} N={n:4d}  {row['turns_per_s']:8.1f} turns/s  "
                    f"p50 {row['latency_ms']['p50']:.1f} ms  errors {row['errors']}",
                    flush=True,
                )
    for variant in variants:
        mine = [r for r in rows if r["variant"] == variant]
        single = next((r for r in mine if r["sessions"] == 1), None)
        if single is None:
            continue
        # one session alone: its turns back to back, no waiting on anyone else
        single_rate = 1000 / statistics.fmean([single["latency_ms"]["mean"]])
        for r in mine:
            r["ideal_turns_per_s"] = round(single_rate * r["sessions"], 1)
            r["efficiency"] = round(r["turns_per_s"] / r["ideal_turns_per_s"], 3)
            r["cpu_bound_turns_per_s"] = round(1000 / r["cpu_ms_per_turn"], 1)
    return rows


def run(
    sessions: list[int],
    latency_ms: float,
    variants: tuple[str, ...] = VARIANTS,
    checkpointer: str = "sqlite",
    chained: bool = False,
):
    rows = asyncio.run(measure(sessions, latency_ms, variants, checkpointer, chained))
    return {
        "date": now(),
        "machine": machine(),
        "api_latency_ms": latency_ms,
        "checkpointer": checkpointer,
        "turns_per_session": ["action", "plain", "chained"] if chained else ["action", "plain"],
        "targets": {"efficiency_at_100": TARGET_EFFICIENCY_AT_100, "errors_at_500": 0},
        "runs": rows,
    }


def report(result: dict[str, Any]) -> str:
    rows = [
        (
            "variant",
            "N",
            "turns/s",
            "ideal",
            "efficiency",
            "p50 ms",
            "p95 ms",
            "CPU ms/turn",
            "CPU use",
            "peak RSS MB",
            "KB/idle session",
            "model calls/session",
            "errors",
        )
    ]
    for r in result["runs"]:
        rows.append(
            (
                r["variant"],
                r["sessions"],
                r["turns_per_s"],
                r.get("ideal_turns_per_s", ""),
                f"{r.get('efficiency', 0):.2f}",
                f"{r['latency_ms']['p50']:.1f}",
                f"{r['latency_ms']['p95']:.1f}",
                r["cpu_ms_per_turn"],
                f"{r['cpu_utilisation']:.2f}",
                r["peak_rss_mb"],
                r["idle_session_kb"],
                r["model_calls_per_session"],
                r["errors"],
            )
        )
    return table(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default=",".join(map(str, DEFAULT_SESSIONS)))
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument(
        "--checkpointer",
        choices=("sqlite", "memory", "postgres"),
        default="sqlite",
        help="AsyncSqliteSaver on a file (default), InMemorySaver, or PostgreSQL (the checkpointer "
        "and the service's storage in a fresh schema on DATABASE_TEST_URL)",
    )
    parser.add_argument(
        "--chained",
        action="store_true",
        help="a third turn per session: two lookups, the second chained after the first",
    )
    parser.add_argument("--quick", action="store_true", help="N = 1 and 3, 5 ms latency")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    sessions = [1, 3] if args.quick else sorted({int(s) for s in args.sessions.split(",") if s})
    latency = 5.0 if args.quick else args.latency_ms
    variants = tuple(v for v in args.variants.split(",") if v in VARIANTS)
    result = run(sessions, latency, variants, args.checkpointer, args.chained)
    print(header(result))
    print(report(result))
    name = "concurrency" if args.checkpointer == "sqlite" else f"concurrency_{args.checkpointer}"
    name += "_chained" if args.chained else ""
    print(f"\nwrote {write_result(name, result, args.json, quick=args.quick)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
