"""The graph diagram, rendered without network: Graphviz DOT and Mermaid text, path marked.

Streamlit draws DOT in the browser (`st.graphviz_chart`), so no image service is ever called.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence

from agent.graph import build_graph

START, END = "__start__", "__end__"
LABELS = {START: "start", END: "end"}


def _structure() -> tuple[list[str], list[tuple[str, str, bool]]]:
    g = build_graph().compile().get_graph()
    return list(g.nodes), [(e.source, e.target, e.conditional) for e in g.edges]


def visited_edges(path: Sequence[str]) -> set[tuple[str, str]]:
    """Edges walked by a turn: (start ->) first node -> ... -> last node (-> end unless paused)."""
    full = [START, *path] if path and path[0] == "agent" else list(path)
    return {(a, b) for a, b in itertools.pairwise(full)}


def graph_dot(path: Sequence[str] = (), *, finished: bool = True, failed: Collection[str] = ()) -> str:
    """The graph in DOT; the nodes of `path` green, the ones in `failed` red (a step that
    raised, or the call node when a call it sent failed)."""
    nodes, edges = _structure()
    walked = visited_edges([*path, END] if (finished and path) else list(path))
    # A resumed turn starts inside the graph (at the node that interrupted), not at start.
    began = bool(path) and path[0] == "agent"
    seen = set(path) | ({START} if began else set()) | ({END} if finished and path else set())
    lines = [
        "digraph support_agent {",
        '  rankdir=TB; node [shape=box, style="rounded,filled", fontname="Helvetica", fillcolor="#f4f4f5", color="#a1a1aa"];',
        '  edge [color="#a1a1aa", fontname="Helvetica"];',
    ]
    for n in nodes:
        shape = ", shape=ellipse" if n in (START, END) else ""
        fill = ', fillcolor="#bbf7d0", color="#15803d", penwidth=2' if n in seen else ""
        if n in failed:
            fill = ', fillcolor="#fecaca", color="#b91c1c", penwidth=2.5'

        lines.append(f'  "{n}" [label="{LABELS.get(n, n)}"{shape}{fill}];')
    for a, b, conditional in edges:
        style = " style=dashed" if conditional else ""
        mark = ' color="#15803d" penwidth=2.5' if (a, b) in walked else ""
        lines.append(f'  "{a}" -> "{b}" [{style}{mark} ];')
    lines.append("}")
    return "\n".join(lines)


def graph_mermaid(path: Sequence[str] = (), *, finished: bool = True) -> str:
    nodes, edges = _structure()
    walked = visited_edges([*path, END] if (finished and path) else list(path))
    lines = ["flowchart TD"]
    for n in nodes:
        lines.append(f"  {n}([{LABELS.get(n, n)}])" if n in (START, END) else f"  {n}[{n}]")
    link_index = 0
    styles = []
    for a, b, conditional in edges:
        lines.append(f"  {a} {'-.->' if conditional else '-->'} {b}")
        if (a, b) in walked:
            styles.append(f"  linkStyle {link_index} stroke:#15803d,stroke-width:3px")
        link_index += 1
    seen = [n for n in nodes if n in set(path)]
    if seen:
        lines.append("  classDef visited fill:#bbf7d0,stroke:#15803d,stroke-width:2px")
        lines.append(f"  class {','.join(seen)} visited")
    return "\n".join(lines + styles)
