"""Every performance target of the service beside the peer, from one run of the benchmarks.

    .venv/bin/python -m benchmarks.targets [--turns 300] [--rounds 3] [--quick] [--json PATH]

Runs, one after the other in one process (each benchmark interleaves its own variants):

- `turn_overhead`: action, plain and chained turns, bare graph / service / peer (p50 ratios);
- `service_costs` on SQLite and PostgreSQL: what each guarantee of the service costs per turn,
  measured alone (the bound on the turn ratios);
- `concurrency` on SQLite, N = 1, 100, 500: throughput, CPU per turn, errors (50 ms API);
- `concurrency` on PostgreSQL, N = 100, 500 (service, bare graph and peer);
- `scale_out`: two service processes on one PostgreSQL against one, and limits across them.

and prints one table: each target, what was measured, and whether it is met. `BASELINE_CPU_MS`
is the service's CPU per turn when the targets were set (`CPU per turn halved`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from benchmarks import concurrency, scale_out, service_costs, turn_overhead
from benchmarks.common import header, machine, now, table, write_result

BASELINE_CPU_MS = 19.9
"""The service's CPU per turn (concurrency benchmark) when the targets were set."""
TURN_RATIO = 1.3
SCALE_OUT_RATIO = 1.7


def _run_row(result: dict[str, Any], variant: str, n: int) -> dict[str, Any]:
    return next(r for r in result["runs"] if r["variant"] == variant and r["sessions"] == n)


def targets(parts: dict[str, Any], mid: int = 100, big: int = 500) -> list[dict[str, Any]]:
    """The targets, each with what was measured and whether it is met (at N = `mid` and `big`)."""
    rows: list[dict[str, Any]] = []

    def add(target: str, measured: str, met: bool) -> None:
        rows.append({"target": target, "measured": measured, "met": met})

    turns = parts["turn_overhead"]["variants"]
    for kind in ("action", "plain", "chained"):
        graph, svc = turns["graph"][kind], turns["service"][kind]
        peer_ms = turns["peer"][kind]["p50"]
        graph_r, svc_r = graph["ratio_p50_to_peer"], svc["ratio_p50_to_peer"]
        add(
            f"{kind} turn p50: bare graph <= 1.0x peer",
            f"{graph_r:.2f}x ({graph['p50']:.2f} / {peer_ms:.2f} ms)",
            graph_r <= 1.0,
        )
        add(
            f"{kind} turn p50: service <= {TURN_RATIO}x peer",
            f"{svc_r:.2f}x ({svc['p50']:.2f} / {peer_ms:.2f} ms)",
            svc_r <= TURN_RATIO,
        )
    sqlite = parts["concurrency_sqlite"]
    cpu = _run_row(sqlite, "service", mid)["cpu_ms_per_turn"]
    add(
        f"CPU per turn halved (service, N = {mid}, from {BASELINE_CPU_MS} ms)",
        f"{cpu:.2f} ms (peer {_run_row(sqlite, 'peer', mid)['cpu_ms_per_turn']:.2f})",
        cpu <= BASELINE_CPU_MS / 2,
    )
    for label, result, n in (("SQLite", sqlite, mid), ("PostgreSQL", parts["concurrency_postgres"], mid)):
        svc_tps, peer_tps = (
            _run_row(result, "service", n)["turns_per_s"],
            _run_row(result, "peer", n)["turns_per_s"],
        )
        add(
            f"throughput N = {n}, {label}: service >= peer",
            f"{svc_tps:.1f} vs {peer_tps:.1f} turns/s ({svc_tps / peer_tps:.2f}x)",
            svc_tps >= peer_tps,
        )
    for label, result in (("SQLite", sqlite), ("PostgreSQL", parts["concurrency_postgres"])):
        errors = _run_row(result, "service", big)["errors"]
        add(f"0 errors at N = {big}, {label} (service)", str(errors), errors == 0)
    scaled = parts["scale_out"]
    ratio, limits = scaled["summary"]["ratio"], scaled["limits"]
    add(
        f"scale-out: 2 processes >= {SCALE_OUT_RATIO}x 1 (PostgreSQL)",
        f"{ratio:.2f}x (rounds {', '.join(map(str, scaled['summary']['ratio_per_round']))})",
        ratio >= SCALE_OUT_RATIO,
    )
    add(
        "limits exact across the 2 processes",
        f"max {limits['max_calls_seen']} sent calls per session, budget {limits['budget']}, "
        f"{limits['sessions_checked']} sessions checked",
        bool(limits["ok"]),
    )
    return rows


def run(turns: int, warmup: int, rounds: int, scale_sessions: int, sizes: list[int]) -> dict[str, Any]:
    parts: dict[str, Any] = {}
    print("turn overhead ...", flush=True)
    parts["turn_overhead"] = turn_overhead.run(turns, warmup)
    print("service costs ...", flush=True)
    parts["service_costs"] = service_costs.run(max(turns, 20))
    parts["service_costs_postgres"] = service_costs.run(max(turns, 20), "postgres")
    print("concurrency on SQLite ...", flush=True)
    parts["concurrency_sqlite"] = concurrency.run([1, *sizes], 50.0, ("service", "graph", "peer"), "sqlite")
    print("concurrency on PostgreSQL ...", flush=True)
    parts["concurrency_postgres"] = concurrency.run(sizes, 50.0, ("service", "graph", "peer"), "postgres")
    print("scale-out on PostgreSQL ...", flush=True)
    parts["scale_out"] = scale_out.run(scale_sessions, 50.0, rounds)
    return {
        "date": now(),
        "machine": machine(),
        "targets": targets(parts, sizes[0], sizes[-1]),
        "parts": parts,
    }


def report(result: dict[str, Any]) -> str:
    parts = result["parts"]
    sections = [
        turn_overhead.report(parts["turn_overhead"]),
        service_costs.report(parts["service_costs"]),
        service_costs.report(parts["service_costs_postgres"]),
        "SQLite checkpointer\n" + concurrency.report(parts["concurrency_sqlite"]),
        "PostgreSQL checkpointer and storage\n" + concurrency.report(parts["concurrency_postgres"]),
        scale_out.report(parts["scale_out"]),
    ]
    rows = [("target", "measured", "met")]
    rows += [(t["target"], t["measured"], "yes" if t["met"] else "NO") for t in result["targets"]]
    return "\n\n".join([*sections, table(rows)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=300, help="turn-overhead iterations per variant")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="scale-out rounds")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.quick:
        result = run(5, 1, 1, 5, [5, 10])
    else:
        result = run(args.turns, args.warmup, args.rounds, 100, [100, 500])
    print(header(result))
    print(report(result))
    print(f"\nwrote {write_result('targets', result, args.json, quick=args.quick)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
