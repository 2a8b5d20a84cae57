"""Scale-out on PostgreSQL: the full service in one process against two, on one database.

    .venv/bin/python -m benchmarks.scale_out [--sessions 100] [--latency-ms 50] [--rounds 3] [--json PATH]

The demo API runs in its own process with `--latency-ms` added to every request. One fresh
PostgreSQL schema (on `DATABASE_TEST_URL`, dropped afterwards) holds everything: the actions and
secrets (stored once), the checkpoints, traces and the call ledger. Two worker processes each open
the full service on it (`benchmarks.common.service`: `SupportAgent.send`, its own PostgreSQL
checkpointer pool, storage engine and session locks) and wait for work, so start-up is not timed.

Throughput. Each round is a one-process run (worker A alone) and a two-process run (A and B
together), in alternating order, so drift hits both alike. Every process runs `--sessions` N
sessions at once, each an action turn (model -> API call -> model) then a plain turn: the
two-process run does twice the work of the one-process run. That is the choice that makes the
ratio a measure of capacity: each process carries the same load in both runs, and N is chosen so
that one process is busy (at N = 100 and a 50 ms API, one process is CPU-bound, see
`benchmarks.concurrency`), so "2-process turns/s / 1-process turns/s" says how much a second
process adds. Splitting the same work in two instead would halve each process's load and so
measure latency, not capacity (N / 2 sessions may not keep a process busy). Wall time is from the
first worker's start to the last worker's end (`time.monotonic`, one clock for every process on
Linux); throughput is turns over that; the figure is the median over `--rounds` rounds. "CPU
use" is each worker's CPU time over its wall time; "PostgreSQL CPU" is the server's processes'
(the local server: other users of it count too); "machine cores busy" counts every process of
the machine during the run (workers, PostgreSQL, the API process and anything else running), so
it shows when the two cores, not the service, were the bound: PostgreSQL and the API share the
workers' cores here, so on a machine with nothing else running the ratio cannot exceed
cores / (cores busy during the one-process run).

Limits across processes. Then both workers send turns to the SAME `--limit-sessions` sessions,
`--attempts` action turns each per session (so 2 x attempts per session), with the per-session
action budget (`Limits.max_actions_per_session`) set to `--budget` below that. The call ledger
(`CallLedger.count(session_id=...)`) must show, for every session of the run, no more sent
calls than the budget; for the shared sessions, exactly the budget (an attempt is refused only
when the budget is really used up).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from benchmarks.common import (
    PLAIN_MESSAGE,
    BenchModel,
    action_message,
    demo_api_process,
    header,
    machine,
    now,
    postgres_schema,
    seed_storage,
    service,
    summary_ms,
    table,
    write_result,
)

WORKERS = ("a", "b")
_HZ = os.sysconf("SC_CLK_TCK")
TARGET_RATIO = 1.7
"""Two processes on this 2-core machine: at least 1.7x the turns per second of one."""


# -- a worker process ----------------------------------------------------------------------------


def worker(conn: Connection, base_url: str, database_url: str, secret_key: str, budget: int) -> None:
    """A worker process: opens the service, says "ready", then runs each round it is sent."""
    asyncio.run(_work(conn, base_url, database_url, secret_key, budget))


async def _work(conn: Connection, base_url: str, database_url: str, secret_key: str, budget: int) -> None:
    from agent.state import Limits

    limits = Limits(max_actions_per_session=budget)
    async with service(
        base_url,
        None,
        model=BenchModel(),
        limits=limits,
        database_url=database_url,
        secret_key=secret_key,
        seed=False,
    ) as agent:
        conn.send("ready")
        while (job := await asyncio.to_thread(conn.recv)) is not None:
            conn.send(await _run_job(agent, job))


async def _run_job(agent, job: dict[str, Any]) -> dict[str, Any]:
    """Every session of the job at once; within a session, its turns one after another."""
    latencies: list[float] = []
    errors: list[str] = []
    calls = {"sent": 0, "refused": 0}

    async def session(name: str, texts: list[str]) -> None:
        for text in texts:
            start = time.perf_counter()
            try:
                result = await agent.send(name, text)
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            latencies.append(time.perf_counter() - start)
            errors.extend(result.trace.get("errors") or ())
            for event in result.events:
                if event["type"] == "outcome":
                    if event.get("kind") == "ok":
                        calls["sent"] += 1
                    else:
                        errors.append(event.get("summary") or "outcome not ok")
                elif event["type"] == "refused":
                    calls["refused"] += 1

    cpu0, start = time.process_time(), time.monotonic()
    await asyncio.gather(*(session(name, texts) for name, texts in job["sessions"].items()))
    end, cpu = time.monotonic(), time.process_time() - cpu0
    return {
        "start": start,
        "end": end,
        "cpu_s": cpu,
        "turns": sum(len(texts) for texts in job["sessions"].values()),
        "latencies": latencies,
        "errors": errors,
        **calls,
    }


# -- the coordinator -----------------------------------------------------------------------------


class Workers:
    """The worker processes, each behind a pipe."""

    def __init__(self, base_url: str, database_url: str, secret_key: str, budget: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes: dict[str, Connection] = {}
        self.processes = []
        for name in WORKERS:
            parent, child = context.Pipe()
            process = context.Process(
                target=worker, args=(child, base_url, database_url, secret_key, budget), name=f"worker-{name}"
            )
            process.start()
            child.close()  # the worker's end, now held by the worker
            self.pipes[name] = parent
            self.processes.append(process)
        for name, pipe in self.pipes.items():
            if not pipe.poll(120) or pipe.recv() != "ready":
                raise RuntimeError(f"worker {name} did not start")

    def run(self, jobs: dict[str, dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], dict[str, float]]:
        """Send each named worker its job at once; wait for every result. Also returns the
        cores the whole machine kept busy meanwhile (workers, PostgreSQL, the API, others)
        and the CPU seconds of the PostgreSQL server's processes."""
        machine0, postgres0 = _machine_cpu(), _postgres_cpu()
        for name, job in jobs.items():
            self.pipes[name].send(job)
        results = {name: self.pipes[name].recv() for name in jobs}
        machine1, postgres1 = _machine_cpu(), _postgres_cpu()
        cores = _cores_busy(machine0, machine1)
        return results, {"machine_cores_busy": cores, "postgres_cpu_s": (postgres1 - postgres0) / _HZ}

    def close(self) -> None:
        for pipe in self.pipes.values():
            try:
                pipe.send(None)
            except OSError:  # the worker is gone (its error is what the caller sees)
                pass
        for process in self.processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
                process.join(timeout=10)


def _machine_cpu() -> tuple[int, int]:
    """Busy and total jiffies of all CPUs since boot (Linux `/proc/stat`)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


def _postgres_cpu() -> int:
    """CPU jiffies of the local PostgreSQL server: its live processes, plus the backends that
    exited (counted in the postmaster's children's time)."""
    own: dict[int, tuple[int, int, int]] = {}  # pid: parent, own time, reaped children's time
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        if text[text.index("(") + 1 : text.rindex(")")] == "postgres":
            fields = text[text.rindex(")") + 2 :].split()  # state, ppid, ..., utime at 11
            utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
            own[int(stat.parent.name)] = (int(fields[1]), utime + stime, cutime + cstime)
    # the postmaster is the one whose parent is not the server's: its reaped children are backends
    return sum(t + (children if parent not in own else 0) for parent, t, children in own.values())


def _cores_busy(before: tuple[int, int], after: tuple[int, int]) -> float:
    total = after[1] - before[1]
    return round((after[0] - before[0]) / total * (os.cpu_count() or 1), 2) if total else 0.0


def _throughput_job(prefix: str, n: int) -> dict[str, Any]:
    return {"sessions": {f"{prefix}-{i}": [action_message(i), PLAIN_MESSAGE] for i in range(n)}}


def _merge(mode: str, results: dict[str, dict[str, Any]], machine: dict[str, float]) -> dict[str, Any]:
    turns = sum(r["turns"] for r in results.values())
    wall = max(r["end"] for r in results.values()) - min(r["start"] for r in results.values())
    latencies = [s for r in results.values() for s in r["latencies"]]
    errors = [e for r in results.values() for e in r["errors"]]
    cpu = sum(r["cpu_s"] for r in results.values())
    return {
        "mode": mode,
        "processes": len(results),
        "turns": turns,
        "wall_s": round(wall, 3),
        "turns_per_s": round(turns / wall, 1),
        "latency_ms": summary_ms(latencies) if latencies else {},
        "cpu_ms_per_turn": round(cpu * 1000 / turns, 2),
        "cpu_per_process": {
            name: round(r["cpu_s"] / (r["end"] - r["start"]), 3) for name, r in results.items()
        },
        "postgres_cpu_ms_per_turn": round(machine["postgres_cpu_s"] * 1000 / turns, 2),
        "machine_cores_busy": machine["machine_cores_busy"],
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:3],
    }


def measure(
    n: int, latency_ms: float, rounds: int, limit_sessions: int, attempts: int, budget: int
) -> dict[str, Any]:
    from cryptography.fernet import Fernet

    from storage.checkpoints import open_checkpointer
    from storage.db import make_engine
    from storage.ledger import CallLedger

    secret_key = Fernet.generate_key().decode()
    with postgres_schema() as database_url, demo_api_process(latency_ms) as base_url:
        seed_storage(base_url, database_url, secret_key)
        asyncio.run(_create_checkpoint_tables(open_checkpointer, database_url))  # once, not raced
        workers = Workers(base_url, database_url, secret_key, budget)
        sessions: list[str] = []
        try:
            warm = {w: _throughput_job(f"warm-{w}", min(n, 10)) for w in WORKERS}
            workers.run(warm)
            runs: list[dict[str, Any]] = []
            for r in range(rounds):
                modes = ("1 process", "2 processes") if r % 2 == 0 else ("2 processes", "1 process")
                for mode in modes:
                    names = WORKERS[:1] if mode == "1 process" else WORKERS
                    jobs = {w: _throughput_job(f"r{r}-p{len(names)}-{w}", n) for w in names}
                    sessions += [s for job in jobs.values() for s in job["sessions"]]
                    row = {"round": r, **_merge(mode, *workers.run(jobs))}
                    runs.append(row)
                    print(
                        f"  round {r}  {mode:11s}  {row['turns_per_s']:7.1f} turns/s  "
                        f"p50 {row['latency_ms'].get('p50', 0):.1f} ms  errors {row['errors']}",
                        flush=True,
                    )
            shared = [f"limit-{i}" for i in range(limit_sessions)]
            texts = [action_message(k) for k in range(attempts)]
            limit_results, _ = workers.run({w: {"sessions": dict.fromkeys(shared, texts)} for w in WORKERS})
        finally:
            workers.close()
        engine = make_engine(database_url)
        try:
            ledger = CallLedger(engine)
            shared_counts = [ledger.count(session_id=s) for s in shared]
            other_counts = [ledger.count(session_id=s) for s in sessions]
        finally:
            engine.dispose()
    return {
        "runs": runs,
        "limits": {
            "budget": budget,
            "attempts_per_session": attempts * len(WORKERS),
            "shared_sessions": len(shared),
            "sessions_checked": len(shared) + len(sessions),
            "max_calls_seen": max(shared_counts + other_counts),
            "shared_sessions_at_budget": sum(c == budget for c in shared_counts),
            "sessions_over_budget": sum(c > budget for c in shared_counts + other_counts),
            "per_worker": {
                w: {k: r[k] for k in ("sent", "refused", "turns")} | {"errors": len(r["errors"])}
                for w, r in limit_results.items()
            },
            "ok": max(shared_counts + other_counts) <= budget and all(c == budget for c in shared_counts),
        },
    }


async def _create_checkpoint_tables(open_checkpointer, database_url: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        async with open_checkpointer(database_url, Path(tmp)):
            pass


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    by_mode = {
        mode: statistics.median(r["turns_per_s"] for r in runs if r["mode"] == mode)
        for mode in ("1 process", "2 processes")
    }
    pairs = [
        two["turns_per_s"] / one["turns_per_s"]
        for one, two in zip(
            (r for r in runs if r["mode"] == "1 process"),
            (r for r in runs if r["mode"] == "2 processes"),
            strict=True,
        )
    ]
    return {
        "turns_per_s": by_mode,
        "ratio": round(by_mode["2 processes"] / by_mode["1 process"], 2),
        "ratio_per_round": [round(p, 2) for p in pairs],
    }


def run(
    n: int, latency_ms: float, rounds: int, limit_sessions: int = 20, attempts: int = 3, budget: int = 4
) -> dict[str, Any]:
    measured = measure(n, latency_ms, rounds, limit_sessions, attempts, budget)
    return {
        "date": now(),
        "machine": machine(),
        "sessions_per_process": n,
        "api_latency_ms": latency_ms,
        "rounds": rounds,
        "target_ratio": TARGET_RATIO,
        "summary": summarise(measured["runs"]),
        **measured,
    }


def report(result: dict[str, Any]) -> str:
    rows = [
        (
            "round",
            "mode",
            "turns",
            "wall s",
            "turns/s",
            "p50 ms",
            "p95 ms",
            "CPU ms/turn",
            "CPU use",
            "PostgreSQL CPU ms/turn",
            "machine cores busy",
            "errors",
        )
    ]
    for r in result["runs"]:
        rows.append(
            (
                r["round"],
                r["mode"],
                r["turns"],
                r["wall_s"],
                r["turns_per_s"],
                f"{r['latency_ms'].get('p50', 0):.1f}",
                f"{r['latency_ms'].get('p95', 0):.1f}",
                r["cpu_ms_per_turn"],
                " / ".join(f"{v:.2f}" for v in r["cpu_per_process"].values()),
                r["postgres_cpu_ms_per_turn"],
                f"{r['machine_cores_busy']:.2f}",
                r["errors"],
            )
        )
    s, limits = result["summary"], result["limits"]
    per_worker = ", ".join(
        f"{w}: {v['sent']} sent, {v['refused']} refused" for w, v in limits["per_worker"].items()
    )
    lines = [
        table(rows),
        "",
        f"median turns/s: 1 process {s['turns_per_s']['1 process']}, "
        f"2 processes {s['turns_per_s']['2 processes']}; "
        f"ratio {s['ratio']} (per round {', '.join(map(str, s['ratio_per_round']))}; target >= {TARGET_RATIO})",
        f"limits: {limits['sessions_checked']} sessions checked in the ledger, max {limits['max_calls_seen']} "
        f"sent calls in a session, budget {limits['budget']}; {limits['shared_sessions_at_budget']} of "
        f"{limits['shared_sessions']} shared sessions at the budget after {limits['attempts_per_session']} "
        f"attempts each from {len(limits['per_worker'])} processes "
        f"({per_worker}) -> {'ok' if limits['ok'] else 'EXCEEDED OR SHORT'}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100, help="sessions at once in each process")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--rounds", type=int, default=3, help="pairs of one- and two-process runs")
    parser.add_argument("--limit-sessions", type=int, default=20, help="sessions both processes send to")
    parser.add_argument(
        "--attempts", type=int, default=3, help="action turns per shared session, per process"
    )
    parser.add_argument("--budget", type=int, default=4, help="max_actions_per_session (below 2 x attempts)")
    parser.add_argument(
        "--quick", action="store_true", help="N = 3, 1 round, 5 ms latency, 3 shared sessions"
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.quick:
        result = run(3, 5.0, 1, limit_sessions=3, attempts=args.attempts, budget=args.budget)
    else:
        result = run(
            args.sessions, args.latency_ms, args.rounds, args.limit_sessions, args.attempts, args.budget
        )
    print(header(result))
    print(report(result))
    print(f"\nwrote {write_result('scale_out', result, args.json, quick=args.quick)}")
    return 0 if result["limits"]["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
