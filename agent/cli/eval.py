"""`api-actions eval`: run the test conversations, for a team's own CI.

The catalog is the stored one (live, or with `--drafts` the drafts applied) or a catalog file
(`--actions FILE`); the suites are the catalog's own test conversations, or a suite file
(`--suite FILE`: action name -> list of test conversations). The model is the configured one
(`OPENAI_*`, else the offline model). Nothing is sent; with `--send-get` a GET call that is ready
is sent through the executor (secrets from `--secret` and `ACTIONS_SECRET_<NAME>` only, never
the stored ones), so its outcome class is checked; other methods are never sent.

Output: a table, or JSON Lines with `--json` (one line per case, then a `summary` line).
Exit codes: 0 every case passed; 1 a case failed; 2 bad input (a file that cannot be read, a
catalog or suite that is invalid, listed with field paths, or no test conversation to run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any

from agent.cli.exit_codes import EXIT_FAILED, EXIT_INVALID, EXIT_OK
from agent.cli.files import InputFileError, read_catalog_file, read_json_file
from agent.cli.trial import BadInput, env_secrets, parse_secrets
from agent.evaluation import EvalReport, cases_of, check_suites, evaluate, suites_from_data
from agent.wiring.llm import ModelChoice, check_chat_model, make_chat_model
from agent.wiring.settings import Settings
from tools.action import ActionDefinition
from tools.errors import ActionValidationError
from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "eval",
        help="run the test conversations: does the agent pick the right action and arguments?",
        description="Run every test conversation (or a suite file) against the stored catalog or "
        "a catalog file with the configured model. Nothing is sent unless --send-get. "
        "Exit 0 all passed, 1 a case failed, 2 bad input.",
    )
    p.add_argument("--actions", metavar="FILE", help="catalog file to run on (default: storage)")
    p.add_argument("--drafts", action="store_true", help="storage with the drafts applied (preview)")
    p.add_argument("--suite", metavar="FILE", help="suite file: action name -> list of test conversations")
    p.add_argument(
        "--action", action="append", default=[], metavar="NAME", help="run only this action's suite"
    )
    p.add_argument("--json", action="store_true", help="JSON Lines: one line per case, then a summary")
    p.add_argument("--send-get", action="store_true", help="send GET calls that are ready (never others)")
    p.add_argument("--secret", action="append", default=[], metavar="NAME=VALUE", help="for --send-get")
    p.add_argument("--allow-host", action="append", default=[], metavar="HOST[:PORT]", help="for --send-get")
    p.set_defaults(func=run_eval)


def run_eval(args: argparse.Namespace, env: dict[str, str] | None = None) -> int:
    env = dict(os.environ if env is None else env)
    settings = Settings.from_env(env)
    try:
        definitions = _catalog(args, settings)
        if args.suite:
            definitions = suites_from_data(read_json_file(args.suite), definitions)
        else:
            check_suites(definitions)
        secrets = {**env_secrets(env), **parse_secrets(args.secret)}
    except InputFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except ActionValidationError as exc:
        what = "the suite file" if args.suite else "the test conversations"
        print(f"error: {what} invalid ({len(exc.problems)} problem(s)):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_INVALID
    cases = [c for c in cases_of(definitions) if not args.action or c.suite in args.action]
    unknown = sorted(set(args.action) - {d.name for d in definitions})
    if unknown:
        print(f"error: --action names no action of the catalog: {', '.join(unknown)}", file=sys.stderr)
        return EXIT_INVALID
    if not cases:
        print("error: no test conversations to run", file=sys.stderr)
        return EXIT_INVALID
    choice = make_chat_model(settings)
    allow_hosts = (*settings.allow_hosts, *args.allow_host)
    report = asyncio.run(_run(definitions, cases, choice, secrets, allow_hosts, args.send_get))
    _print(report, as_json=args.json)
    return EXIT_OK if report.ok else EXIT_FAILED


def _catalog(args: argparse.Namespace, settings: Settings) -> list[ActionDefinition]:
    from tools.validation import validate_catalog

    if args.actions:
        if args.drafts:
            raise BadInput("--drafts applies to the stored catalog, not to --actions FILE")
        return validate_catalog(read_catalog_file(args.actions))
    from agent.wiring.runtime import open_stores
    from storage.drafts import DraftStore

    stores = open_stores(settings)
    try:
        if args.drafts:
            return DraftStore(stores.actions).overlay()
        return [s.definition for s in stores.actions.list()]
    finally:
        stores.engine.dispose()


async def _run(
    definitions: list[ActionDefinition],
    cases: list[Any],
    choice: ModelChoice,
    secrets: dict[str, str],
    allow_hosts: tuple[str, ...],
    send_get: bool,
) -> EvalReport:
    try:
        await check_chat_model(choice)
        model, model_label = choice.model, choice.label
        if not send_get:
            return await evaluate(definitions, model, cases=cases, model_label=model_label)
        executor_settings = ExecutorSettings(allow_hosts=allow_hosts)
        async with ActionExecutor(executor_settings, StaticSecrets(secrets)) as executor:
            return await evaluate(
                definitions, model, cases=cases, executor=executor, send_get=True, model_label=model_label
            )
    finally:
        await choice.aclose()  # on this run's loop, which ends with it


def _print(report: EvalReport, *, as_json: bool) -> None:
    if as_json:
        for result in report.results:
            print(json.dumps({"type": "case", **result.as_json()}, default=str))
        summary = {
            "type": "summary",
            "cases": len(report.results),
            "failed": len(report.failed),
            "seconds": round(report.seconds, 3),
            "model": report.model_label,
        }
        print(json.dumps(summary))
        return
    print(format_table(report))


def format_table(report: EvalReport) -> str:
    """The results matrix as text: one row per case, failures explained under it."""
    rows = [("", "suite", "#", "message", "expected", "picked", "ms")]
    notes: dict[int, list[str]] = {}
    for n, r in enumerate(report.results, start=1):
        picked = ", ".join(r.picked) or "(no action)"
        expected = r.expected_action or "(no action)"
        message = r.message if len(r.message) <= 48 else r.message[:47] + "…"
        rows.append(
            (
                "ok" if r.passed else "FAIL",
                r.suite,
                str(r.index),
                message,
                expected,
                picked,
                f"{r.seconds * 1000:.0f}",
            )
        )
        if not r.passed:
            lines = list(r.problems)
            if r.stolen_by:
                lines.append(f"the trigger of {r.stolen_by} took this message")
            for name, diff in r.args_differ.items():
                lines.append(f"{name}: expected {diff['expected']!r}, got {diff['got']!r}")
            notes[n] = lines
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        out.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        out.extend(f"      - {line}" for line in notes.get(n, []))
    label = f" · model: {report.model_label}" if report.model_label else ""
    out.append(report.summary() + label)
    return "\n".join(out)
