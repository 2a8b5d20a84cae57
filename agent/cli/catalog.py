"""`api-actions validate | import | export FILE`: the action catalog as a JSON file.

FILE may be '-' for standard input / output. Exit codes: 0 done; 1 the command could not run
(unreadable file, database error, an edit saved concurrently); 2 the file is invalid: when it is
not a catalog at all (not UTF-8, not JSON, not a list) one line says why, else every problem is
printed with its field path; nothing is stored (`agent.cli.files` reads the file); 3 the admin
password is needed (ADMIN_PASSWORD is set) and was not given or is wrong: `import` and `export`
ask for it with `--admin-password` or ACTIONS_ADMIN_PASSWORD (see `agent.wiring.access`), `validate`
never does.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from agent.cli.exit_codes import EXIT_DENIED, EXIT_FAILED, EXIT_INVALID, EXIT_OK
from agent.cli.files import InputFileError, label, read_catalog_document
from agent.wiring.access import (
    AccessDenied,
    add_password_option,
    cli_throttle,
    require_admin,
    supplied_password,
)
from agent.wiring.settings import Settings
from tools.action import ActionDefinition
from tools.errors import ActionsError, ActionValidationError


def register(subparsers: argparse._SubParsersAction) -> None:
    file_help = "catalog JSON file (a list of action definitions), or '-' for standard input"
    p = subparsers.add_parser(
        "validate",
        help="check a catalog file and list every problem; stores nothing",
        description="Check every action of a catalog file as the app would and list every "
        "problem with its field path. Nothing is stored.",
    )
    p.add_argument("file", metavar="FILE", help=file_help)
    p.set_defaults(func=run_validate)

    p = subparsers.add_parser(
        "import",
        help="create or update actions by name from a catalog file (all or nothing)",
        description="Create or update the actions of a catalog file by name, all or nothing, "
        "with the actor recorded in the audit history.",
    )
    p.add_argument("file", metavar="FILE", help=file_help)
    p.add_argument("--actor", help="who to record in the audit history (default: the OS user)")
    add_password_option(p)
    p.set_defaults(func=run_import)

    p = subparsers.add_parser(
        "export",
        help="write every action as a catalog file (no secret values, no versions)",
        description="Write every stored action as a catalog file that 'import' reads back; "
        "secret values and version history are never written.",
    )
    p.add_argument("file", metavar="FILE", help="output file, or '-' for standard output")
    add_password_option(p)
    p.set_defaults(func=run_export)


def run_validate(args: argparse.Namespace) -> int:
    from storage.transfer import validate_bundle

    try:
        actions, auth = validate_bundle(read_catalog_document(args.file))
    except InputFileError as exc:
        return _file_error(exc)
    except ActionValidationError as exc:
        _print_problems(args.file, exc, sys.stdout)
        return EXIT_INVALID
    shared = f", {len(auth)} auth setting(s)" if auth else ""
    print(f"{label(args.file)}: valid, {len(actions)} action(s){shared}")
    for action in actions:
        print(f"  {action.name}: {_summary(action)}")
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    from agent.editing import CatalogEditor
    from storage import ActionStore, init_db, make_engine, secret_names
    from storage.transfer import validate_bundle

    settings = Settings.from_env()
    if not admin_ok(settings, args, "import"):
        return EXIT_DENIED
    try:
        items = read_catalog_document(args.file)  # with its shared auth settings, if any
        actions, auth = validate_bundle(items)  # before touching the database
    except InputFileError as exc:
        return _file_error(exc)
    except ActionValidationError as exc:
        _print_problems(args.file, exc, sys.stderr, note="; nothing was stored")
        return EXIT_INVALID
    engine = make_engine(settings.resolved_database_url)
    try:
        init_db(engine)
        editor = CatalogEditor(ActionStore(engine))
        report = editor.apply_import(items, actor=args.actor or os_user())
        used = {n for a in actions for n in a.secret_names()} | {n for s in auth for n in s.secret_names()}
        missing = sorted(used - set(secret_names(engine)))
    except ActionValidationError as exc:
        _print_problems(args.file, exc, sys.stderr, note="; nothing was stored")
        return EXIT_INVALID
    except (ActionsError, SQLAlchemyError) as exc:
        print(f"error: import failed, nothing was stored: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        engine.dispose()
    parts = [
        f"{len(names)} {kind}" + (f" ({', '.join(names)})" if names else "")
        for kind, names in (
            ("created", report.created),
            ("updated", report.updated),
            ("unchanged", report.unchanged),
        )
    ]
    print(f"imported {label(args.file)}: " + ", ".join(parts))
    if missing:
        print(f"warning: secret(s) referenced but not set yet: {', '.join(missing)}", file=sys.stderr)
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    from storage import ActionStore, export_json, init_db, make_engine

    settings = Settings.from_env()
    if not admin_ok(settings, args, "export"):
        return EXIT_DENIED
    engine = make_engine(settings.resolved_database_url)
    try:
        init_db(engine)
        store = ActionStore(engine)
        text, count = export_json(store), len(store.list())
    except SQLAlchemyError as exc:
        print(f"error: export failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        engine.dispose()
    if args.file == "-":
        sys.stdout.write(text)
        return EXIT_OK
    if not write_output(args.file, text):
        return EXIT_FAILED
    print(f"exported {count} action(s) to {args.file}", file=sys.stderr)
    return EXIT_OK


# -- helpers ---------------------------------------------------------------------------------------
def write_output(path: str, text: str) -> bool:
    """Write a command's result file; say why on stderr when it cannot be written."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return False
    return True


def admin_ok(settings: Settings, args: argparse.Namespace, command: str) -> bool:
    """Checked before any file or the database is touched, so a refusal changes nothing."""
    try:
        require_admin(
            settings,
            supplied_password(args.admin_password),
            what=f"'{command}'",
            throttle=cli_throttle(settings),
        )
    except AccessDenied as exc:
        print(f"error: {exc}", file=sys.stderr)
        return False
    return True


def _file_error(exc: InputFileError) -> int:
    """The file cannot be read (exit 1) or is not a catalog at all (exit 2): one line."""
    print(f"error: {exc}", file=sys.stderr)
    return EXIT_FAILED if exc.unreadable else EXIT_INVALID


def _print_problems(file: str, exc: ActionValidationError, out: TextIO, *, note: str = "") -> None:
    print(f"{label(file)}: invalid, {len(exc.problems)} problem(s){note}", file=out)
    for problem in exc.problems:
        print(f"  {problem.path}: {problem.message}", file=out)


def _summary(action: ActionDefinition) -> str:
    flags = [] if action.enabled else ["disabled"]
    if action.requires_confirmation:
        flags.append("asks for confirmation")
    return f"{action.method.value} {action.url}" + (f" ({', '.join(flags)})" if flags else "")


def os_user() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in some containers: the audit says unknown
        return None
