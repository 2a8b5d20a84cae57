"""`api-actions secrets set | list | delete`: the stored secrets, by name; values go in only.

`set NAME` reads the value from standard input, never from an argument (other local users can
read a command line in the process list): typed without echo at a terminal, or piped
(`printf %s "$TOKEN" | api-actions secrets set ORDERS_TOKEN`; one trailing line break is
dropped). An empty value is refused, so a script whose variable was unset stores nothing.

`list` prints one line per secret, tab-separated: the name, `set` or `not set` (named by an
action or auth setting but not stored), and who uses it (`action:NAME`, `auth:NAME`, or `-`).
Neither `list` nor `delete` decrypts anything, so both work when the key is lost: start-up then
refuses to generate a new key while secrets are stored, and `secrets delete --all` is the way to
start over (then set the values again). Every verb asks for the admin password when one is
configured, before reading anything. Exit codes: 0 done; 1 the database or the key could not be
used, or a named secret does not exist (the others named are still deleted); 2 the value or the
name was refused; 3 the admin password is needed.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy.exc import SQLAlchemyError

from agent.cli.catalog import admin_ok, os_user
from agent.cli.exit_codes import EXIT_DENIED, EXIT_FAILED, EXIT_INVALID, EXIT_OK
from agent.wiring.access import add_password_option
from agent.wiring.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "secrets",
        help="set a secret from standard input, list secrets and who uses them, or delete them",
        description=(
            "Values are read from standard input only (never an argument) and never shown; "
            "list and delete need no key."
        ),
    )
    p.add_argument(
        "operation",
        choices=("set", "list", "delete"),
        help="set: store NAME's value read from standard input; list: names, set or not, and "
        "the actions and auth settings using each; delete: delete the named secrets",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="the secret to set, or the secrets to delete")
    p.add_argument("--all", action="store_true", help="with delete: delete every stored secret")
    p.add_argument("--actor", help="who to record in the audit history (default: the OS user)")
    add_password_option(p)
    p.set_defaults(func=run_secrets)


def run_secrets(args: argparse.Namespace) -> int:
    if args.operation == "set":
        if len(args.names) != 1 or args.all:
            print(
                "error: 'secrets set' takes exactly one NAME (the value comes from standard input)",
                file=sys.stderr,
            )
            return EXIT_INVALID
        return run_set(args)
    if args.operation == "list":
        if args.names or args.all:
            print("error: 'secrets list' takes no names and no --all", file=sys.stderr)
            return EXIT_FAILED
        return run_list(args)
    return run_delete(args)


def run_set(args: argparse.Namespace) -> int:
    from storage import SecretKeyError, SecretValueError, check_secret_name, init_db, make_engine
    from storage.secrets import KEY_FILE_NAME, open_secret_store

    name = args.names[0]
    try:
        check_secret_name(name)
    except SecretValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    settings = Settings.from_env()
    if not admin_ok(settings, args, "secrets set"):
        return EXIT_DENIED
    value = read_value(name)
    if not value:
        print(f"error: no value for {name} on standard input; nothing was stored", file=sys.stderr)
        return EXIT_INVALID
    engine = make_engine(settings.resolved_database_url)
    key = settings.secret_key.get_secret_value() if settings.secret_key else None
    try:
        init_db(engine)
        store = open_secret_store(engine, key=key, key_file=settings.data_dir / KEY_FILE_NAME)
        existed = store.has(name)
        store.set(name, value, actor=args.actor or os_user())
    except SecretValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except (SecretKeyError, SQLAlchemyError) as exc:
        print(f"error: cannot store the secret: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        engine.dispose()
    print(f"{'replaced' if existed else 'set'} secret {name}")
    return EXIT_OK


def read_value(name: str) -> str:
    """The value from standard input: without echo at a terminal; else all of it, one trailing
    line break dropped (what `echo` and here-strings add)."""
    if sys.stdin is None:
        return ""
    if sys.stdin.isatty():
        return getpass.getpass(f"Value for {name} (not shown): ")
    value = sys.stdin.read()
    for end in ("\r\n", "\n"):
        if value.endswith(end):
            return value[: -len(end)]
    return value


def run_list(args: argparse.Namespace) -> int:
    from storage import ActionStore, AuthStore, init_db, make_engine, secret_names

    settings = Settings.from_env()
    if not admin_ok(settings, args, "secrets list"):
        return EXIT_DENIED
    engine = make_engine(settings.resolved_database_url)
    try:
        init_db(engine)
        stored = set(secret_names(engine))
        users: dict[str, list[str]] = {}
        for action in ActionStore(engine).list():
            for name in action.definition.secret_names():
                users.setdefault(name, []).append(f"action:{action.name}")
        for auth in AuthStore(engine).list():
            for name in auth.setting.secret_names():
                users.setdefault(name, []).append(f"auth:{auth.name}")
    except SQLAlchemyError as exc:
        print(f"error: cannot read the secrets: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        engine.dispose()
    for name in sorted(stored | set(users)):
        state = "set" if name in stored else "not set"
        print(f"{name}\t{state}\t{','.join(users.get(name, [])) or '-'}")
    return EXIT_OK


def run_delete(args: argparse.Namespace) -> int:
    from storage import delete_secret, init_db, make_engine, secret_names
    from tools.errors import NotFoundError

    if bool(args.names) == bool(args.all):
        print("error: name the secrets to delete, or give --all (not both)", file=sys.stderr)
        return EXIT_FAILED
    settings = Settings.from_env()
    if not admin_ok(settings, args, "secrets delete"):
        return EXIT_DENIED
    engine = make_engine(settings.resolved_database_url)
    failed = False
    try:
        init_db(engine)
        for name in secret_names(engine) if args.all else args.names:
            try:
                delete_secret(engine, name, actor=args.actor or os_user())
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
