"""The storage revision: one number that changes whenever anything is saved.

Every save of an action, a secret, an auth setting or a draft writes an audit row in the same
transaction, so the count of audit rows changes exactly when something readers cache may have
changed, and is visible together with the change. It counts rows rather than taking the
highest id: on PostgreSQL ids are handed out before commit, so a lower id can become visible
after a higher one.

Readers that cache what they read (the compiled catalog, decrypted secrets) ask for it first
and read again only when it moved: one plain statement instead of a whole reload.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.engine import Connection
from sqlmodel import select

from .tables import AuditRow

_REVISION = select(func.count()).select_from(AuditRow)


def read_revision(conn: Connection) -> int:
    """The revision as `conn` sees it (read it before what it guards, in the same connection)."""
    return int(conn.execute(_REVISION).scalar_one())
