"""Concurrent editors: many threads, and several processes with threads of their own, edit the
same actions on a SQLite file and on PostgreSQL (a fresh schema).

Every edit reads an action, waits a moment (an editor thinking), and saves on the version it
read. The claims checked, per action:

* every edit either lands on exactly the version it read (it gets version read + 1) or is refused
  with `ConflictError`; nothing else happens;
* none is lost: the landed versions are exactly initial+1 .. final, the final definition is the
  one of the last landed edit, and final version - initial version == landed edits;
* the audit history has one "updated" entry per landed edit, with its actor, its version and a
  diff from the definition it replaced to the one it saved.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from storage import ActionStore, AuditEntry, init_db, make_engine
from tests.support.storage_fixtures import order_action, postgres_schema_url, refund_action
from tests.support.suite_report import SuiteCases
from tools.errors import ConflictError

# counted by tests/support/suite_report.py; slow: threads and processes editing
pytestmark = [pytest.mark.suite(3, "concurrent editors"), pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("look_up_order", "request_refund")
THREADS, EDITS_PER_THREAD = 8, 12
PROCESSES, THREADS_PER_PROCESS, EDITS_PER_WORKER = 4, 3, 8

# One editor: read, think, save on the version read; report every attempt as a JSON line.
# It runs in this process (threads) and as a script in worker processes, so it is plain text.
EDITOR = r"""
import json, random, sys, threading, time
from storage import ActionStore
from tools.errors import ConflictError

def edit(store, actor, names, attempts, seed, out, lock):
    rng = random.Random(seed)
    for i in range(attempts):
        name = rng.choice(names)
        record = {"actor": actor, "name": name}
        try:
            current = store.get(name)
            record["read"] = current.version
            title = f"{actor} edit {i}"
            trigger = f"{current.definition.trigger.split(' [')[0]} [{actor} {i}]"
            new = current.definition.model_copy(update={"title": title, "trigger": trigger})
            time.sleep(rng.uniform(0, 0.004))  # an editor thinking
            saved = store.update(name, new, expected_version=current.version, actor=actor)
            record.update(result="landed", version=saved.version, title=title, trigger=trigger)
        except ConflictError as exc:
            record.update(result="conflict", actual=exc.actual_version)
        except Exception as exc:  # anything else is a failure the test reports
            record.update(result="error", error=f"{type(exc).__name__}: {exc}")
        with lock:
            out(record)
"""

WORKER = (
    EDITOR
    + r"""
if __name__ == "__main__":
    from pathlib import Path
    from storage import make_engine
    url, prefix, threads, attempts, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5])
    engine = make_engine(url)
    store = ActionStore(engine)
    lock = threading.Lock()
    def out(record):
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()
    print("ready", flush=True)
    while not go.exists():  # every process starts editing at the same moment
        time.sleep(0.005)
    workers = [threading.Thread(target=edit, args=(store, f"{prefix}-t{n}", ["look_up_order", "request_refund"], attempts, f"{prefix}-{n}", out, lock)) for n in range(threads)]
    for w in workers: w.start()
    for w in workers: w.join()
    engine.dispose()
"""
)
_edit_namespace: dict = {}
exec(compile(EDITOR, "<editor>", "exec"), _edit_namespace)
edit = _edit_namespace["edit"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database several processes can open: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared' / 'api_actions.db'}"
    else:
        yield from postgres_schema_url()


@pytest.fixture
def seeded(shared_url: str) -> Iterator[tuple[str, Engine, dict[str, int]]]:
    engine = make_engine(shared_url)
    init_db(engine)
    store = ActionStore(engine)
    store.create(order_action(), actor="seed")
    store.create(refund_action(), actor="seed")
    # Start above version 1 so "final - initial" is not the same as "final - 1".
    start = store.get("request_refund")
    store.update(
        "request_refund", refund_action(title="Refund"), expected_version=start.version, actor="seed"
    )
    initial = {name: store.get(name).version for name in NAMES}
    try:
        yield shared_url, engine, initial
    finally:
        engine.dispose()


def _version(entry: AuditEntry) -> int:
    """The version an audited update produced (every update has one)."""
    assert entry.version is not None
    return entry.version


def check_no_edit_lost(engine: Engine, initial: dict[str, int], records: list[dict]) -> tuple:
    initial_titles = {"look_up_order": order_action()["title"], "request_refund": "Refund"}
    errors = [r for r in records if r["result"] not in ("landed", "conflict")]
    assert errors == [], errors[:5]
    store = ActionStore(engine)
    landed_total = conflicts_total = 0
    for name in NAMES:
        mine = [r for r in records if r["name"] == name]
        landed = sorted((r for r in mine if r["result"] == "landed"), key=lambda r: r["version"])
        conflicts = [r for r in mine if r["result"] == "conflict"]
        landed_total, conflicts_total = landed_total + len(landed), conflicts_total + len(conflicts)
        # Each landed edit was made on the version it read ...
        assert all(r["version"] == r["read"] + 1 for r in landed)
        # ... and a refused one was refused because the action had moved on.
        assert all(r["actual"] is None or r["actual"] > r["read"] for r in conflicts)
        final = store.get(name)
        assert [r["version"] for r in landed] == list(range(initial[name] + 1, final.version + 1))
        assert final.version - initial[name] == len(landed)
        if landed:
            last = landed[-1]
            assert (final.definition.title, final.definition.trigger) == (last["title"], last["trigger"])
            assert final.updated_by == last["actor"]

        # The audit history accounts for every landed edit, with its actor and diff.
        audit = sorted(
            (e for e in store.history(name) if e.change == "updated" and _version(e) > initial[name]),
            key=_version,
        )
        assert [(e.version, e.actor) for e in audit] == [(r["version"], r["actor"]) for r in landed]
        replaced = {"title": initial_titles[name]}  # what the first landed edit replaced
        for entry, record in zip(audit, landed, strict=False):
            assert set(entry.diff) == {"title", "trigger"}
            assert entry.diff["title"] == [replaced["title"], record["title"]]
            if "trigger" in replaced:
                assert entry.diff["trigger"] == [replaced["trigger"], record["trigger"]]
            replaced = record
    return landed_total, conflicts_total


RESULTS = {"landed": "landed", "conflict": "refused with ConflictError"}


def record_edits(cases: SuiteCases, records: list[dict]) -> None:
    """Every edit attempt is a case: it landed or was refused with ConflictError, or it failed.
    A failed check after them (`check_no_edit_lost`) counts as one more failed case."""
    for r in records:
        if r["result"] in RESULTS:
            cases.record("edit", label=RESULTS[r["result"]])
        else:
            cases.record("edit", failure=r.get("error", repr(r)), name=r["actor"])


def test_many_threads_edit_the_same_actions(seeded, request, suite_cases) -> None:
    _url, engine, initial = seeded
    store = ActionStore(engine)
    records: list[dict] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def editor(n: int) -> None:
        barrier.wait()
        edit(store, f"thread-{n}", list(NAMES), EDITS_PER_THREAD, n, records.append, lock)

    threads = [threading.Thread(target=editor, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    cases = suite_cases.part(f"threads, {request.node.callspec.id}")
    record_edits(cases, records)
    assert len(records) == THREADS * EDITS_PER_THREAD
    landed, conflicts = check_no_edit_lost(engine, initial, records)  # a failure here counts too
    assert landed > 0 and conflicts > 0, "the editors never collided: the test proved nothing"


def test_several_processes_with_threads_edit_the_same_actions(seeded, tmp_path, request, suite_cases) -> None:
    url, engine, initial = seeded
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER,
                url,
                f"proc{p}",
                str(THREADS_PER_PROCESS),
                str(EDITS_PER_WORKER),
                str(go),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        for p in range(PROCESSES)
    ]
    try:
        for proc in procs:  # wait until every process is ready, then start them together
            assert proc.stdout is not None and proc.stderr is not None  # both piped above
            line = proc.stdout.readline()
            assert line.strip() == "ready", line + proc.stderr.read()
        # Threads of this process join in too.
        store = ActionStore(engine)
        records: list[dict] = []
        lock = threading.Lock()
        local = [
            threading.Thread(
                target=edit,
                args=(store, f"parent-t{n}", list(NAMES), EDITS_PER_WORKER, 1000 + n, records.append, lock),
            )
            for n in range(THREADS_PER_PROCESS)
        ]
        go.touch()
        for t in local:
            t.start()
        for proc in procs:
            out, err = proc.communicate(timeout=180)
            assert proc.returncode == 0, err
            records += [json.loads(line) for line in out.splitlines() if line.strip()]
        for t in local:
            t.join(timeout=120)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    cases = suite_cases.part(f"processes, {request.node.callspec.id}")
    record_edits(cases, records)
    assert len(records) == (PROCESSES + 1) * THREADS_PER_PROCESS * EDITS_PER_WORKER
    landed, conflicts = check_no_edit_lost(engine, initial, records)  # a failure here counts too
    assert landed > 0 and conflicts > 0, "the editors never collided: the test proved nothing"
    landed_by_process = {r["actor"].split("-")[0] for r in records if r["result"] == "landed"}
    assert len(landed_by_process) >= 2, "edits from only one process landed"


def test_a_stale_edit_after_the_race_is_still_refused(seeded, request, suite_cases) -> None:
    """After all that, an editor holding an old version cannot overwrite the winner."""
    _, engine, _initial = seeded
    cases = suite_cases.part(f"stale edit, {request.node.callspec.id}")
    store = ActionStore(engine)
    stale = store.get("look_up_order")
    with cases.case("edit", "the fresh edit") as case:
        fresh = store.update(
            "look_up_order", order_action(title="fresh"), expected_version=stale.version, actor="a"
        )
        case.label = RESULTS["landed"]
    with cases.case("edit", "the stale edit") as case:
        with pytest.raises(ConflictError) as info:
            store.update(
                "look_up_order", order_action(title="stale"), expected_version=stale.version, actor="b"
            )
        assert info.value.actual_version == fresh.version
        assert store.get("look_up_order").definition.title == "fresh"
        assert [e.actor for e in store.history("look_up_order")][:1] == ["a"]
        case.label = RESULTS["conflict"]
