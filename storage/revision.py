"""The storage revision: one number that changes whenever anything is saved.

Every save of an action, a secret, an auth setting or a draft writes an audit row in the same
transaction, so the count of audit rows changes exactly when something readers cache may have
changed, and is visible together with the change. It counts rows rather than taking the
highest id: on PostgreSQL ids are handed out before commit, so a lower id can become visible
after a higher one.

Readers that cache what they read (the compiled catalog, decrypted secrets) ask for it first
and read again only when it moved: one plain statement instead of a whole reload. A turn reads
it once, at its start (`reading_at`): a reader inside the turn whose cache is of that revision
needs no statement at all, and what is saved while the turn runs is used from the next turn,
for secrets as for the catalog.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import func
from sqlalchemy.engine import Connection
from sqlmodel import select

from .tables import AuditRow

_REVISION = select(func.count()).select_from(AuditRow)


def read_revision(conn: Connection) -> int:
    """The revision as `conn` sees it (read it before what it guards, in the same connection)."""
    return int(conn.execute(_REVISION).scalar_one())


TURN_REVISION: ContextVar[int | None] = ContextVar("storage_turn_revision", default=None)
"""The revision the running turn read at its start (`reading_at`); None outside a turn."""


@contextmanager
def reading_at(revision: int) -> Iterator[None]:
    """Everything run inside (the turn's graph, the tasks it starts) reads at `revision`."""
    token = TURN_REVISION.set(revision)
    try:
        yield
    finally:
        TURN_REVISION.reset(token)
