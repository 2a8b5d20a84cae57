"""The run log: every action call of every stored turn, and the turn's flags, for analytics.

Recorded from the turn trace's own write (`TraceStore.record_turn`), in the same transaction:
the trace already holds everything a row needs (time, session, channel, turn number, each
call's outcome class, HTTP status, latency and attempts, each call a rule stopped and why,
the turn's errors and the customer's text), so the turn runner needs no second call, a row
always links to a stored trace, and a trace that waited out a database outage gets its rows
when it is stored. The call ledger was not used: it is written before a call is sent and does
not know the channel, the turn, or the calls stopped before they reached it (most limit and
budget refusals are decided from the conversation's state).

Every query aggregates, filters and pages in SQL (indexes in `run_tables`), so the analytics
page stays fast at 100,000 runs on SQLite and PostgreSQL (`benchmarks/run_log.py`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select, text
from sqlalchemy.engine import Engine

from .db import read_session
from .run_tables import ActionRunRow, SessionRow, TurnFlagsRow

RUNS: Any = ActionRunRow
"""The run table for building queries (sqlmodel types a column attribute as its Python value,
so `RUNS.at.desc()` would not type-check on `ActionRunRow` itself)."""
FLAGS: Any = TurnFlagsRow
SESSIONS: Any = SessionRow

NOT_RUN = "not_run"
"""The outcome class of a call a rule stopped before it was sent."""
SEARCHED = "search"
"""The outcome class of the agent's catalog search (its `action` is the search tool's name)."""
LIMIT_REASONS = frozenset({"limit", "budget", "turn_cap"})
"""Reasons of a call not run that mean a limit was reached (the rest are refusals)."""
CALL_EVENTS = frozenset({"tool_call", "outcome", "refused"})
EXPORT_COLUMNS = (
    "at",
    "session_id",
    "turn",
    "channel",
    "action",
    "outcome",
    "reason",
    "status",
    "latency_ms",
    "attempts",
)
EXPORT_BATCH = 5000
MessageKey = Callable[[str], str]
CHOICE_COLUMNS = ("action", "outcome", "channel")
_DISTINCT = """
WITH RECURSIVE seen(v) AS (
    SELECT MIN({c}) FROM action_runs
    UNION ALL
    SELECT (SELECT MIN({c}) FROM action_runs WHERE {c} > seen.v) FROM seen WHERE seen.v IS NOT NULL
)
SELECT v FROM seen WHERE v IS NOT NULL
"""
"""The distinct values of an indexed column, one index seek per value (a loose index scan):
neither database skips through an index for `SELECT DISTINCT`, which reads every row."""


def plain_key(text: str) -> str:
    """The default grouping key: lower case, words only, single spaces."""
    return " ".join(re.findall(r"\w+", text.lower()))[:200]


def as_utc(value: Any) -> datetime:
    """An ISO text or a datetime as an aware UTC datetime; now when there is none or it cannot
    be read (a naive one is taken as UTC)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, datetime):
        value = datetime.now(UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


# -- what a trace says ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TurnFlags:
    """What went wrong in a turn, for the traces page and the run log."""

    failed: bool = False
    """An error: the turn raised, a step failed, or a call's outcome was not ok."""
    limit_hit: bool = False
    """A call was not run because a limit or the conversation's budget was reached."""
    refused: bool = False
    """A call was not run for another reason (repeat, unavailable, rejected, cancelled, ...)."""

    @property
    def labels(self) -> list[str]:
        return [
            n
            for n, on in (("error", self.failed), ("limit", self.limit_hit), ("refused", self.refused))
            if on
        ]


def turn_flags(trace: dict[str, Any]) -> TurnFlags:
    """The flags of one stored trace (also of traces stored before the run log existed)."""
    events = trace.get("events") or []
    failed = bool(trace.get("errors")) or any(s.get("error") for s in trace.get("steps") or [])
    failed = failed or any(e.get("type") == "outcome" and e.get("kind") != "ok" for e in events)
    reasons = {str(e.get("reason") or "") for e in events if e.get("type") == "refused"}
    return TurnFlags(
        failed=failed, limit_hit=bool(reasons & LIMIT_REASONS), refused=bool(reasons - LIMIT_REASONS)
    )


def unmatched_message(trace: dict[str, Any]) -> str | None:
    """The customer's message when the turn matched no action: a new message that led to no
    call (run or not), no question, and no error; None otherwise."""
    given = trace.get("input") or {}
    text = given.get("value")
    if given.get("kind") != "message" or not isinstance(text, str) or not text.strip():
        return None
    if trace.get("interrupt") or trace.get("errors"):
        return None
    if any(e.get("type") in CALL_EVENTS for e in trace.get("events") or []):
        return None
    return text.strip()


def rows_of_turn(
    trace: dict[str, Any], *, session_id: str, turn: int, channel: str, message_key: MessageKey
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The run-log rows of one turn's trace, as column values (`TurnFlagsRow`, `ActionRunRow`;
    called inside the trace's write transaction). Every run row has every column, so they go in
    as one multi-row insert."""
    at = as_utc(trace.get("at"))
    common: dict[str, Any] = {"at": at, "session_id": session_id, "turn": turn, "channel": channel[:16]}
    runs: list[dict[str, Any]] = []
    for e in trace.get("events") or []:
        if e.get("type") == "outcome":
            runs.append(
                {
                    **common,
                    "action": str(e.get("action") or "")[:64],
                    "outcome": str(e.get("kind") or "")[:24],
                    "reason": None,
                    "status": e.get("status"),
                    "latency_ms": e.get("latency_ms"),
                    "attempts": int(e.get("attempts") or 0),
                }
            )
        elif e.get("type") == "search":
            runs.append(
                {
                    **common,
                    "action": str(e.get("action") or "")[:64],
                    "outcome": SEARCHED,
                    "reason": None,
                    "status": None,
                    "latency_ms": None,
                    "attempts": 0,
                }
            )
        elif e.get("type") == "refused":
            runs.append(
                {
                    **common,
                    "action": str(e.get("action") or "")[:64],
                    "outcome": NOT_RUN,
                    "reason": str(e.get("reason") or "")[:24],
                    "status": None,
                    "latency_ms": None,
                    "attempts": 0,
                }
            )
    flags = turn_flags(trace)
    message = unmatched_message(trace)
    row = {
        **common,
        "failed": flags.failed,
        "limit_hit": flags.limit_hit,
        "refused": flags.refused,
        "unmatched": message is not None,
        "message": message,
        "message_key": (message_key(message)[:200] or plain_key(message)) if message else None,
    }
    return row, runs


# -- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunFilter:
    """Which runs to show; empty tuples mean all."""

    actions: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    """Outcome classes (`ok`, `http_error`, ..., `not_run`)."""
    channels: tuple[str, ...] = ()
    since: datetime | None = None
    """Inclusive (a naive one is taken as UTC)."""
    until: datetime | None = None
    """Exclusive (a naive one is taken as UTC)."""
    exclude_session_prefix: str | None = None
    """Sessions to leave out (the editor's draft previews)."""
    limit_only: bool = False
    """Only calls a limit or budget stopped."""

    def where(self, table: Any = RUNS) -> list[ColumnElement[bool]]:
        c = table
        clauses: list[ColumnElement[bool]] = []
        if self.since is not None:
            clauses.append(c.at >= as_utc(self.since))
        if self.until is not None:
            clauses.append(c.at < as_utc(self.until))
        if self.exclude_session_prefix:
            clauses.append(~c.session_id.startswith(self.exclude_session_prefix, autoescape=True))
        if table is RUNS:
            if self.actions:
                clauses.append(c.action.in_(self.actions))
            if self.outcomes:
                clauses.append(c.outcome.in_(self.outcomes))
            if self.limit_only:
                clauses.append(c.reason.in_(sorted(LIMIT_REASONS)))
        if self.channels:
            clauses.append(c.channel.in_(self.channels))
        return clauses


@dataclass
class Page:
    rows: list[dict[str, Any]]
    total: int
    offset: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


@dataclass
class Choices:
    """The values the filters offer: what the log holds."""

    actions: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)


class RunLog:
    """Read side of the run log: pages, aggregates and exports, each one SQL statement."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def choices(self) -> Choices:
        with read_session(self._engine) as s:
            values = [[v for (v,) in s.execute(text(_DISTINCT.format(c=c)))] for c in CHOICE_COLUMNS]
        return Choices(*values)

    def page(self, f: RunFilter, *, offset: int = 0, size: int = 50) -> Page:
        """Newest first; each row with its conversation's `title` ("" when it has none)."""
        r = RUNS
        cols = [getattr(r, n) for n in EXPORT_COLUMNS]
        title = func.coalesce(SESSIONS.title, "").label("title")
        where = f.where()
        with read_session(self._engine) as s:
            total = s.execute(select(func.count()).select_from(r).where(*where)).scalar_one()
            query = (
                select(*cols, title)
                .outerjoin(SESSIONS, SESSIONS.session_id == r.session_id)
                .where(*where)
                .order_by(r.at.desc(), r.id.desc())
                .offset(offset)
                .limit(size)
            )
            rows = [dict(m) for m in s.execute(query).mappings()]
        return Page(rows, int(total), offset, size)

    def runs_per_action_per_day(self, f: RunFilter) -> list[dict[str, Any]]:
        return self._per_day(f, RUNS.action, "action")

    def outcomes_per_day(self, f: RunFilter) -> list[dict[str, Any]]:
        return self._per_day(f, RUNS.outcome, "outcome")

    def limit_hits_per_day(self, f: RunFilter) -> list[dict[str, Any]]:
        """Calls a limit, the budget or the per-message cap stopped, per day and reason."""
        limited = RunFilter(**{**f.__dict__, "limit_only": True})
        return self._per_day(limited, RUNS.reason, "reason")

    def _day(self) -> Any:
        """The UTC calendar day of a run (PostgreSQL stores `timestamptz`: its day depends on
        the session's time zone unless converted; SQLite stores UTC text)."""
        at = RUNS.at
        if self._engine.dialect.name == "postgresql":
            return func.date(func.timezone("UTC", at)).label("day")
        return func.date(at).label("day")

    def _per_day(self, f: RunFilter, column: Any, name: str) -> list[dict[str, Any]]:
        day = self._day()
        query = (
            select(day, column.label(name), func.count().label("runs"))
            .where(*f.where())
            .group_by(day, column)
            .order_by(day, column)
        )
        with read_session(self._engine) as s:
            return [{**m, "day": str(m["day"])} for m in s.execute(query).mappings()]

    def latency_by_action(self, f: RunFilter) -> list[dict[str, Any]]:
        """Per action: calls sent, p50 and p95 latency (nearest rank), and how many failed.

        PostgreSQL has ordered-set aggregates (`percentile_disc` is the nearest rank); SQLite
        gets the same from window functions (row number within the action, ordered by
        latency). Either way no row leaves the database."""
        r = RUNS
        if self._engine.dialect.name == "postgresql":
            sent = (r.outcome != NOT_RUN, r.latency_ms.is_not(None))
            query = (
                select(
                    r.action,
                    func.count().label("runs"),
                    func.percentile_disc(0.5).within_group(r.latency_ms).label("p50_ms"),
                    func.percentile_disc(0.95).within_group(r.latency_ms).label("p95_ms"),
                    func.sum(case((r.outcome != "ok", 1), else_=0)).label("failed"),
                )
                .where(*f.where(), *sent)
                .group_by(r.action)
                .order_by(r.action)
            )
            with read_session(self._engine) as s:
                return [dict(m) for m in s.execute(query).mappings()]
        # one window (same partition and order) for both, so the rows are sorted once
        rn = func.row_number().over(partition_by=r.action, order_by=r.latency_ms).label("rn")
        n = func.count().over(partition_by=r.action, order_by=r.latency_ms, rows=(None, None)).label("n")
        ranked = (
            select(r.action, r.latency_ms, r.outcome, rn, n)
            .where(*f.where(), r.outcome != NOT_RUN, r.latency_ms.is_not(None))
            .subquery()
        )
        # nearest rank: ceil(p * n) in integer arithmetic, the same on both databases
        k50 = (ranked.c.n * 50 + 99) // 100
        k95 = (ranked.c.n * 95 + 99) // 100
        query = (
            select(
                ranked.c.action,
                func.max(ranked.c.n).label("runs"),
                func.max(case((ranked.c.rn == k50, ranked.c.latency_ms))).label("p50_ms"),
                func.max(case((ranked.c.rn == k95, ranked.c.latency_ms))).label("p95_ms"),
                func.sum(case((ranked.c.outcome != "ok", 1), else_=0)).label("failed"),
            )
            .group_by(ranked.c.action)
            .order_by(ranked.c.action)
        )
        with read_session(self._engine) as s:
            return [dict(m) for m in s.execute(query).mappings()]

    def unmatched(self, f: RunFilter, *, limit: int = 50) -> list[dict[str, Any]]:
        """Customer messages that matched no action, grouped by their normalised key, the
        most frequent first: candidates for new actions."""
        t = FLAGS
        count = func.count().label("messages")
        query = (
            select(
                t.message_key.label("topic"),
                count,
                func.min(t.message).label("example"),
                func.count(func.distinct(t.session_id)).label("conversations"),
                func.max(t.at).label("last_seen"),
            )
            .where(t.unmatched, *f.where(FLAGS))
            .group_by(t.message_key)
            .order_by(count.desc(), t.message_key)
            .limit(limit)
        )
        with read_session(self._engine) as s:
            return [dict(m) for m in s.execute(query).mappings()]

    def export_csv(self, f: RunFilter) -> str:
        """Every filtered run as CSV (newest first), read in batches."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        for batch in self._batches(f):
            writer.writerows(batch)
        return out.getvalue()

    def _batches(self, f: RunFilter) -> Iterator[list[tuple[Any, ...]]]:
        r = RUNS
        cols = [getattr(r, n) for n in EXPORT_COLUMNS]
        query = select(*cols).where(*f.where()).order_by(r.at.desc(), r.id.desc())
        with read_session(self._engine) as s:
            result = s.execute(query.execution_options(yield_per=EXPORT_BATCH))
            for part in result.partitions(EXPORT_BATCH):
                yield [tuple(row) for row in part]


def flagged_sessions_clause(flags: tuple[str, ...]) -> ColumnElement[bool] | None:
    """SQL that is true for turn-flag rows carrying any of `flags` (error, limit, refused)."""
    columns = {"error": FLAGS.failed, "limit": FLAGS.limit_hit, "refused": FLAGS.refused}
    picked = [columns[f] for f in flags if f in columns]
    if not picked:
        return None
    return or_(*picked)
