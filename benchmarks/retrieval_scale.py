"""Retrieval at catalog scale: index build, one edit, per-turn selection and memory.

    .venv/bin/python -m benchmarks.retrieval_scale [--sizes 1000,10000] [--json PATH]

Catalogs of generated actions (`benchmarks.fixtures.generate_actions`: 3-6 inputs each, mixed
types, patterned identifiers) are compiled, then:

- index build, cold: a new `ActionRetriever` takes the whole catalog in (tokenising every
  action's name, trigger, examples and inputs into the BM25 index);
- one edit: one action's trigger changes, the catalog is synced and the index brought in step;
- selection: `agent.catalog.offering.offered_actions` with the default settings for each message of
  `tests/data/routing_cases.jsonl` (p50 and max), after one warm-up pass;
- search: the catalog search tool (`ActionRetriever.search`, its own wider reading of a query,
  `agent.catalog.search_ranking`) for each of those messages over the allowed actions, one
  pass from a cold reading cache (p50 and max; no target: it runs only on the turns whose model
  calls the tool);
- memory: what the index holds (tracemalloc, the bytes allocated by a separate build and still
  live, the text caches included).

Times are given as wall clock and as this process's CPU time: on a shared machine the wall
clock includes waiting for a core, the CPU time does not. The load average is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import tracemalloc
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage

from agent.catalog import lexical
from agent.catalog.offering import offered_actions, search_size
from agent.catalog.retrieval import ActionRetriever, field_terms, input_terms, split_compounds
from agent.state import AgentState, Limits
from benchmarks.common import header, machine, now, table, write_result
from benchmarks.fixtures import generate_actions
from tools.compiler import ActionCatalog

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
TARGETS = {"index_build_s": 1.0, "edit_ms": 50.0, "select_ms_p50": 5.0, "at_actions": 10_000}


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def messages() -> list[str]:
    lines = (DATA / "routing_cases.jsonl").read_text().splitlines()
    return [json.loads(line)["message"] for line in lines if line.strip()]


def measure(size: int) -> dict[str, Any]:
    defs = generate_actions(size)
    catalog = ActionCatalog()
    catalog.sync(defs)
    # memory on a separate build: tracing every allocation slows the build several times over
    tracemalloc.start()
    traced = ActionRetriever()
    traced.index(catalog)
    index_bytes, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del traced
    # the text caches the first build filled are emptied: this build is cold
    text_caches = (lexical._words, lexical.canonical, lexical.humanise_name, lexical.stem, field_terms)
    for cached in (*text_caches, input_terms, split_compounds):
        cached.cache_clear()
    retriever = ActionRetriever()
    _, build_wall, build_cpu = timed(lambda: retriever.index(catalog))
    limits = Limits()
    texts = messages()
    states: list[AgentState] = [{"messages": [HumanMessage(t)], "channel": "chat"} for t in texts]
    for state in states:  # warm-up: typo corrections, caches
        offered_actions(catalog, state, limits, retriever)
    wall, cpu, bound = [], [], 0
    for state in states:
        offered, w, c = timed(lambda s=state: offered_actions(catalog, s, limits, retriever))
        wall.append(w * 1000)
        cpu.append(c * 1000)
        bound = max(bound, len(offered))
    allowed = retriever.allowed(catalog, "chat")
    searched = []
    for text, state in zip(texts, states, strict=True):
        _, w, _ = timed(
            lambda t=text, s=state: retriever.search(catalog, allowed, t, search_size(limits), s["messages"])
        )
        searched.append(w * 1000)
    edits_wall, edits_cpu = [], []
    for i in range(5):
        at = (size // 7 * (i + 1)) % size
        defs[at] = defs[at].model_copy(update={"trigger": defs[at].trigger + f" (edit {i})"})
        catalog.sync(defs)
        _, w, c = timed(lambda: retriever.index(catalog))
        edits_wall.append(w * 1000)
        edits_cpu.append(c * 1000)
    return {
        "actions": size,
        "index_build_s": round(build_wall, 3),
        "index_build_cpu_s": round(build_cpu, 3),
        "index_memory_mb": round(index_bytes / 2**20, 1),
        "edit_ms": round(statistics.median(edits_wall), 2),
        "edit_cpu_ms": round(statistics.median(edits_cpu), 2),
        "select_ms_p50": round(statistics.median(wall), 3),
        "select_cpu_ms_p50": round(statistics.median(cpu), 3),
        "select_ms_max": round(max(wall), 3),
        "search_ms_p50": round(statistics.median(searched), 3),
        "search_ms_max": round(max(searched), 3),
        "messages": len(states),
        "bound_max": bound,
        "reindexed_after_edits": retriever.reindexed - size,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    rows_out = []
    for size in sizes:
        rows_out.append(measure(size))
        print(f"{size} actions measured", flush=True)
    result = {
        "date": now(),
        "machine": machine(),
        "load_average_after": os.getloadavg()[0],
        "targets": TARGETS,
        "sizes": rows_out,
    }
    print(header(result))
    rows: list[tuple[Any, ...]] = [
        (
            "actions",
            "build s (cpu)",
            "memory MB",
            "edit ms (cpu)",
            "select p50 ms (cpu)",
            "select max ms",
            "search p50 / max ms",
            "bound",
        )
    ]
    for r in rows_out:
        rows.append(
            (
                f"{r['actions']:,}",
                f"{r['index_build_s']} ({r['index_build_cpu_s']})",
                r["index_memory_mb"],
                f"{r['edit_ms']} ({r['edit_cpu_ms']})",
                f"{r['select_ms_p50']} ({r['select_cpu_ms_p50']})",
                r["select_ms_max"],
                f"{r['search_ms_p50']} / {r['search_ms_max']}",
                r["bound_max"],
            )
        )
    print(table(rows))
    print(f"load average after: {result['load_average_after']:.1f}")
    print(f"\nwrote {write_result('retrieval_scale', result, args.json)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
