"""Is the right action within the model's reach? Recall over the labelled retrieval set.

        "--set",
        default="frozen",
        choices=("frozen", "frozen3", "dev", "dev_wide", "dev_search", "dev_indirect", "dev_ops", "dev_fresh"),

The set (`benchmarks.retrieval_set`): 326 actions (117 support actions with look-alikes, 209
operations of public OpenAPI documents through the importer) and 532 frozen requests over 207
of them. For every request, a one-message conversation goes through the agent's own selection:

- recall@k: the share of requests whose action ranks in the first k of the retriever's ranking
  (k = 1, 5, 8, 10, 15, 20);
- offered: the share whose action is among the tools the agent node binds with the default
  settings (`agent.catalog.offering.offered_actions`, `Limits()`: 15, and the look-alikes of the
  15th the ranking cannot tell from it up to the default tool cap of 20, `Limits.cap`), and the
  most tools bound at once.

- offered + search: the share whose action is offered, or found by the catalog search tool
  when it is not (the customer's message stands in for the query the model would write); the
  rescue rate is the share of the misses the search finds.

With `--padded` (development sets only) each request is wrapped in a greeting and a sign-off
(`benchmarks.retrieval_set.padded`): the same requests as long messages.

Configurations: lexical alone (the catalog without test conversations), at the default
settings; with examples (each action carrying its test conversations from
tests/data/retrieval/examples.tsv); with examples and a local embedding stand-in fused in
(`benchmarks.embedding_standin`: hashed words and character trigrams, not a trained model; a
fused ranking binds no tail); lexical alone with exactly 15 bound (`Limits(max_tools=16)`: no
tail, the search tool the 16th; what the default was before the tool cap). "bound max" counts
the tools bound to one model call: the actions and the search tool, or the actions bound for
the step after a search.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage

from agent.catalog.offering import allowed_actions, bound_after_search, offered_actions, search_size
from agent.catalog.retrieval import ActionRetriever, query_texts
from agent.catalog.semantic import SemanticRanker
from agent.state import DEFAULT_TOP_K, AgentState, Limits
from benchmarks import retrieval_set
from benchmarks.common import header, machine, now, table, write_result
from benchmarks.embedding_standin import StandInEmbeddings
from tools.compiler import ActionCatalog

KS = (1, 5, 8, 10, 15, 20)
NO_TAIL = Limits(max_tools=DEFAULT_TOP_K + 1)
"""The last configuration: the default 15 and the search tool, nothing past the 15th."""


def compiled(with_examples: bool) -> ActionCatalog:
    catalog = ActionCatalog()
    catalog.sync(retrieval_set.catalog(with_examples=with_examples))
    return catalog


async def score(
    name: str,
    catalog: ActionCatalog,
    requests: list[retrieval_set.Request],
    semantic: SemanticRanker | None = None,
    limits: Limits | None = None,
) -> dict[str, Any]:
    retriever = ActionRetriever(semantic=semantic)
    limits = limits if limits is not None else Limits()
    ranks: list[int | None] = []
    offered_hits, rescued, bound_max, misses = 0, 0, 0, []
    for r in requests:
        state: AgentState = {"messages": [HumanMessage(r.message)], "channel": "chat"}
        await retriever.prepare(catalog, state["messages"])
        names = retriever.ranked(catalog, query_texts(state["messages"]), max(KS))
        ranks.append(names.index(r.expected) + 1 if r.expected in names else None)
        allowed = allowed_actions(catalog, state)
        offered_here = offered_actions(catalog, state, limits, retriever, allowed)
        offered = [a.definition.name for a in offered_here]
        searchable = len(offered) < len(allowed)
        bound_max = max(bound_max, len(offered) + searchable)  # the search tool besides
        # the search tool on every request (the model may search whenever retrieval bound part of
        # the catalog), with the customer's message standing in for the model's query
        others = [a for a in allowed if a.definition.name not in offered]
        found_actions = (
            retriever.search(catalog, others, r.message, search_size(limits)) if searchable else []
        )
        after = bound_after_search(catalog, state, limits, retriever, offered_here, found_actions)
        bound_max = max(bound_max, len(after))
        if r.expected in offered:
            offered_hits += 1
            continue
        found = [a.definition.name for a in found_actions]
        rescued += r.expected in found
        misses.append(
            {"expected": r.expected, "message": r.message, "rank": ranks[-1], "rescued": r.expected in found}
        )
    n = len(requests)
    missed = n - offered_hits
    return {
        "config": name,
        "requests": n,
        "recall_at": {str(k): round(sum(1 for x in ranks if x is not None and x <= k) / n, 4) for k in KS},
        "offered": round(offered_hits / n, 4),
        "offered_or_searched": round((offered_hits + rescued) / n, 4),
        "search_rescue_rate": round(rescued / missed, 4) if missed else None,
        "bound_max": bound_max,
        "embedded_documents": semantic.embedded if semantic is not None else None,
        "misses": misses,
    }


async def measure(requests: list[retrieval_set.Request]) -> list[dict[str, Any]]:
    stand_in = SemanticRanker(StandInEmbeddings(), model="stand-in")
    return [
        await score("lexical", compiled(False), requests),
        await score("lexical + examples", compiled(True), requests),
        await score("lexical + examples + stand-in embeddings", compiled(True), requests, stand_in),
        await score("lexical, exactly 15 (no tail)", compiled(False), requests, None, NO_TAIL),
    ]


def run(set_name: str, pad: bool = False) -> dict[str, Any]:
    requests = retrieval_set.requests(set_name)
    if pad:
        requests = retrieval_set.padded(requests)
    limits = Limits()
    return {
        "date": now(),
        "machine": machine(),
        "set": set_name + ("+padded" if pad else ""),
        "actions": len(retrieval_set.catalog()),
        "requests": len(requests),
        "expected_actions": len({r.expected for r in requests}),
        "limits": {
            "top_k": limits.top_k,
            "tool_budget_tokens": limits.tool_budget_tokens,
            "search_results": limits.search_results,
            "max_tools": limits.max_tools,
            "tool_cap": limits.cap(),
        },
        "search_query": "the customer's message (stands in for the model's query)",
        "embeddings": "stand-in: hashed words and character trigrams (benchmarks.embedding_standin), not a trained model",
        "configs": asyncio.run(measure(requests)),
    }


def report(result: dict[str, Any]) -> str:
    rows = [("config", *[f"recall@{k}" for k in KS], "offered", "+search", "rescue", "bound max")]
    for c in result["configs"]:
        rescue = c["search_rescue_rate"]
        rows.append(
            (
                c["config"],
                *[f"{c['recall_at'][str(k)]:.3f}" for k in KS],
                f"{c['offered']:.3f}",
                f"{c['offered_or_searched']:.3f}",
                "-" if rescue is None else f"{rescue:.3f}",
                c["bound_max"],
            )
        )
    lines = [
        f"set {result['set']}: {result['requests']} requests over {result['expected_actions']} actions,"
        f" catalog of {result['actions']}",
        table(rows),
    ]
    if result["set"].startswith("frozen"):
        # a frozen set is reported on, never read request by request (the misses stay in the JSON)
        lines.append("  (misses are listed for the development sets only)")
        return "\n".join(lines)
    for miss in result["configs"][0]["misses"]:
        found = "found by search" if miss["rescued"] else "not found"
        lines.append(f"  miss: {miss['expected']} (rank {miss['rank']}, {found}) <- {miss['message']!r}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set",
        default="frozen",
        choices=(
            "frozen",
            "frozen3",
            "dev",
            "dev_wide",
            "dev_search",
            "dev_indirect",
            "dev_ops",
            "dev_fresh",
            "dev_rescue",
        ),
    )
    parser.add_argument("--json", type=Path, default=None, help="where to write results")
    parser.add_argument(
        "--padded",
        action="store_true",
        help="wrap each request in a greeting and a sign-off (a long message; development sets only)",
    )
    args = parser.parse_args(argv)
    if args.padded and args.set.startswith("frozen"):
        parser.error("--padded is for the development sets")
    result = run(args.set, args.padded)
    print(header(result))
    print(report(result))
    name = f"retrieval_recall_{result['set'].replace('+', '_')}"
    print(f"\nwrote {write_result(name, result, args.json)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
