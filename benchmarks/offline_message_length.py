"""The offline model's time against the length of the customer's message, on adversarial shapes.

    .venv/bin/python -m benchmarks.offline_message_length [--quick] [--sizes 1000,2000,...]

Each shape (a long run of spaces, one long word, many numbers, many dates, repeated punctuation,
many clause breaks ...) is sent at each size as the last message of an agent turn with the
demo catalog bound, through `OfflineChatModel.invoke` (routing, splitting into requests and
argument extraction). Printed as a table (ms per message) with the growth from the smallest to
the largest size: linear time shows a growth near the size ratio, quadratic near its square.
The result goes to `results/offline_message_length.json`.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from benchmarks.common import header, machine, now, table, write_result

DEMO = Path(__file__).resolve().parents[1] / "demo" / "actions.json"

SHAPES: dict[str, Callable[[int], str]] = {
    "run of spaces": lambda n: "where is my order" + " " * n + "ORD-1001",
    "run of newlines": lambda n: "order\n" + "\n" * n + "x",
    "spaces and tabs": lambda n: "order" + " \t" * (n // 2) + "x",
    "one long word": lambda n: "where is " + "a" * n,
    "many words": lambda n: "order " * (n // 6),
    "many numbers": lambda n: " ".join(str(i) for i in range(n // 5)),
    "many dates": lambda n: "2026-01-02 " * (n // 11),
    "many identifiers": lambda n: "ORD-1001 " * (n // 9),
    "many e-mails": lambda n: "a@b.co " * (n // 7),
    "repeated !?": lambda n: "!?" * (n // 2),
    "dots then a word": lambda n: "." * n + "x",
    "many 'and's": lambda n: "where is ORD-1001 and " * (n // 22),
    "mixed values": lambda n: ("ORD-1001 on 2026-01-02, email a@b.co, 12 items. " * (n // 48 + 1))[:n],
}


def _model():
    from agent.offline import OfflineChatModel
    from tools.compiler import compile_action
    from tools.validation import validate_catalog

    definitions = validate_catalog(json.loads(DEMO.read_text()))
    tools = [
        {
            "type": "function",
            "function": {
                "name": d.name,
                "description": d.trigger,
                "parameters": compile_action(d).parameters,
            },
        }
        for d in definitions
    ]
    return OfflineChatModel(today=date(2026, 1, 1)).bind_tools(tools)


def measure(sizes: list[int], runs: int) -> dict[str, dict[int, float]]:
    from langchain_core.messages import HumanMessage

    model = _model()
    model.invoke([HumanMessage("warm up ORD-1001")])
    out: dict[str, dict[int, float]] = {}
    for name, make in SHAPES.items():
        out[name] = {}
        for n in sizes:
            text = make(n)
            best = float("inf")
            for _ in range(runs):
                start = time.perf_counter()
                model.invoke([HumanMessage(text)])
                best = min(best, time.perf_counter() - start)
            out[name][n] = round(best * 1000, 2)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000,4000,8000,16000", help="message lengths (characters)")
    parser.add_argument("--runs", type=int, default=2, help="runs per cell (the best is kept)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    args = parser.parse_args(argv)
    sizes = [200, 400] if args.quick else [int(s) for s in args.sizes.split(",")]
    runs = 1 if args.quick else args.runs
    ms = measure(sizes, runs)
    growth = {name: round(row[sizes[-1]] / max(row[sizes[0]], 0.01), 1) for name, row in ms.items()}
    result = {
        "benchmark": "offline_message_length",
        "date": now(),
        "machine": machine(),
        "sizes": sizes,
        "runs": runs,
        "ms": {name: {str(n): v for n, v in row.items()} for name, row in ms.items()},
        "growth": growth,
        "size_ratio": sizes[-1] / sizes[0],
    }
    print(header(result))
    rows: list[list[object]] = [["shape", *[f"{n} ch" for n in sizes], f"x{sizes[-1] // sizes[0]} size"]]
    rows += [[name, *[f"{row[n]:.1f}" for n in sizes], f"x{growth[name]}"] for name, row in ms.items()]
    print(table(rows))
    print(
        f"ms per message (best of {runs}); wrote {write_result('offline_message_length', result, quick=args.quick)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
