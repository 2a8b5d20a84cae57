"""Test conversations: a suite of 200 messages over 25 actions, run with the offline model.

    .venv/bin/python -m benchmarks.test_conversations [--cases 200] [--runs 3] [--json PATH]

The catalog is the 25-action routing catalog of the offline model's accuracy tests
(`tests/data/routing_actions.json`); the messages are its labelled single-message cases
(`routing_cases.jsonl`, then `routing_cases_unseen.jsonl`), each with its expected action (or
none) and arguments. Timed: `agent.evaluation.evaluate` end to end (catalog compiled, the real
graph run to the point before `confirm` for every message, nothing sent), each run on a fresh
offline model, so the first run includes building its router. Target: the whole suite under
10 s. The pass rate is printed beside the time: a figure of the offline model, not a target.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any

from agent.evaluation import Case, evaluate
from agent.offline import OfflineChatModel
from benchmarks.common import header, machine, now, summary_ms, table, write_result
from tools.conversation_case import TestConversation
from tools.validation import validate_catalog

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
TARGET_SECONDS = 10.0


def catalog() -> list[Any]:
    return validate_catalog(json.loads((DATA / "routing_actions.json").read_text()))


def suite(n: int) -> list[Case]:
    """The first `n` labelled single-message cases (no history), as test conversations."""
    cases: list[Case] = []
    for name in ("routing_cases.jsonl", "routing_cases_unseen.jsonl"):
        for line in (DATA / name).read_text().splitlines():
            row = json.loads(line)
            if not line.strip() or row.get("history"):
                continue
            conversation = TestConversation(
                message=row["message"],
                expected_action=row.get("expected_tool"),
                expected_args=row.get("expected_args") or {} if row.get("expected_tool") else {},
            )
            cases.append(Case(row.get("expected_tool") or "(no action)", len(cases), conversation))
            if len(cases) == n:
                return cases
    return cases


async def one_run(definitions: list[Any], cases: list[Case], concurrency: int) -> dict[str, Any]:
    start = time.perf_counter()
    report = await evaluate(definitions, OfflineChatModel(), cases=cases, concurrency=concurrency)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "passed": len(report.results) - len(report.failed),
        "per_case": [r.seconds for r in report.results],
    }


def run(n: int, runs: int, concurrency: int) -> dict[str, Any]:
    definitions, cases = catalog(), suite(n)
    results = [asyncio.run(one_run(definitions, cases, concurrency)) for _ in range(runs)]
    totals = [r["seconds"] for r in results]
    return {
        "date": now(),
        "machine": machine(),
        "actions": len(definitions),
        "cases": len(cases),
        "runs": runs,
        "concurrency": concurrency,
        "total_seconds": [round(t, 3) for t in totals],
        "total_seconds_median": round(statistics.median(totals), 3),
        "first_run_seconds": round(totals[0], 3),
        "per_case_ms": summary_ms([s for r in results for s in r["per_case"]]),
        "passed": results[-1]["passed"],
        "target_seconds": TARGET_SECONDS,
        "ok": max(totals) < TARGET_SECONDS,
    }


def report(result: dict[str, Any]) -> str:
    per = result["per_case_ms"]
    rows = [
        (
            "suite",
            "actions",
            "runs",
            "total s (median)",
            "first run s",
            "case p50 ms",
            "case p95 ms",
            "passed",
            "target s",
        ),
        (
            f"{result['cases']} messages",
            result["actions"],
            result["runs"],
            result["total_seconds_median"],
            result["first_run_seconds"],
            per["p50"],
            per["p95"],
            f"{result['passed']}/{result['cases']}",
            f"< {result['target_seconds']:g}",
        ),
    ]
    return table(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4, help="cases in flight at once")
    parser.add_argument("--quick", action="store_true", help="20 cases, 1 run")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run(20 if args.quick else args.cases, 1 if args.quick else args.runs, args.concurrency)
    print(header(result))
    print(report(result))
    print(f"\nwrote {write_result('test_conversations', result, args.json, quick=args.quick)}")
    return 0 if result["ok"] or args.quick else 1


if __name__ == "__main__":
    raise SystemExit(main())
