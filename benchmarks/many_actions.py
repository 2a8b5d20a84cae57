"""Tool-definition tokens per turn with many configured actions, and the recall of top-k retrieval.

    .venv/bin/python -m benchmarks.many_actions [--sizes 20,200,1000] [--k 8] [--json PATH]

Catalogs: the labelled set's actions (`tests/data/routing_actions.json`, 25) mixed, in a fixed
shuffled order, with generated distractors (`benchmarks.fixtures.generate_actions`) up to the
size; the 20-action catalog is the first 20 labelled actions alone. For every labelled message
(`tests/data/routing_cases.jsonl`) whose expected action is in the catalog, the agent node's
selection (`agent.catalog.offering.offered_actions` with `Limits.top_k`) is run on a one-message
conversation; recall@k is the share of messages whose expected action is bound. At the default
k of 15 the default tool cap holds (`Limits.cap`: 20, so up to 19 actions when the ranking cannot
tell the next ones from the 15th); any other k binds exactly k.

Tokens are counted on the JSON of the tool definitions the agent binds (the OpenAI tool format,
what `bind_tools` sends): with tiktoken's cl100k_base when its file is available offline,
otherwise estimated at 4 characters a token (OpenAI's rule of thumb for English and JSON; see
`count_tokens`). The result file says which.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage

from agent.catalog.offering import offered_actions
from agent.catalog.retrieval import ActionRetriever
from agent.state import AgentState, Limits
from benchmarks.common import header, machine, now, table, write_result
from benchmarks.fixtures import generate_actions
from tools.action import ActionDefinition
from tools.compiler import ActionCatalog
from tools.validation import validate_catalog

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
DEFAULT_SIZES = (20, 200, 1000)
TARGET_TOKENS = 3000
TARGET_RECALL = 0.98
K_SWEEP = (2, 4, 8, 12, 16)
CHARS_PER_TOKEN = 4


def _encoder():
    try:
        import tiktoken

        return tiktoken.get_encoding("cl100k_base")
    except Exception:
        return None


class TokenCounter:
    """cl100k_base tokens when tiktoken's file is available offline, else ~4 characters a token."""

    def __init__(self) -> None:
        self._enc = _encoder()
        self.method = "tiktoken cl100k_base" if self._enc else f"estimate: chars / {CHARS_PER_TOKEN}"

    def __call__(self, text: str) -> int:
        if self._enc is not None:
            return len(self._enc.encode(text))
        return -(-len(text) // CHARS_PER_TOKEN)


def labelled_actions() -> list[ActionDefinition]:
    return validate_catalog(json.loads((DATA / "routing_actions.json").read_text()))


def labelled_cases() -> list[dict[str, Any]]:
    lines = (DATA / "routing_cases.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def mixed_catalog(size: int, seed: int = 0) -> list[ActionDefinition]:
    """The labelled actions with generated distractors, shuffled the same way every time."""
    labelled = labelled_actions()
    if size <= len(labelled):
        return labelled[:size]
    defs = labelled + generate_actions(size - len(labelled), seed=seed)
    random.Random(seed).shuffle(defs)
    return defs


def tool_json(compiled: list[Any]) -> str:
    return json.dumps([c.openai_schema() for c in compiled])


def evaluate(
    size: int, k: int | None, count: TokenCounter, cases: list[dict[str, Any]], *, sweep: tuple[int, ...] = ()
) -> dict[str, Any]:
    catalog = ActionCatalog()
    catalog.sync(mixed_catalog(size))
    retriever = ActionRetriever()
    started = time.perf_counter()
    retriever.index(catalog)
    build_ms = (time.perf_counter() - started) * 1000
    all_tokens = count(tool_json(list(catalog)))
    schema_tokens = {c.definition.name: count(json.dumps(c.openai_schema())) for c in catalog}

    relevant = [c for c in cases if c["expected_tool"] in catalog]
    limits = Limits(top_k=k, tool_budget_tokens=0)
    hits, bound_counts, tokens, select_ms = 0, [], [], []
    for case in relevant:
        state: AgentState = {"messages": [HumanMessage(case["message"])], "channel": "chat"}
        t0 = time.perf_counter()
        offered = offered_actions(catalog, state, limits, retriever)
        select_ms.append((time.perf_counter() - t0) * 1000)
        names = [c.definition.name for c in offered]
        hits += case["expected_tool"] in names
        bound_counts.append(len(names))
        tokens.append(sum(schema_tokens[n] for n in names) + 2)  # 2: the list's brackets
    misses = []
    for case in relevant:
        state = {"messages": [HumanMessage(case["message"])], "channel": "chat"}
        names = [c.definition.name for c in offered_actions(catalog, state, limits, retriever)]
        if case["expected_tool"] not in names:
            misses.append({"message": case["message"], "expected": case["expected_tool"]})

    recall_at = {}
    for kk in sweep:
        sweep_limits = Limits(top_k=kk, tool_budget_tokens=0)
        got = 0
        for case in relevant:
            state = {"messages": [HumanMessage(case["message"])], "channel": "chat"}
            got += case["expected_tool"] in {
                c.definition.name for c in offered_actions(catalog, state, sweep_limits, retriever)
            }
        recall_at[str(kk)] = round(got / len(relevant), 4)

    # one edited action: the index re-tokenises that action only, then recomputes statistics
    defs = [c.definition for c in catalog]
    edited = defs[len(defs) // 2]
    defs[len(defs) // 2] = edited.model_copy(update={"trigger": edited.trigger + " (edited)"})
    catalog.sync(defs)
    t0 = time.perf_counter()
    retriever.index(catalog)
    rebuild_ms = (time.perf_counter() - t0) * 1000

    return {
        "actions": size,
        "k": k,
        "tool_cap": limits.cap(),
        "cases": len(relevant),
        "recall": round(hits / len(relevant), 4) if relevant else None,
        "recall_at_k": recall_at,
        "misses": misses,
        "tools_bound_max": max(bound_counts),
        "tokens_all_actions": all_tokens,
        "tokens_per_turn_mean": round(statistics.fmean(tokens), 1),
        "tokens_per_turn_max": max(tokens),
        "index_build_ms": round(build_ms, 2),
        "index_rebuild_after_one_edit_ms": round(rebuild_ms, 2),
        "select_ms_p50": round(statistics.median(select_ms), 3),
        "select_ms_max": round(max(select_ms), 3),
        "index_builds": retriever.builds,
    }


def run(sizes: list[int], k: int) -> dict[str, Any]:
    count = TokenCounter()
    cases = labelled_cases()
    rows = [evaluate(n, k, count, cases, sweep=K_SWEEP if n == max(sizes) else ()) for n in sizes]
    return {
        "date": now(),
        "machine": machine(),
        "token_count": count.method,
        "k": k,
        "targets": {"tokens_per_turn_max": TARGET_TOKENS, "recall": TARGET_RECALL, "at_actions": max(sizes)},
        "sizes": rows,
    }


def report(result: dict[str, Any]) -> str:
    rows = [
        (
            "actions",
            "k",
            "cases",
            "recall@k",
            "bound max",
            "tokens, all bound",
            "tokens/turn mean",
            "tokens/turn max",
            "index build ms",
            "rebuild ms (1 edit)",
            "select ms p50",
        )
    ]
    for r in result["sizes"]:
        rows.append(
            (
                r["actions"],
                r["k"],
                r["cases"],
                f"{r['recall']:.3f}",
                r["tools_bound_max"],
                f"{r['tokens_all_actions']:,}",
                r["tokens_per_turn_mean"],
                f"{r['tokens_per_turn_max']:,}",
                r["index_build_ms"],
                r["index_rebuild_after_one_edit_ms"],
                r["select_ms_p50"],
            )
        )
    lines = [table(rows), f"tokens: {result['token_count']}"]
    largest = result["sizes"][-1]
    if largest["recall_at_k"]:
        sweep = ", ".join(f"k={k}: {v:.3f}" for k, v in largest["recall_at_k"].items())
        lines.append(f"recall at {largest['actions']} actions by k: {sweep}")
    for r in result["sizes"]:
        for miss in r["misses"]:
            lines.append(f"  miss at {r['actions']}: {miss['expected']} <- {miss['message']!r}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--k", type=int, default=Limits().top_k or 8, help="actions bound per turn")
    parser.add_argument("--quick", action="store_true", help="sizes 20,60 only")
    parser.add_argument("--json", type=Path, default=None, help="where to write results")
    args = parser.parse_args(argv)
    sizes = [20, 60] if args.quick else sorted({int(s) for s in args.sizes.split(",") if s})
    result = run(sizes, args.k)
    print(header(result))
    print(report(result))
    print(f"\nwrote {write_result('many_actions', result, args.json, quick=args.quick)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
