"""The run log on SQLite and PostgreSQL: rows written with each turn's trace, filters, paging,
aggregates computed in SQL (per day, nearest-rank percentiles, limit hits), messages that
matched no action grouped, CSV export; and the flags the traces page shows."""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agent.catalog.lexical import topic_key
from storage.run_log import NOT_RUN, RunFilter, RunLog, turn_flags, unmatched_message
from storage.traces import TraceStore

DAY1 = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)
DAY2 = datetime(2026, 11, 3, 0, 30, tzinfo=UTC)


def outcome(
    action: str, kind: str = "ok", status: int | None = 200, latency: float = 10.0, attempts: int = 1
):
    return {
        "type": "outcome",
        "action": action,
        "kind": kind,
        "status": status,
        "latency_ms": latency,
        "attempts": attempts,
    }


def refused(action: str, reason: str) -> dict[str, Any]:
    return {"type": "refused", "action": action, "reason": reason, "text": "not run"}


def trace(at: datetime, events: list[dict[str, Any]], *, text: str = "hello", **extra: Any) -> dict[str, Any]:
    calls = [
        {"type": "tool_call", "action": e["action"], "args": {}} for e in events if e["type"] != "tool_call"
    ]
    return {
        "at": at.isoformat(),
        "input": {"kind": extra.pop("kind", "message"), "value": text},
        "events": [{"type": "user", "text": text}, *calls, *events, {"type": "assistant", "text": "done"}],
        "errors": extra.pop("errors", []),
        "steps": extra.pop("steps", []),
        "interrupt": extra.pop("interrupt", None),
        **extra,
    }


@pytest.fixture
def stores(engine) -> tuple[TraceStore, RunLog]:
    return TraceStore(engine, message_key=topic_key), RunLog(engine)


def test_each_call_of_a_stored_turn_is_a_row_linked_to_its_trace(stores) -> None:
    traces, log = stores
    traces.record_turn("s1", trace(DAY1, [outcome("track_order")]), channel="chat", title="Where is it?")
    turn = traces.record_turn(
        "s1",
        trace(DAY2, [outcome("cancel_order", "http_error", 500, 812.5, 3), refused("cancel_order", "limit")]),
        channel="chat",
    )
    page = log.page(RunFilter())
    assert page.total == 3 and turn == 2
    newest = page.rows[0]
    assert (newest["session_id"], newest["turn"], newest["channel"]) == ("s1", 2, "chat")
    by_outcome = {r["outcome"]: r for r in page.rows}
    assert by_outcome["http_error"]["status"] == 500
    assert by_outcome["http_error"]["latency_ms"] == 812.5 and by_outcome["http_error"]["attempts"] == 3
    assert by_outcome[NOT_RUN]["reason"] == "limit" and by_outcome[NOT_RUN]["status"] is None
    assert by_outcome["ok"]["turn"] == 1 and by_outcome["ok"]["at"] == DAY1
    assert traces.get("s1", 2)["turn"] == 2  # the row's (session, turn) opens its trace
    assert {r["title"] for r in page.rows} == {"Where is it?"}  # the conversation's first message


def test_filters_and_paging_run_in_sql(stores) -> None:
    traces, log = stores
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for i in range(30):
        kind = "ok" if i % 3 else "timeout"
        channel = "email" if i % 2 else "chat"
        sid = f"preview-{i}" if i == 29 else f"s{i}"
        traces.record_turn(
            sid, trace(start + timedelta(hours=i), [outcome(f"a{i % 4}", kind)]), channel=channel
        )
    everything = log.page(RunFilter(), size=7)
    assert everything.total == 30 and everything.pages == 5 and len(everything.rows) == 7
    pages = [log.page(RunFilter(), offset=o, size=7).rows for o in range(0, 30, 7)]
    times = [r["at"] for p in pages for r in p]
    assert times == sorted(times, reverse=True) and len(set(times)) == 30  # no row twice, none lost
    f = RunFilter(actions=("a1", "a2"), outcomes=("ok",), channels=("email",))
    rows = log.page(f).rows
    expected = [i for i in range(30) if i % 4 in (1, 2) and i % 3 and i % 2]
    assert sorted(int(r["session_id"].split("-")[-1].lstrip("s")) for r in rows) == expected
    window = RunFilter(since=start + timedelta(hours=5), until=start + timedelta(hours=10))
    assert log.page(window).total == 5
    assert log.page(RunFilter(exclude_session_prefix="preview-")).total == 29
    assert log.page(RunFilter(exclude_session_prefix="s1")).total == 30 - 11  # s1, s10..s19
    choices = log.choices()
    assert choices.actions == ["a0", "a1", "a2", "a3"] and choices.channels == ["chat", "email"]
    assert choices.outcomes == ["ok", "timeout"]


def test_a_prefix_with_sql_wildcards_is_matched_literally(stores) -> None:
    traces, log = stores
    traces.record_turn("a_1", trace(DAY1, [outcome("x")]), channel="chat")
    traces.record_turn("ab1", trace(DAY1, [outcome("x")]), channel="chat")
    assert [r["session_id"] for r in log.page(RunFilter(exclude_session_prefix="a_")).rows] == ["ab1"]


def test_per_day_aggregates_count_by_utc_day(stores) -> None:
    traces, log = stores
    traces.record_turn(
        "s", trace(DAY1, [outcome("track"), outcome("track", "http_error", 502)]), channel="chat"
    )
    traces.record_turn("s", trace(DAY2, [outcome("track"), refused("refund", "budget")]), channel="chat")
    traces.record_turn(
        "t", trace(DAY2, [refused("refund", "limit"), refused("refund", "rejected")]), channel="chat"
    )
    f = RunFilter()
    assert log.runs_per_action_per_day(f) == [
        {"day": "2026-11-02", "action": "track", "runs": 2},
        {"day": "2026-11-03", "action": "refund", "runs": 3},
        {"day": "2026-11-03", "action": "track", "runs": 1},
    ]
    assert log.outcomes_per_day(f) == [
        {"day": "2026-11-02", "outcome": "http_error", "runs": 1},
        {"day": "2026-11-02", "outcome": "ok", "runs": 1},
        {"day": "2026-11-03", "outcome": NOT_RUN, "runs": 3},
        {"day": "2026-11-03", "outcome": "ok", "runs": 1},
    ]
    assert log.limit_hits_per_day(f) == [
        {"day": "2026-11-03", "reason": "budget", "runs": 1},
        {"day": "2026-11-03", "reason": "limit", "runs": 1},
    ]
    assert log.limit_hits_per_day(RunFilter(actions=("track",))) == []


@pytest.mark.parametrize("n", [1, 2, 19, 20, 101])
def test_latency_percentiles_are_nearest_rank_per_action(stores, n: int) -> None:
    traces, log = stores
    latencies = [float((i * 37) % 1000) for i in range(n)]  # shuffled, distinct
    events = [outcome("slow", latency=v) for v in latencies] + [outcome("fast", latency=1.0)]
    events.append(refused("slow", "limit"))  # not sent: no latency, not counted
    traces.record_turn("s", trace(DAY1, events), channel="chat")
    ordered = sorted(latencies)
    rank = {p: ordered[math.ceil(p / 100 * n) - 1] for p in (50, 95)}
    rows = {r["action"]: r for r in log.latency_by_action(RunFilter())}
    assert rows["slow"]["runs"] == n and rows["slow"]["failed"] == 0
    assert (rows["slow"]["p50_ms"], rows["slow"]["p95_ms"]) == (rank[50], rank[95])
    assert (rows["fast"]["p50_ms"], rows["fast"]["p95_ms"]) == (1.0, 1.0)


def test_messages_that_matched_no_action_are_grouped(stores) -> None:
    traces, log = stores
    said = [
        "Where is my parcel?",
        "where's my package",
        "Can I change my delivery address?",
        "WHERE IS MY PARCEL",
    ]
    for i, text in enumerate(said):
        traces.record_turn(f"s{i % 2}", trace(DAY1, [], text=text), channel="chat")
    traces.record_turn("s9", trace(DAY1, [outcome("track")], text="where is my parcel"), channel="chat")
    traces.record_turn("s9", trace(DAY1, [], text="my parcel", kind="resume"), channel="chat")
    groups = log.unmatched(RunFilter())
    assert [(g["messages"], g["conversations"]) for g in groups] == [(3, 2), (1, 1)]
    assert groups[0]["example"] in said and groups[1]["example"] == said[2]
    assert log.unmatched(RunFilter(channels=("email",))) == []


def test_csv_export_holds_every_filtered_row(stores) -> None:
    traces, log = stores
    for i in range(12):
        traces.record_turn(
            "s", trace(DAY1 + timedelta(minutes=i), [outcome('say "hi", then go')]), channel="chat"
        )
    traces.record_turn("s", trace(DAY2, [outcome("other")]), channel="chat")
    rows = list(csv.DictReader(io.StringIO(log.export_csv(RunFilter(actions=('say "hi", then go',))))))
    assert len(rows) == 12 and {r["action"] for r in rows} == {'say "hi", then go'}
    assert rows[0]["at"] > rows[-1]["at"] and rows[0]["status"] == "200"


def test_sessions_carry_their_flags_and_filter_by_them(stores) -> None:
    traces, _ = stores
    traces.record_turn("fine", trace(DAY1, [outcome("track")]), channel="chat")
    traces.record_turn("failed", trace(DAY1, [outcome("track", "http_error", 500)]), channel="chat")
    traces.record_turn("failed", trace(DAY1, [], errors=["RuntimeError: boom"]), channel="chat")
    traces.record_turn("limited", trace(DAY1, [refused("refund", "limit")]), channel="email")
    traces.record_turn("stopped", trace(DAY1, [refused("refund", "repeat")]), channel="chat")
    flags = {s["session_id"]: (s["errors"], s["limits"], s["refusals"]) for s in traces.sessions()}
    assert flags == {"fine": (0, 0, 0), "failed": (2, 0, 0), "limited": (0, 1, 0), "stopped": (0, 0, 1)}
    assert {s["session_id"] for s in traces.sessions(flagged=("error",))} == {"failed"}
    assert {s["session_id"] for s in traces.sessions(flagged=("limit", "refused"))} == {"limited", "stopped"}
    assert len(traces.sessions(flagged=())) == 4
    with pytest.raises(ValueError, match="unknown session flag"):
        traces.sessions(flagged=("oops",))


@pytest.mark.parametrize(
    ("given", "labels"),
    [
        (trace(DAY1, [outcome("a")]), []),
        (trace(DAY1, [outcome("a", "http_error", 500)]), ["error"]),
        (trace(DAY1, [outcome("a", "timeout", None)]), ["error"]),
        (trace(DAY1, [outcome("a", "config_error", None)]), ["error"]),
        (trace(DAY1, [], errors=["ValueError: x"]), ["error"]),
        (trace(DAY1, [], steps=[{"node": "agent", "error": "boom"}]), ["error"]),
        (trace(DAY1, [refused("a", "limit")]), ["limit"]),
        (trace(DAY1, [refused("a", "budget")]), ["limit"]),
        (trace(DAY1, [refused("a", "turn_cap")]), ["limit"]),
        (trace(DAY1, [refused("a", "repeat"), refused("b", "unavailable")]), ["refused"]),
        (trace(DAY1, [refused("a", "rejected")]), ["refused"]),
        (
            trace(DAY1, [outcome("a", "network", None), refused("a", "budget"), refused("b", "cancelled")]),
            ["error", "limit", "refused"],
        ),
    ],
)
def test_turn_flags_by_class_of_trace(given: dict[str, Any], labels: list[str]) -> None:
    assert turn_flags(given).labels == labels


def test_only_a_new_message_with_no_call_question_or_error_is_unmatched() -> None:
    assert unmatched_message(trace(DAY1, [], text="  Do you sell gift cards? ")) == "Do you sell gift cards?"
    assert unmatched_message(trace(DAY1, [outcome("a")])) is None
    assert unmatched_message(trace(DAY1, [refused("a", "limit")])) is None
    assert unmatched_message(trace(DAY1, [], kind="resume")) is None
    assert unmatched_message(trace(DAY1, [], interrupt={"kind": "collect"})) is None
    assert unmatched_message(trace(DAY1, [], errors=["boom"])) is None
    assert unmatched_message(trace(DAY1, [], text="   ")) is None


def test_turns_stored_at_once_by_several_writers_get_distinct_numbers(engine) -> None:
    """Several engines (as several app instances) store turns of one session that none of them
    stored before, all at once: every turn gets its own number, 1..N, and one session row."""
    import threading

    from storage import make_engine

    url = engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url) for _ in range(4)]
    numbers: list[int] = []
    start = threading.Barrier(len(engines))

    def store(e) -> None:
        traces = TraceStore(e)
        start.wait()
        for _ in range(10):
            numbers.append(traces.record_turn("shared-new", trace(DAY1, [outcome("x")]), channel="chat"))

    try:
        threads = [threading.Thread(target=store, args=(e,)) for e in engines]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for e in engines:
            e.dispose()
    assert sorted(numbers) == list(range(1, 41))
    session = TraceStore(engine).session("shared-new")
    assert session is not None and session["turns"] == 40
    assert [t["turn"] for t in TraceStore(engine).turns("shared-new")] == sorted(numbers)
