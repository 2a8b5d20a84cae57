"""Is the right action within the model's reach? Recall over the labelled retrieval set.

    .venv/bin/python -m benchmarks.retrieval_recall [--set frozen|dev] [--json PATH]

The set (`benchmarks.retrieval_set`): 326 actions (117 support actions with look-alikes, 209
operations of public OpenAPI documents through the importer) and 532 frozen requests over 207
of them. For every request, a one-message conversation goes through the agent's own selection:

- recall@k: the share of requests whose action ranks in the first k of the retriever's ranking
  (k = 1, 5, 8, 10, 15, 20);
- offered: the share whose action is among the tools the agent node binds with the default
  settings (`agent.offering.offered_actions`, `Limits()`), and the most tools bound at once.

Configurations: lexical alone (the catalog without test conversations); with examples (each
action carrying its test conversations from tests/data/retrieval/examples.tsv).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage

from agent.offering import offered_actions
from agent.retrieval import ActionRetriever, query_texts
from agent.state import AgentState, Limits
from benchmarks import retrieval_set
from benchmarks.common import header, machine, now, table, write_result
from tools.compiler import ActionCatalog

KS = (1, 5, 8, 10, 15, 20)


def compiled(with_examples: bool) -> ActionCatalog:
    catalog = ActionCatalog()
    catalog.sync(retrieval_set.catalog(with_examples=with_examples))
    return catalog


def score(name: str, catalog: ActionCatalog, requests: list[retrieval_set.Request]) -> dict[str, Any]:
    retriever = ActionRetriever()
    limits = Limits()
    index = retriever.index(catalog)
    ranks: list[int | None] = []
    offered_hits, bound_max, misses = 0, 0, []
    for r in requests:
        state: AgentState = {"messages": [HumanMessage(r.message)], "channel": "chat"}
        names = [n for n, _ in index.ranked(query_texts(state["messages"]))]
        ranks.append(names.index(r.expected) + 1 if r.expected in names else None)
        offered = [a.definition.name for a in offered_actions(catalog, state, limits, retriever)]
        bound_max = max(bound_max, len(offered))
        if r.expected in offered:
            offered_hits += 1
        else:
            misses.append({"expected": r.expected, "message": r.message, "rank": ranks[-1]})
    n = len(requests)
    return {
        "config": name,
        "requests": n,
        "recall_at": {str(k): round(sum(1 for x in ranks if x is not None and x <= k) / n, 4) for k in KS},
        "offered": round(offered_hits / n, 4),
        "bound_max": bound_max,
        "misses": misses,
    }


def run(set_name: str) -> dict[str, Any]:
    requests = retrieval_set.requests(set_name)
    configs = [
        score("lexical", compiled(False), requests),
        score("lexical + examples", compiled(True), requests),
    ]
    return {
        "date": now(),
        "machine": machine(),
        "set": set_name,
        "actions": len(retrieval_set.catalog()),
        "requests": len(requests),
        "expected_actions": len({r.expected for r in requests}),
        "limits": {"top_k": Limits().top_k},
        "configs": configs,
    }


def report(result: dict[str, Any]) -> str:
    rows = [("config", *[f"recall@{k}" for k in KS], "offered", "bound max")]
    for c in result["configs"]:
        rows.append(
            (
                c["config"],
                *[f"{c['recall_at'][str(k)]:.3f}" for k in KS],
                f"{c['offered']:.3f}",
                c["bound_max"],
            )
        )
    lines = [
        f"set {result['set']}: {result['requests']} requests over {result['expected_actions']} actions,"
        f" catalog of {result['actions']}",
        table(rows),
    ]
    for miss in result["configs"][0]["misses"]:
        lines.append(f"  miss: {miss['expected']} (rank {miss['rank']}) <- {miss['message']!r}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="frozen", choices=("frozen", "dev"))
    parser.add_argument("--json", type=Path, default=None, help="where to write results")
    args = parser.parse_args(argv)
    result = run(args.set)
    print(header(result))
    print(report(result))
    print(f"\nwrote {write_result(f'retrieval_recall_{args.set}', result, args.json)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
