"""`api-actions import-openapi SOURCE` and `import-curl 'curl ...'`: draft actions to review.

Drafts are printed as a catalog JSON (standard output), written with `--out FILE` (then
`api-actions import FILE` stores them) or stored with `--save`. Every draft is saved with
`enabled: false`: nothing an import made goes live before someone reviewed it and switched it
on. `--save` never overwrites an existing action. The report (skipped operations with the
reason, notes, secrets to store) goes to standard error.

A URL SOURCE is fetched through the action executor's guard, like any action call; a private
host (e.g. the demo API on 127.0.0.1) needs `--allow-host` or ACTIONS_ALLOW_HOSTS.

Exit codes: 0 done; 1 the command could not run (unreadable or unreachable source, database
error); 2 bad input (not an OpenAPI document or cURL command, unknown operation, no draft made,
a draft name already stored); 3 `--save` without the admin password when ADMIN_PASSWORD is set
(printing or writing drafts to a file touches no stored action and never asks).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.cli.catalog import admin_ok, os_user, write_output
from agent.cli.exit_codes import EXIT_DENIED, EXIT_FAILED, EXIT_INVALID, EXIT_OK
from agent.wiring.access import add_password_option
from agent.wiring.settings import Settings
from tools.errors import ActionsError

if TYPE_CHECKING:  # the importers load when a verb runs, not when the CLI starts
    from tools.importers import ImportResult

URL_PREFIXES = ("http://", "https://")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "import-openapi",
        help="draft actions from an OpenAPI 3.x / Swagger 2.0 document (file or URL)",
        description="Draft actions (saved disabled) from an OpenAPI or Swagger document.",
    )
    p.add_argument("source", metavar="SOURCE", help="a JSON/YAML file, '-' for stdin, or a URL")
    p.add_argument(
        "--operation",
        action="append",
        default=[],
        metavar="ID",
        help="operationId, action name or 'METHOD /path' (repeatable; default: every operation that maps)",
    )
    p.add_argument("--list", action="store_true", help="list the operations and whether they map")
    p.add_argument("--base-url", help="server URL to use instead of the document's")
    p.add_argument("--api-name", help="stem of the suggested secret names (default: the title)")
    p.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="header for every draft, e.g. 'Authorization: Bearer "
        "{{secret.DEMO_API_TOKEN}}' when the document declares no security",
    )
    p.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="let a URL SOURCE be fetched from this private host",
    )
    _output_options(p)
    p.set_defaults(func=run_openapi)

    p = subparsers.add_parser(
        "import-curl",
        help="draft one action from a cURL command",
        description="Draft an action (saved disabled) from a pasted cURL command.",
    )
    p.add_argument("command", metavar="'CURL COMMAND'", help="the whole command, quoted; '-' reads stdin")
    p.add_argument("--name", help="action name (default: from the method and path)")
    p.add_argument("--api-name", help="stem of the suggested secret names (default: the host)")
    _output_options(p)
    p.set_defaults(func=run_curl)


def _output_options(p: argparse.ArgumentParser) -> None:
    out = p.add_mutually_exclusive_group()
    out.add_argument(
        "--out", metavar="FILE", help="write the drafts as a catalog JSON file ('-': standard output)"
    )
    out.add_argument(
        "--save",
        action="store_true",
        help="store the drafts now (disabled; existing actions are never replaced)",
    )
    p.add_argument("--actor", help="who to record in the audit history with --save")
    add_password_option(p)  # asked for only with --save, which edits the stored actions


# -- import-openapi ----------------------------------------------------------------------------


def run_openapi(args: argparse.Namespace) -> int:
    from tools.importers import (
        DocumentError,
        decode_document,
        import_openapi,
        list_operations,
        load_document,
    )
    from tools.importers.openapi import server_problem

    if args.save and not admin_ok(Settings.from_env(), args, args.command):
        return EXIT_DENIED  # before anything is fetched or read
    try:
        headers = dict(_header(h) for h in args.header)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    source_url = args.source if args.source.startswith(URL_PREFIXES) else None
    data = _fetch(args.source, args.allow_host) if source_url else _read(args.source)
    if data is None:
        return EXIT_FAILED
    options: dict[str, Any] = dict(
        base_url=args.base_url, source_url=source_url, api_name=args.api_name, headers=headers
    )
    try:
        text = data if isinstance(data, str) else decode_document(data, source=args.source)
        doc = load_document(text, source=args.source)
        if args.list:
            if problem := server_problem(doc, base_url=args.base_url, source_url=source_url):
                print(f"note: {problem}", file=sys.stderr)  # once, for every operation
            return _print_operations(list_operations(doc, **options))
        result = import_openapi(doc, operations=args.operation or None, **options)
    except DocumentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    return _deliver(result, args)


def _header(item: str) -> tuple[str, str]:
    name, sep, value = item.partition(":")
    if not sep or not name.strip():
        raise ValueError("--header must look like 'Name: value'")
    return name.strip(), value.strip()


def _fetch(url: str, allow: list[str]) -> str | None:
    from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
    from tools.fetch_document import DocumentFetchError, fetch_document
    from tools.importers import MAX_DOCUMENT_BYTES

    async def go() -> str:
        hosts = (*Settings.from_env().allow_hosts, *allow)
        async with ActionExecutor(ExecutorSettings(allow_hosts=hosts), StaticSecrets({})) as ex:
            return (await fetch_document(ex, url, max_bytes=MAX_DOCUMENT_BYTES)).text

    try:
        return asyncio.run(go())
    except (DocumentFetchError, ValueError) as exc:  # ValueError: a malformed --allow-host
        print(f"error: {exc}", file=sys.stderr)
        return None


def _print_operations(operations: list) -> int:
    width = max((len(op.key) for op in operations), default=0)
    for op in operations:
        mark = "ok " if op.mappable else "no "
        line = f"{mark} {op.key:<{width}}  {op.name}"
        line += f"  - {op.summary}" if op.mappable and op.summary else ""
        line += f"  ({op.reason})" if op.reason else ""
        print(line)
    mappable = sum(op.mappable for op in operations)
    print(f"{mappable} of {len(operations)} operation(s) map to actions", file=sys.stderr)
    return EXIT_OK


# -- import-curl -----------------------------------------------------------------------------------


def run_curl(args: argparse.Namespace) -> int:
    from tools.importers import CurlError, import_curl

    if args.save and not admin_ok(Settings.from_env(), args, args.command):
        return EXIT_DENIED
    command = sys.stdin.read() if args.command == "-" else args.command
    try:
        result = import_curl(command, name=args.name, api_name=args.api_name)
    except CurlError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    return _deliver(result, args)


# -- output ---------------------------------------------------------------------------------------


def _deliver(result: ImportResult, args: argparse.Namespace) -> int:
    for skipped in result.skipped:
        print(f"skipped {skipped.operation}: {skipped.reason}", file=sys.stderr)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if not result.drafts:
        print("error: no action could be drafted", file=sys.stderr)
        return EXIT_INVALID
    names = ", ".join(d["name"] for d in result.drafts)
    if args.save:
        return _save(result.drafts, args.actor, result.catalog())
    text = json.dumps(result.catalog(), indent=2, ensure_ascii=False) + "\n"
    if not args.out or args.out == "-":  # `--out -`: standard output, as `export -` does
        sys.stdout.write(text)
        return EXIT_OK
    if not write_output(args.out, text):
        return EXIT_FAILED
    print(
        f"wrote {len(result.drafts)} draft(s) to {args.out} ({names}), all disabled: review "
        f"them, then 'api-actions import {args.out}'",
        file=sys.stderr,
    )
    return EXIT_OK


def _save(drafts: list[dict[str, Any]], actor: str | None, catalog: Any = None) -> int:
    """Store the drafts (`catalog`: with the shared auth settings they name)."""
    from sqlalchemy.exc import SQLAlchemyError

    from agent.editing import CatalogEditor, NamesTakenError
    from storage import ActionStore, init_db, make_engine

    engine = make_engine(Settings.from_env().resolved_database_url)
    try:
        init_db(engine)
        editor = CatalogEditor(ActionStore(engine))
        report = editor.import_new_actions(catalog or drafts, actor=actor or os_user())
    except NamesTakenError as exc:
        print(
            f"error: action(s) already stored: {', '.join(exc.names)}; nothing was stored "
            "(use --out and edit the names)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    except (ActionsError, SQLAlchemyError) as exc:
        print(f"error: saving failed, nothing was stored: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        engine.dispose()
    print(
        f"stored {len(report.created)} draft(s), all disabled: {', '.join(report.created)}", file=sys.stderr
    )
    return EXIT_OK


def _read(file: str) -> bytes | None:
    """The bytes of FILE (or stdin), at most one more than a document may have: a larger one is
    refused by `decode_document` without being read whole."""
    from tools.importers import MAX_DOCUMENT_BYTES

    try:
        if file == "-":
            return sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
        with Path(file).open("rb") as f:
            return f.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        print(f"error: cannot read {file}: {exc.strerror or exc}", file=sys.stderr)
        return None
