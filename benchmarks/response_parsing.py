"""The longest a response body at the size cap holds the event loop while it is read.

    .venv/bin/python -m benchmarks.response_parsing [--quick] [--runs 3] [--secrets 20] [--json PATH]

What the executor does with a body once it has arrived: JSON parsing, field selection, an error
page reduced to its text, and masking of every secret value it knows (`classify_response`, then
`redact_outcome`). Each adversarial shape of
`benchmarks/adversarial_bodies.py` is read at the executor's size cap three ways: as an HTML
error page (502), as a 200 answer that is not JSON, and inside a JSON string field of a 200
answer (so the whole value is selected and masked). The redactor knows `--secrets` random
values. Prints the slowest of `--runs` runs per shape and case in CPU ms of the reading thread
(the wall time, which includes waiting for a core on a shared machine, is in the JSON), beside
100 ms, and writes `benchmarks/results/response_parsing.json`. The executor does this in a
worker thread (`asyncio.to_thread`), so this CPU time is not time the event loop is held.

A second table reads each wire shape of `benchmarks/wire_bodies.py` (gzip, deflate, br and zstd
bombs, zstd in many frames, gzip in many members, one-byte chunks, an HTML error page, deeply
nested JSON) at the size cap end to end: `ActionExecutor.execute` against a server in another
process. For each it prints the longest the event loop was held during the call (the longest
delay of a task waking every millisecond: wall time, so a busy machine inflates it) and the CPU
time of the process during the call (its worker thread included), the slowest of `--runs` runs; the target applies to the first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets as random_secrets
import time
from pathlib import Path
from typing import Any

from benchmarks.adversarial_bodies import ADVERSARIAL_SHAPES
from benchmarks.common import header, machine, now, table, write_result
from benchmarks.wire_bodies import WIRE_SHAPES, serve_raw
from tools.action import ActionDefinition
from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets, classify_response, redact_outcome
from tools.outcome import RedactedRequest
from tools.redaction import Redactor

TARGET_MS = 100.0
ACTION = ActionDefinition.model_validate(
    {"name": "probe", "url": "https://api.example.com/x", "trigger": "x"}
)
REQUEST = RedactedRequest(method="GET", url="https://api.example.com/x")


def _bodies(shape: str, cap: int) -> dict[str, tuple[int, str, bytes]]:
    text = ADVERSARIAL_SHAPES[shape](cap - 64)
    field = json.dumps({"v": text})
    if len(field) > cap:  # escaping made it longer: fewer characters, the same shape
        field = json.dumps({"v": ADVERSARIAL_SHAPES[shape]((cap - 64) * (cap - 64) // len(field))})
    return {
        "html 502": (502, "text/html", text.encode()),
        "text 200": (200, "text/plain", text.encode()),
        "json 200": (200, "application/json", field.encode()),
    }


def _read_once(
    status: int, content_type: str, body: bytes, cap: int, redactor: Redactor
) -> tuple[float, float]:
    """(CPU seconds of this thread, wall seconds): on a shared machine the wall time includes
    waiting for a core; the CPU time is what reading the body costs."""
    started, cpu = time.perf_counter(), time.thread_time()
    outcome = classify_response(
        ACTION,
        REQUEST,
        status,
        content_type,
        body,
        truncated=False,
        cap=cap,
        redactor=redactor,
        summary_prefix="GET https://api.example.com/x",
        latency_ms=0.0,
        attempts=1,
    )
    redact_outcome(outcome, redactor)
    return time.thread_time() - cpu, time.perf_counter() - started


async def _held_while(call: Any) -> tuple[float, float, Any]:
    """(longest the loop was held in seconds, CPU seconds of the process, result) of `call`."""
    held, done = 0.0, False

    async def yielder() -> None:  # wakes every millisecond: how late it wakes is the hold
        nonlocal held
        while not done:
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            held = max(held, time.perf_counter() - started - 0.001)

    task = asyncio.create_task(yielder())
    await asyncio.sleep(0)
    cpu = time.process_time()
    result = await call
    cpu = time.process_time() - cpu
    done = True
    await task
    return held, cpu, result


async def _wire_rows(runs: int, secret_count: int, cap: int) -> list[dict[str, Any]]:
    bodies = {name.replace(" ", "-"): make(cap) for name, make in WIRE_SHAPES.items()}
    secrets = {f"s{i}": random_secrets.token_urlsafe(18) for i in range(secret_count)}
    rows = []
    with serve_raw(bodies) as base:
        settings = ExecutorSettings(allow_hosts=(base.split("://")[1],), max_response_bytes=cap)
        async with ActionExecutor(settings, StaticSecrets(secrets)) as executor:

            def action(path: str) -> ActionDefinition:
                return ActionDefinition.model_validate(
                    {"name": "probe", "url": f"{base}/{path}", "trigger": "x"}
                )

            await executor.execute(action("warm-up"), {})  # the first call's one-time set-up
            for name in WIRE_SHAPES:
                times = []
                for _ in range(runs):
                    held, cpu, outcome = await _held_while(
                        executor.execute(action(name.replace(" ", "-")), {})
                    )
                    times.append((held, cpu))
                rows.append(
                    {
                        "shape": name,
                        "wire_bytes": len(bodies[name.replace(" ", "-")]),
                        "outcome": outcome.kind.value,
                        "worst_loop_held_ms": round(max(t[0] for t in times) * 1000, 2),
                        "worst_call_cpu_ms": round(max(t[1] for t in times) * 1000, 2),
                    }
                )
    return rows


def run(runs: int, secret_count: int, cap: int) -> dict[str, Any]:
    redactor = Redactor([random_secrets.token_urlsafe(18) for _ in range(secret_count)])
    rows: list[dict[str, Any]] = []
    for shape in ADVERSARIAL_SHAPES:
        for case, (status, content_type, body) in _bodies(shape, cap).items():
            times = [_read_once(status, content_type, body, cap, redactor) for _ in range(runs)]
            rows.append(
                {
                    "shape": shape,
                    "case": case,
                    "bytes": len(body),
                    "worst_cpu_ms": round(max(t[0] for t in times) * 1000, 2),
                    "worst_wall_ms": round(max(t[1] for t in times) * 1000, 2),
                }
            )
    worst_row = max(rows, key=lambda r: r["worst_cpu_ms"])
    wire = asyncio.run(_wire_rows(runs, secret_count, cap))
    worst_wire = max(wire, key=lambda r: r["worst_loop_held_ms"])
    return {
        "date": now(),
        "machine": machine(),
        "size_cap_bytes": cap,
        "runs": runs,
        "secrets": secret_count,
        "target_ms": TARGET_MS,
        "rows": rows,
        "worst": worst_row,
        "met": worst_row["worst_cpu_ms"] <= TARGET_MS,
        "wire_rows": wire,
        "wire_worst": worst_wire,
        "wire_met": worst_wire["worst_loop_held_ms"] <= TARGET_MS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run, a 16 KB cap: a smoke run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--secrets", type=int, default=20)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    cap = 16_000 if args.quick else ExecutorSettings().max_response_bytes
    result = run(1 if args.quick else args.runs, args.secrets, cap)
    print(header(result))
    print(f"size cap {cap} bytes, {args.secrets} secrets known, slowest of {result['runs']} runs (CPU ms)")
    cases = list(dict.fromkeys(r["case"] for r in result["rows"]))
    by = {(r["shape"], r["case"]): r["worst_cpu_ms"] for r in result["rows"]}
    print(table([["shape", *cases], *[[s, *(by[(s, c)] for c in cases)] for s in ADVERSARIAL_SHAPES]]))
    worst = result["worst"]
    print(
        f"worst: {worst['worst_cpu_ms']} ms CPU, {worst['worst_wall_ms']} ms wall ({worst['shape']}, "
        f"{worst['case']}); done in a worker thread, so it holds the event loop only as long as "
        f"the table below says (CPU {TARGET_MS:g} ms: {'met' if result['met'] else 'NOT met'})"
    )
    print()
    print(
        "end to end through the executor, at the size cap: longest the event loop was held (wall ms), CPU ms of the call"
    )
    print(
        table(
            [
                ["shape", "wire bytes", "outcome", "loop held", "call CPU"],
                *[
                    [
                        r["shape"],
                        r["wire_bytes"],
                        r["outcome"],
                        r["worst_loop_held_ms"],
                        r["worst_call_cpu_ms"],
                    ]
                    for r in result["wire_rows"]
                ],
            ]
        )
    )
    wire = result["wire_worst"]
    print(
        f"worst: the loop held {wire['worst_loop_held_ms']} ms ({wire['shape']}); "
        f"target {TARGET_MS:g} ms: {'met' if result['wire_met'] else 'NOT met'}"
    )
    path = write_result("response_parsing", result, args.json, quick=args.quick)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
