"""Per-turn overhead of our agent against the prebuilt LangChain agent, everything else equal.

    .venv/bin/python -m benchmarks.turn_overhead [--turns 300] [--warmup 20] [--profile] [--json PATH]

The same 10 compiled demo actions, the same stateless zero-latency scripted model
(`benchmarks.common.BenchModel`: a tool call per lookup, then an answer), the same local demo API (uvicorn
in a thread), the same `ActionExecutor`, and an `InMemorySaver` for every variant:

- graph: our compiled graph, `ainvoke` with the context the service builds (top-k retrieval on);
- service: `SupportAgent.send`, which also keeps the catalog in step with storage (SQLite),
  records and redacts a trace, stores it, and writes the call ledger;
- peer: `langchain.agents.create_agent` with one `StructuredTool` per action whose coroutine
  calls the same executor.

Each iteration opens a new session per variant: an action turn ("What is the status of my
installation request INS-2001?": model -> call the API -> model), a plain turn ("Thanks"), then
a chained turn of two lookups ("What is the status of INS-2001 and, after that, of INS-2002?")
in the same session. Our agent chains in its final model call (pick -> call -> the final call
asks for the second -> call -> answer); the peer loops model -> tool until the model answers.
Both make 3 model calls and 2 API calls for it: the table shows, per turn kind, the model calls
each variant's model answered and the requests that reached the demo API, counted from what ran.
Variants are interleaved, their order rotating, so drift hits all alike.
`--profile` runs cProfile over service turns and prints where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import time
from collections import Counter
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from benchmarks.common import (
    PLAIN_MESSAGE,
    BenchModel,
    action_message,
    bare_graph,
    chained_message,
    demo_api_logged,
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
KINDS = ("action", "plain", "chained")
"""The turns of each iteration's session, in order."""
PEER_REFERENCE_MS = 11.0
"""The prebuilt agent's p50 per action turn measured on this machine when the issue was filed."""


def _messages(i: int) -> dict[str, str]:
    return {"action": action_message(i), "plain": PLAIN_MESSAGE, "chained": chained_message(i)}


async def _runners(base_url: str, executor, stack) -> dict[str, tuple[Any, BenchModel]]:
    """Per variant: `turn(session, text)` and the model it calls (each its own, so its count
    of calls is that variant's)."""
    models = {v: BenchModel() for v in VARIANTS}
    graph = bare_graph(base_url, executor, InMemorySaver(), model=models["graph"])
    agent = await stack.enter_async_context(service(base_url, InMemorySaver(), model=models["service"]))
    prebuilt = peer(base_url, executor, InMemorySaver(), model=models["peer"])
    turns = {"graph": graph.turn, "service": agent.send, "peer": prebuilt.turn}
    return {v: (turns[v], models[v]) for v in VARIANTS}


def _tally(counts: Counter[int]) -> dict[str, int]:
    return {str(k): v for k, v in sorted(counts.items())}


async def measure(
    turns: int, warmup: int, variants: tuple[str, ...] = VARIANTS, profile: bool = False
) -> dict[str, Any]:
    from contextlib import AsyncExitStack

    times: dict[str, dict[str, list[float]]] = {v: {k: [] for k in KINDS} for v in variants}
    # per turn, what ran: model calls (the variant's model counts them) and API calls (the
    # requests that reached the demo API during the turn; turns run one at a time)
    model_calls: dict[str, dict[str, Counter[int]]] = {v: {k: Counter() for k in KINDS} for v in variants}
    api_calls: dict[str, dict[str, Counter[int]]] = {v: {k: Counter() for k in KINDS} for v in variants}
    profile_text = None
    with demo_api_logged() as (base_url, requests):
        executor = make_executor(base_url)
        async with AsyncExitStack() as stack:
            runners = await _runners(base_url, executor, stack)
            for i in range(warmup + turns):
                order = variants[i % len(variants) :] + variants[: i % len(variants)]
                for variant in order:
                    session = f"{variant}-{i}"
                    turn, model = runners[variant]
                    for kind, text in _messages(i).items():
                        calls0, requests0 = model.calls, len(requests)
                        start = time.perf_counter()
                        await turn(session, text)
                        elapsed = time.perf_counter() - start
                        if i >= warmup:
                            times[variant][kind].append(elapsed)
                            model_calls[variant][kind][model.calls - calls0] += 1
                            api_calls[variant][kind][len(requests) - requests0] += 1
            if profile and "service" in variants:
                send = runners["service"][0]
                profiler = cProfile.Profile()
                profiler.enable()
                for i in range(100):
                    await send(f"profile-{i}", action_message(i))
                    await send(f"profile-{i}", PLAIN_MESSAGE)
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
                profile_text = out.getvalue()
        await executor.aclose()
    result: dict[str, Any] = {v: {kind: summary_ms(times[v][kind]) for kind in KINDS} for v in variants}
    for v in variants:
        result[v]["model_calls"] = {k: _tally(c) for k, c in model_calls[v].items()}
        result[v]["api_calls"] = {k: _tally(c) for k, c in api_calls[v].items()}
    if "peer" in variants:
        for v in variants:
            for kind in KINDS:
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
    rows = [("variant", "turn", "p50 ms", "p95 ms", "mean ms", "x peer (p50)", "model calls", "API calls")]
    for v, data in result["variants"].items():
        for kind in KINDS:
            d = data[kind]
            rows.append(
                (
                    v,
                    kind,
                    f"{d['p50']:.2f}",
                    f"{d['p95']:.2f}",
                    f"{d['mean']:.2f}",
                    f"{d.get('ratio_p50_to_peer', 0):.2f}",
                    _counts(data["model_calls"][kind]),
                    _counts(data["api_calls"][kind]),
                )
            )
    return table(rows)


def _counts(tally: dict[str, int]) -> str:
    """Calls per turn as seen: "3" when every turn made 3, else "calls x turns" for each."""
    return next(iter(tally)) if len(tally) == 1 else ", ".join(f"{k} x{v}" for k, v in tally.items())


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
