"""Model calls per turn, counted from the service's turn traces (`trace["model_call_count"]`).

    .venv/bin/python -m benchmarks.model_calls [--sessions 20] [--json PATH]

Each session: an action turn (expected 2 calls: pick the action, present the answer), a plain
turn (expected 1) and a chained turn of two lookups, the second asked for by the final call after
the first result (expected 3: pick, chain, present), through `SupportAgent.send` with the
scripted benchmark model against the demo API in a thread. Counts, not timings: the test suite
asserts them too.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from benchmarks.common import (
    PLAIN_MESSAGE,
    action_message,
    chained_message,
    demo_api_thread,
    header,
    machine,
    now,
    service,
    table,
    write_result,
)

EXPECTED = {"action": 2, "plain": 1, "chained": 3}


async def measure(sessions: int) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[int]] = {kind: Counter() for kind in EXPECTED}
    with demo_api_thread() as base_url:
        async with service(base_url, InMemorySaver()) as agent:
            for i in range(sessions):
                for kind, text in (
                    ("action", action_message(i)),
                    ("plain", PLAIN_MESSAGE),
                    ("chained", chained_message(i)),
                ):
                    result = await agent.send(f"calls-{i}", text)
                    counts[kind][result.trace["model_call_count"]] += 1
    return {kind: {str(k): v for k, v in sorted(c.items())} for kind, c in counts.items()}


def run(sessions: int) -> dict[str, Any]:
    counts = asyncio.run(measure(sessions))
    return {
        "date": now(),
        "machine": machine(),
        "sessions": sessions,
        "expected": EXPECTED,
        "counts": counts,
        "ok": all(set(counts[k]) == {str(v)} for k, v in EXPECTED.items()),
    }


def report(result: dict[str, Any]) -> str:
    rows = [("turn", "expected calls", "observed (calls: turns)")]
    for kind, expected in result["expected"].items():
        seen = ", ".join(f"{k}: {v}" for k, v in result["counts"][kind].items())
        rows.append((kind, expected, seen))
    return table(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="2 sessions")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run(2 if args.quick else args.sessions)
    print(header(result))
    print(report(result))
    print(f"\nwrote {write_result('model_calls', result, args.json, quick=args.quick)}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
