"""The run log page's queries at 100,000 action runs, on SQLite and on PostgreSQL.

    .venv/bin/python -m benchmarks.run_log                    # 100,000 runs, 5 timed repeats
    .venv/bin/python -m benchmarks.run_log --runs 20000 --repeats 3 --postgres URL
    .venv/bin/python -m benchmarks.run_log --quick            # 2,000 runs: a smoke run

Seeds `action_runs` with `--runs` rows and `turn_flags` with one row per two runs (a tenth of
them messages that matched no action, over 300 topics), spread over 90 days, 40 actions, two
channels and every outcome class, with bulk inserts and then ANALYZE (VACUUM ANALYZE on
PostgreSQL, as its autovacuum would have run on a live table). Then times each query the page makes
(`storage.run_log.RunLog`, `TraceStore.sessions`) with the page's default filter (the last 30
days, previews left out) and with narrower ones; the median of `--repeats` runs after one
warm-up. PostgreSQL gets a fresh schema, dropped afterwards; it is skipped (and said so) when
the server is unreachable. The SQLite database is a file in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine

from benchmarks.common import header, machine, now, table, write_result
from storage.db import fresh_postgres_schema, init_db, make_engine
from storage.run_log import NOT_RUN, RunFilter, RunLog
from storage.run_tables import ActionRunRow, SessionRow, TurnFlagsRow
from storage.traces import TraceStore

POSTGRES_URL = os.environ.get("DATABASE_TEST_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DAYS = 90
ACTIONS = 40
OUTCOMES = (
    ("ok", 0.86),
    ("http_error", 0.05),
    ("timeout", 0.02),
    ("network", 0.01),
    ("invalid_response", 0.01),
    ("config_error", 0.01),
    (NOT_RUN, 0.04),
)
REASONS = ("limit", "budget", "repeat", "rejected", "cancelled")
BATCH = 5000
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def seed(engine: Engine, runs: int, rng: random.Random) -> None:
    """Bulk-insert `runs` action runs, their turns' flags and sessions, then ANALYZE."""
    turns = max(1, runs // 2)
    sessions = max(1, turns // 3)
    kinds, weights = zip(*OUTCOMES, strict=True)
    start = NOW - timedelta(days=DAYS)
    span = DAYS * 86400
    with engine.begin() as conn:
        for first in range(0, sessions, BATCH):
            conn.execute(
                insert(SessionRow),
                [
                    {
                        "session_id": f"s{n}",
                        "channel": "chat",
                        "title": "",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for n in range(first, min(sessions, first + BATCH))
                ],
            )
        for first in range(0, runs, BATCH):
            rows = []
            for n in range(first, min(runs, first + BATCH)):
                outcome = rng.choices(kinds, weights)[0]
                turn = n // 2
                sent = outcome != NOT_RUN
                rows.append(
                    {
                        "at": start + timedelta(seconds=rng.randrange(span)),
                        "session_id": ("preview-" if turn % 50 == 0 else "") + f"s{turn // 3}",
                        "turn": turn % 3 + 1,
                        "channel": "email" if turn % 4 == 0 else "chat",
                        "action": f"action_{int(rng.paretovariate(1.2)) % ACTIONS:02d}",
                        "outcome": outcome,
                        "reason": None if sent else rng.choice(REASONS),
                        "status": (200 if outcome == "ok" else 500)
                        if outcome in ("ok", "http_error")
                        else None,
                        "latency_ms": round(rng.lognormvariate(4.5, 0.8), 3) if sent else None,
                        "attempts": 1 if sent else 0,
                    }
                )
            conn.execute(insert(ActionRunRow), rows)
        for first in range(0, turns, BATCH):
            rows = []
            for turn in range(first, min(turns, first + BATCH)):
                unmatched = turn % 10 == 0
                topic = rng.randrange(300)
                rows.append(
                    {
                        "at": start + timedelta(seconds=rng.randrange(span)),
                        "session_id": f"s{turn // 3}",
                        "turn": turn % 3 + 1,
                        "channel": "chat",
                        "failed": turn % 17 == 0,
                        "limit_hit": turn % 41 == 0,
                        "refused": turn % 53 == 0,
                        "unmatched": unmatched,
                        "message": f"question number {topic} about something" if unmatched else None,
                        "message_key": f"topic {topic}" if unmatched else None,
                    }
                )
            conn.execute(insert(TurnFlagsRow), rows)
    # statistics and (PostgreSQL) the visibility map, as autovacuum keeps them on a live table
    statement = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(statement))


def queries(engine: Engine) -> dict[str, Callable[[], Any]]:
    log, traces = RunLog(engine), TraceStore(engine)
    page_filter = RunFilter(
        since=NOW - timedelta(days=30), until=NOW + timedelta(days=1), exclude_session_prefix="preview-"
    )
    narrow = RunFilter(
        actions=("action_01",),
        outcomes=("http_error", "timeout"),
        since=page_filter.since,
        until=page_filter.until,
    )
    everything = RunFilter()
    return {
        "filter choices (distinct action, outcome, channel)": log.choices,
        "first page of 50 + total, last 30 days": lambda: log.page(page_filter),
        "last page of 50 + total, all rows (offset)": lambda: log.page(
            everything, offset=log.page(everything, size=1).total - 50
        ),
        "one action, two outcomes, 30 days": lambda: log.page(narrow),
        "runs per action per day, 30 days": lambda: log.runs_per_action_per_day(page_filter),
        "outcome classes per day, 30 days": lambda: log.outcomes_per_day(page_filter),
        "p50 / p95 latency per action, 30 days": lambda: log.latency_by_action(page_filter),
        "p50 / p95 latency per action, all rows": lambda: log.latency_by_action(everything),
        "limit hits per day, 30 days": lambda: log.limit_hits_per_day(page_filter),
        "unmatched messages grouped, 30 days": lambda: log.unmatched(page_filter),
        "traces: conversations with errors": lambda: traces.sessions(limit=200, flagged=("error",)),
        "CSV export, 30 days": lambda: log.export_csv(page_filter),
    }


PAGE_QUERIES = (
    "filter choices (distinct action, outcome, channel)",
    "first page of 50 + total, last 30 days",
    "runs per action per day, 30 days",
    "outcome classes per day, 30 days",
    "p50 / p95 latency per action, 30 days",
    "limit hits per day, 30 days",
    "unmatched messages grouped, 30 days",
)
"""What one view of the page runs with its default filters (the export runs on a click)."""


def time_queries(engine: Engine, repeats: int) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, run in queries(engine).items():
        run()  # warm-up: the statement cache and the database's pages
        seconds = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            run()
            seconds.append(time.perf_counter() - t0)
        out[name] = round(statistics.median(seconds) * 1000, 2)
    out["whole page view (sum of the page's queries)"] = round(sum(out[q] for q in PAGE_QUERIES), 2)
    return out


@contextmanager
def sqlite_engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def postgres_engine(url: str) -> Iterator[Engine]:
    with fresh_postgres_schema(url, prefix="bench") as schema_url:
        engine = make_engine(schema_url)
        try:
            yield engine
        finally:
            engine.dispose()


def measure(engine: Engine, runs: int, repeats: int, seed_value: int) -> dict[str, Any]:
    init_db(engine)
    t0 = time.perf_counter()
    seed(engine, runs, random.Random(seed_value))
    seeded = time.perf_counter() - t0
    return {"seed_s": round(seeded, 2), "queries_ms": time_queries(engine, repeats)}


def run(runs: int, repeats: int, postgres_url: str | None, seed_value: int = 0) -> dict[str, Any]:
    result: dict[str, Any] = {
        "date": now(),
        "machine": machine(),
        "runs": runs,
        "repeats": repeats,
        "databases": {},
    }
    with sqlite_engine() as engine:
        result["databases"]["sqlite"] = measure(engine, runs, repeats, seed_value)
    if postgres_url:
        try:
            with postgres_engine(postgres_url) as engine:
                result["databases"]["postgresql"] = measure(engine, runs, repeats, seed_value)
        except Exception as exc:  # an unreachable server is reported, not fatal: SQLite still ran
            if not _unreachable(exc):
                raise
            result["databases"]["postgresql"] = {"skipped": f"{type(exc).__name__}: {str(exc)[:200]}"}
    return result


def _unreachable(exc: Exception) -> bool:
    from sqlalchemy.exc import OperationalError

    return isinstance(exc, OperationalError)


def report(result: dict[str, Any]) -> str:
    dbs = result["databases"]
    names = list(next(iter(dbs.values()))["queries_ms"])
    rows: list[list[Any]] = [["query (ms, median)", *dbs]]
    for name in names:
        rows.append([name, *(d.get("queries_ms", {}).get(name, "-") for d in dbs.values())])
    rows.append(
        ["seeding (s, bulk insert + (VACUUM) ANALYZE)", *(d.get("seed_s", "-") for d in dbs.values())]
    )
    lines = [f"{result['runs']:,} action runs, median of {result['repeats']}", table(rows)]
    lines += [f"{db}: {d['skipped']}" for db, d in dbs.items() if "skipped" in d]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--postgres", default=POSTGRES_URL, help="PostgreSQL URL ('' to skip)")
    parser.add_argument("--quick", action="store_true", help="2,000 runs, 2 repeats")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    runs, repeats = (2000, 2) if args.quick else (args.runs, args.repeats)
    result = run(runs, repeats, args.postgres or None)
    print(header(result))
    print(report(result))
    print(f"\nwrote {write_result('run_log', result, args.json, quick=args.quick)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
