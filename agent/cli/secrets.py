"""`api-actions secrets list | delete`: the stored secrets' names, without the key.

Neither command decrypts anything, so both work when the key is lost: start-up then refuses to
generate a new key while secrets are stored, and `secrets delete --all` is the way to start over
(set the values again afterwards, in the app). Values are set in the app, never on a command
line (where other local users could read them in the process list). Both ask for the admin
password when one is configured. Exit codes: 0 done; 1 the database could not be used or a named
secret does not exist (the others named are still deleted); 3 the admin password is needed.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import SQLAlchemyError

from agent.cli.catalog import EXIT_DENIED, EXIT_FAILED, EXIT_OK, _admin_ok, _os_user
from agent.wiring.access import add_password_option
from agent.wiring.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "secrets", help="list or delete stored secrets by name (no key needed, values never shown)"
    )
    p.add_argument(
        "operation",
        choices=("list", "delete"),
        help="list: print the stored names; delete: delete the named secrets",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="secret names to delete")
    p.add_argument("--all", action="store_true", help="with delete: delete every stored secret")
    p.add_argument("--actor", help="who to record in the audit history (default: the OS user)")
    add_password_option(p)
    p.set_defaults(func=run_secrets)


def run_secrets(args: argparse.Namespace) -> int:
    if args.operation == "list":
        if args.names or args.all:
            print("error: 'secrets list' takes no names and no --all", file=sys.stderr)
            return EXIT_FAILED
        return run_list(args)
    return run_delete(args)


def run_list(args: argparse.Namespace) -> int:
    from storage import init_db, make_engine, secret_names

    settings = Settings.from_env()
    if not _admin_ok(settings, args, "secrets list"):
        return EXIT_DENIED
    engine = make_engine(settings.resolved_database_url)
    try:
        init_db(engine)
        names = secret_names(engine)
    except SQLAlchemyError as exc:
        print(f"error: cannot read the secrets: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        engine.dispose()
    for name in names:
        print(name)
    return EXIT_OK


def run_delete(args: argparse.Namespace) -> int:
    from storage import delete_secret, init_db, make_engine, secret_names
    from tools.errors import NotFoundError

    if bool(args.names) == bool(args.all):
        print("error: name the secrets to delete, or give --all (not both)", file=sys.stderr)
        return EXIT_FAILED
    settings = Settings.from_env()
    if not _admin_ok(settings, args, "secrets delete"):
        return EXIT_DENIED
    engine = make_engine(settings.resolved_database_url)
    failed = False
    try:
        init_db(engine)
        for name in secret_names(engine) if args.all else args.names:
            try:
                delete_secret(engine, name, actor=args.actor or _os_user())
            except NotFoundError as exc:
                print(f"error: {exc}", file=sys.stderr)
                failed = True
            else:
                print(f"deleted secret {name}")
    except SQLAlchemyError as exc:
        print(f"error: cannot delete the secrets: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        engine.dispose()
    return EXIT_FAILED if failed else EXIT_OK
