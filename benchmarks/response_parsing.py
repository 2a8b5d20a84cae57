"""The longest a response body at the size cap holds the event loop while it is read.

    .venv/bin/python -m benchmarks.response_parsing [--quick] [--runs 3] [--secrets 20] [--json PATH]

Everything the executor does with a body once it has arrived runs on the event loop: decoding,
JSON parsing, field selection, an error page reduced to its text, and masking of every secret
value it knows (`classify_response`, then `redact_outcome`). Each adversarial shape of
`benchmarks/adversarial_bodies.py` is read at the executor's size cap three ways: as an HTML
error page (502), as a 200 answer that is not JSON, and inside a JSON string field of a 200
answer (so the whole value is selected and masked). The redactor knows `--secrets` random
values. Prints the slowest of `--runs` runs per shape and case in CPU ms of the reading thread
(the wall time, which includes waiting for a core on a shared machine, is in the JSON), beside
the target (100 ms), and writes `benchmarks/results/response_parsing.json`.
"""

from __future__ import annotations

import argparse
import json
import secrets as random_secrets
import time
from pathlib import Path
from typing import Any

from benchmarks.adversarial_bodies import ADVERSARIAL_SHAPES
from benchmarks.common import header, machine, now, table, write_result
from tools.action import ActionDefinition
from tools.executor import ExecutorSettings, classify_response, redact_outcome
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
        f"{worst['case']}); "
        f"target {TARGET_MS:g} ms: {'met' if result['met'] else 'NOT met'}"
    )
    path = write_result("response_parsing", result, args.json, quick=args.quick)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
