"""Per-turn overhead of our agent against the prebuilt LangChain agent, everything else equal.

    .venv/bin/python -m benchmarks.turn_overhead [--turns 300] [--warmup 20] [--profile] [--json PATH]

The same 10 compiled demo actions, the same stateless zero-latency scripted model
(`benchmarks.common.BenchModel`: a tool call, then an answer), the same local demo API (uvicorn
in a thread), the same `ActionExecutor`, and an `InMemorySaver` for every variant:

- graph: our compiled graph, `ainvoke` with the context the service builds (top-k retrieval on);
- service: `SupportAgent.send`, which also keeps the catalog in step with storage (SQLite),
  records and redacts a trace, stores it, and writes the call ledger;
- peer: `langchain.agents.create_agent` with one `StructuredTool` per action whose coroutine
  calls the same executor.

Each iteration opens a new session per variant: an action turn ("What is the status of my
installation request INS-2001?": model -> call the API -> model), then a plain turn ("Thanks")
in the same session. Variants are interleaved, their order rotating, so drift hits all alike.
`--profile` runs cProfile over service turns and prints where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import time
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from benchmarks.common import (
    PLAIN_MESSAGE,
    action_message,
    bare_graph,
    demo_api_thread,
    header,
    machine,
    make_executor,
    now,
    peer,
    service,
    summary_ms,
    table,
    write_result,
)

VARIANTS = ("graph", "service", "peer")
PEER_REFERENCE_MS = 11.0
"""The prebuilt agent's p50 per action turn measured on this machine when the issue was filed."""


async def _runners(base_url: str, executor, stack) -> dict[str, Any]:
    graph = bare_graph(base_url, executor, InMemorySaver())
    agent = await stack.enter_async_context(service(base_url, InMemorySaver()))
    prebuilt = peer(base_url, executor, InMemorySaver())

    async def run_graph(session: str, text: str) -> int:
        values = await graph.turn(session, text)
        return 2 if values.get("outcome") else 1

    async def run_service(session: str, text: str) -> int:
        result = await agent.send(session, text)
        return result.trace["model_call_count"]

    async def run_peer(session: str, text: str) -> int:
        values = await prebuilt.turn(session, text)
        return 2 if any(m.type == "tool" for m in values["messages"][-2:]) else 1

    return {"graph": run_graph, "service": run_service, "peer": run_peer}


async def measure(
    turns: int, warmup: int, variants: tuple[str, ...] = VARIANTS, profile: bool = False
) -> dict[str, Any]:
    from contextlib import AsyncExitStack

    times: dict[str, dict[str, list[float]]] = {v: {"action": [], "plain": []} for v in variants}
    calls: dict[str, dict[str, set[int]]] = {v: {"action": set(), "plain": set()} for v in variants}
    profile_text = None
    with demo_api_thread() as base_url:
        executor = make_executor(base_url)
        async with AsyncExitStack() as stack:
            runners = await _runners(base_url, executor, stack)
            for i in range(warmup + turns):
                order = variants[i % len(variants) :] + variants[: i % len(variants)]
                for variant in order:
                    session = f"{variant}-{i}"
                    for kind, text in (("action", action_message(i)), ("plain", PLAIN_MESSAGE)):
                        start = time.perf_counter()
                        n = await runners[variant](session, text)
                        elapsed = time.perf_counter() - start
                        if i >= warmup:
                            times[variant][kind].append(elapsed)
                            calls[variant][kind].add(n)
            if profile and "service" in variants:
                profiler = cProfile.Profile()
                profiler.enable()
                for i in range(100):
                    await runners["service"](f"profile-{i}", action_message(i))
                    await runners["service"](f"profile-{i}", PLAIN_MESSAGE)
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
                profile_text = out.getvalue()
        await executor.aclose()
    result: dict[str, Any] = {
        v: {kind: summary_ms(times[v][kind]) for kind in ("action", "plain")} for v in variants
    }
    for v in variants:
        result[v]["model_calls"] = {k: sorted(s) for k, s in calls[v].items()}
    if "peer" in variants:
        for v in variants:
            for kind in ("action", "plain"):
                peer_p50 = result["peer"][kind]["p50"]
                result[v][kind]["ratio_p50_to_peer"] = round(result[v][kind]["p50"] / peer_p50, 3)
    return {"variants": result, "profile": profile_text}


def run(turns: int, warmup: int, profile: bool = False) -> dict[str, Any]:
    measured = asyncio.run(measure(turns, warmup, profile=profile))
    return {
        "date": now(),
        "machine": machine(),
        "turns": turns,
        "warmup": warmup,
        "unit": "ms per turn",
        "target": "graph and service p50 <= 1.0x the peer",
        "peer_reference_ms": PEER_REFERENCE_MS,
        **measured,
    }


def report(result: dict[str, Any]) -> str:
    rows = [("variant", "turn", "p50 ms", "p95 ms", "mean ms", "x peer (p50)", "model calls")]
    for v, data in result["variants"].items():
        for kind in ("action", "plain"):
            d = data[kind]
            rows.append(
                (
                    v,
                    kind,
                    f"{d['p50']:.2f}",
                    f"{d['p95']:.2f}",
                    f"{d['mean']:.2f}",
                    f"{d.get('ratio_p50_to_peer', 0):.2f}",
                    ",".join(map(str, data["model_calls"][kind])),
                )
            )
    return table(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=300, help="measured iterations per variant")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="5 iterations, 1 warm-up")
    parser.add_argument("--profile", action="store_true", help="cProfile 100 service iterations")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    turns, warmup = (5, 1) if args.quick else (args.turns, args.warmup)
    result = run(turns, warmup, profile=args.profile)
    print(header(result))
    print(report(result))
    if result["profile"]:
        print(result["profile"])
    print(f"\nwrote {write_result('turn_overhead', result, args.json, quick=args.quick)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
