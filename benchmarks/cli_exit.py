"""How long `api-actions chat --script` takes with LangSmith configured but unreachable.

    .venv/bin/python -m benchmarks.cli_exit [--runs 3] [--json PATH]

The same one-message script (offline model, no OpenAI key) runs three ways: without LangSmith,
with `LANGSMITH_ENDPOINT` at a server that accepts connections and never answers, and at a
closed port. The difference from the first is what LangSmith costs at exit; the command line
bounds it (`agent.cli.trace_flush.FLUSH_SECONDS`). Prints a table of medians in seconds and
writes `benchmarks/results/cli_exit.json`.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.common import header, machine, now, table, write_result

ROOT = Path(__file__).resolve().parent.parent


def _silent_server() -> tuple[str, socket.socket]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return f"http://127.0.0.1:{server.getsockname()[1]}", server


def _closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _run(endpoint: str | None, workdir: Path) -> float:
    script = workdir / "steps.jsonl"
    script.write_text('{"user": "Where is my order ORD-1001?"}\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LANGSMITH_", "LANGCHAIN_"))}
    env.pop("DATABASE_URL", None)
    env["ACTIONS_DATA_DIR"] = str(workdir / "data")
    if endpoint:
        env.update(LANGSMITH_TRACING="true", LANGSMITH_ENDPOINT=endpoint, LANGSMITH_API_KEY="lsv2-bench")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "agent.cli", "chat", "--script", str(script)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=900,
    )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    silent_url, silent = _silent_server()
    cases = {"no LangSmith": None, "silent endpoint": silent_url, "closed port": _closed_port()}
    seconds: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, endpoint in cases.items():
            seconds[label] = [_run(endpoint, Path(tmp)) for _ in range(args.runs)]
    silent.close()
    base = statistics.median(seconds["no LangSmith"])
    result: dict[str, Any] = {
        "date": now(),
        "machine": machine(),
        "runs": args.runs,
        "cases": {k: {"median_s": statistics.median(v), "all_s": v} for k, v in seconds.items()},
    }
    print(header(result))
    rows: list[list[Any]] = [["case", "median s", "over no LangSmith, s"]]
    for label, values in seconds.items():
        median = statistics.median(values)
        rows.append([label, f"{median:.2f}", f"{median - base:+.2f}"])
    print(table(rows))
    print(f"wrote {write_result('cli_exit', result, args.json)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
