"""`api-actions db upgrade`: bring the database's schema to the newest revision.

Every instance does the same at start-up (`storage.db.init_db`), so this is for upgrading
ahead of a deployment, or to see what an upgrade does: it prints what it found (an empty
database, one written before migrations existed, or the revision it was at) and the revision
it is at now. Safe beside running instances: the upgrade is one transaction under a lock.
"""

from __future__ import annotations

import argparse
import sys

from agent.cli.exit_codes import EXIT_FAILED, EXIT_OK

_FOUND = {
    "empty": "an empty database",
    "unversioned": "a database written before schema migrations existed",
    "versioned": "a database at revision {before}",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "db",
        help="upgrade the database's schema",
        description="Bring the database (DATABASE_URL, or the SQLite file in ACTIONS_DATA_DIR) to "
        "the newest schema revision, keeping its data. Instances do the same when they start.",
    )
    ops = p.add_subparsers(dest="operation", required=True)
    ops.add_parser("upgrade", help="upgrade to the newest revision (nothing to do if it is there)")
    p.set_defaults(func=run_db)


def run_db(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from agent.wiring.settings import Settings
    from storage.db import make_engine
    from storage.migrations import upgrade

    settings = Settings.from_env()
    engine = make_engine(settings.resolved_database_url)
    where = engine.url.render_as_string(hide_password=True)
    try:
        report = upgrade(engine)
    except SQLAlchemyError as exc:
        print(f"error: cannot upgrade {where}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        engine.dispose()
    found = _FOUND[report.found].format(before=report.before)
    if report.changed:
        print(f"{where}: found {found}; upgraded to revision {report.after}")
    else:
        print(f"{where}: at revision {report.after}, the newest; nothing to do")
    return EXIT_OK
