"""Peak memory while compressed responses are read: the size cap counts decompressed bytes.

    .venv/bin/python -m benchmarks.response_memory [--quick] [--calls 10] [--json PATH]

A local server (uvicorn, loopback, in a thread) answers every call with a ~200 KB gzip body
that decompresses to 200 MB of zeros, and with the same bomb as zstd. `--calls` calls run at
once through one `ActionExecutor` with its default 256 KB cap. Each way of reading is run in a
fresh process, so the peak resident size (`ru_maxrss`) belongs to it alone: the executor as it
is, and, for comparison, the same calls read with httpx's own decompression (`aiter_bytes`,
what the executor did before), where one network chunk is decompressed whole before any cap
sees it. Prints peak RSS growth and the peak of Python's traced allocations, and writes
`benchmarks/results/response_memory.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import resource
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import uvicorn
import zstandard
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from benchmarks.common import header, machine, now, table, write_result

ROOT = Path(__file__).resolve().parent.parent
WAYS = ("executor", "httpx-decoding")


def _bomb(encoding: str, size: int) -> bytes:
    zeros = bytes(size)
    return (
        gzip.compress(zeros, 9) if encoding == "gzip" else zstandard.ZstdCompressor(level=19).compress(zeros)
    )


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # in a thread
        pass


def _serve(body: bytes, encoding: str) -> tuple[str, _Server]:
    async def send(request: Request) -> Response:
        return Response(body, media_type="application/json", headers={"Content-Encoding": encoding})

    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = _Server(uvicorn.Config(Starlette(routes=[Route("/bomb", send)]), port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return f"http://127.0.0.1:{port}", server


async def _calls(way: str, base: str, calls: int) -> list[str]:
    from tools.action import ActionDefinition
    from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
    from tools.http_client import make_http_client

    if way == "executor":
        settings = ExecutorSettings(allow_hosts=(base.split("://")[1],))
        async with ActionExecutor(settings, StaticSecrets({})) as ex:
            action = ActionDefinition.model_validate({"name": "bomb", "url": f"{base}/bomb", "trigger": "x"})
            outcomes = await asyncio.gather(*(ex.execute(action, {}) for _ in range(calls)))
        return [o.summary.rsplit("-> ", 1)[-1] for o in outcomes]

    cap = ExecutorSettings().max_response_bytes

    async def one(client) -> str:  # the read the executor did before: decompressed, then capped
        async with client.stream("GET", f"{base}/bomb") as response:
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > cap:
                    return "truncated"
        return "whole"

    async with make_http_client() as client:
        return list(await asyncio.gather(*(one(client) for _ in range(calls))))


def _child(way: str, encoding: str, calls: int, size: int) -> dict[str, Any]:
    body = _bomb(encoding, size)
    base, server = _serve(body, encoding)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    started = time.perf_counter()
    results = asyncio.run(_calls(way, base, calls))
    seconds = time.perf_counter() - started
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    server.should_exit = True
    return {
        "way": way,
        "encoding": encoding,
        "compressed_bytes": len(body),
        "decompressed_bytes": size,
        "calls": calls,
        "peak_rss_growth_mb": round(after - before, 1),
        "traced_peak_mb": round(traced_peak / 2**20, 1),
        "seconds": round(seconds, 2),
        "results": sorted(set(results)),
    }


def run(calls: int, size: int) -> dict[str, Any]:
    rows = []
    for encoding in ("gzip", "zstd"):
        for way in WAYS:
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.response_memory",
                    "--child",
                    way,
                    encoding,
                    str(calls),
                    str(size),
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
                timeout=600,
            )
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {"date": now(), "machine": machine(), "cap_bytes": 256_000, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 calls, a 20 MB bomb: a smoke run")
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--child", nargs=4, metavar=("WAY", "ENCODING", "CALLS", "SIZE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child:
        way, encoding, calls, size = args.child
        print(json.dumps(_child(way, encoding, int(calls), int(size))))
        return 0
    calls, size = (2, 20 * 2**20) if args.quick else (args.calls, 200 * 2**20)
    result = run(calls, size)
    print(header(result))
    print(f"{calls} calls at once, each answered with {size // 2**20} MB of zeros compressed; cap 256 KB")
    rows = [["encoding", "reading", "compressed KB", "peak RSS growth MB", "traced peak MB", "s", "result"]]
    for r in result["rows"]:
        rows.append(
            [
                r["encoding"],
                r["way"],
                round(r["compressed_bytes"] / 1000, 1),
                r["peak_rss_growth_mb"],
                r["traced_peak_mb"],
                r["seconds"],
                ",".join(r["results"])[:60],
            ]
        )
    print(table(rows))
    path = write_result("response_memory", result, args.json, quick=args.quick)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
