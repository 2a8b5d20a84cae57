"""Run the benchmarks: all of them, or the ones named.

    .venv/bin/python -m benchmarks [--quick] [NAME ...]

NAME is one of compile, turn_overhead, service_costs, concurrency, many_actions, model_calls, run_log,
auth_overhead, test_conversations, scale_out, offline_accuracy, response_parsing, response_memory,
offline_message_length. `--quick` runs tiny sizes (a smoke run; its figures mean nothing) and still writes each JSON result.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

BENCHMARKS = (
    "compile",
    "turn_overhead",
    "service_costs",
    "concurrency",
    "many_actions",
    "model_calls",
    "run_log",
    "auth_overhead",
    "test_conversations",
    "scale_out",
    "offline_accuracy",
    "response_parsing",
    "response_memory",
    "offline_message_length",
)
QUICK_ARGS = {
    "compile": [
        "--sizes",
        "2,5",
        "--runs",
        "2",
        "--json",
        str(Path(__file__).parent / "results" / "quick" / "compile.json"),
    ]
}
"""The compile benchmark predates `--quick`: its tiny sizes, and a result file beside the other
quick ones (a smoke run never overwrites the measured results)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    status = 0
    for name in args.names or BENCHMARKS:
        print(f"\n== {name} ==", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        bench_args = QUICK_ARGS.get(name, ["--quick"]) if args.quick else []
        status |= module.main(bench_args)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
