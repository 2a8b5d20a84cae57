"""`api-actions test ACTION.json --args '{...}'`: run one action once and print the report.

Secrets come from `--secret NAME=VALUE` and from `ACTIONS_SECRET_<NAME>` environment variables;
hosts the guard lets through to private addresses from `--allow-host` and `ACTIONS_ALLOW_HOSTS`.
The arguments are checked as the agent checks them (types, enum values, patterns) before any
request. Exit code (see `agent.cli.exit_codes`): 0 when the outcome is ok, 1 when it is an
error or the action file is missing or unreadable, 2 on bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from agent.cli.exit_codes import EXIT_FAILED, EXIT_INVALID, EXIT_OK
from agent.cli.files import InputFileError, read_json_file
from agent.wiring.settings import Settings
from tools.action import ActionDefinition
from tools.auth import AuthSetting, StaticAuth, validate_auth
from tools.compiler import compile_action
from tools.errors import ActionValidationError, JsonTextError, ToolArgumentsError
from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
from tools.guard import GuardPolicy
from tools.json_text import parse_json
from tools.trial_run import format_report, run_action_test
from tools.validation import validate_action

SECRET_ENV_PREFIX = "ACTIONS_SECRET_"


class BadInput(Exception):
    def __init__(self, message: str, problems: list[str] | None = None, *, code: int = EXIT_INVALID):
        super().__init__(message)
        self.problems = problems or []
        self.code = code
        """EXIT_FAILED for a file that cannot be read at all, else EXIT_INVALID."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "test",
        help="run one action once and show the outcome",
        description="Send one action's request once and print the outcome class, status, "
        "latency, the redacted request, a response excerpt and what the model would see.",
    )
    parser.add_argument("action_file", help="JSON file with one action (or a list; see --name)")
    parser.add_argument("--name", help="which action, when the file holds a list")
    parser.add_argument("--args", default="{}", help="input values as a JSON object")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--secret",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=f"a secret value (also {SECRET_ENV_PREFIX}<NAME>)",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="let the request reach this host on a private address "
        "(also read from ACTIONS_ALLOW_HOSTS, comma separated)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, env: dict[str, str] | None = None) -> int:
    env = dict(os.environ if env is None else env)
    try:
        action = load_action(Path(args.action_file), args.name)
        auth = load_auth(Path(args.action_file))
        call_args = _parse_args(args.args)
        secrets = env_secrets(env)
        secrets.update(parse_secrets(args.secret))
        allow_hosts = (*Settings.from_env(env).allow_hosts, *args.allow_host)
        GuardPolicy(allow_hosts=allow_hosts)  # reports a malformed entry before any request
    except ValueError as exc:
        return _bad_input(BadInput(str(exc)), args.json)
    except BadInput as exc:
        return _bad_input(exc, args.json)
    return asyncio.run(_test(action, call_args, secrets, allow_hosts, as_json=args.json, auth=auth))


async def _test(
    action: ActionDefinition,
    call_args: dict,
    secrets: dict[str, str],
    allow_hosts: tuple[str, ...],
    *,
    as_json: bool,
    auth: list[AuthSetting] | None = None,
) -> int:
    checked = compile_action(action).check(call_args)  # what the agent checks before a call
    if not checked.ok:
        problems = [f"{name}: {reason}" for name, reason in checked.invalid.items()]
        problems += [f"{name}: missing" for name in checked.missing]
        return _bad_input(BadInput(f"--args are not valid: {checked.describe()}", problems), as_json)
    call_args = checked.values
    settings = ExecutorSettings(allow_hosts=allow_hosts)
    async with ActionExecutor(settings, StaticSecrets(secrets), auth=StaticAuth(auth)) as executor:
        try:
            await executor.preview(action, call_args)
        except ToolArgumentsError as exc:
            return _bad_input(BadInput(str(exc)), as_json)
        except ActionValidationError as exc:
            return _bad_input(BadInput(str(exc), [str(p) for p in exc.problems]), as_json)
        report = await run_action_test(action, call_args, executor)
    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        print(format_report(report))
    return EXIT_OK if report.ok else EXIT_FAILED


def load_action(path: Path, name: str | None = None) -> ActionDefinition:
    """Read and validate one action; `BadInput` lists every problem."""
    try:
        raw = read_json_file(str(path))
    except InputFileError as exc:
        raise BadInput(str(exc), code=EXIT_FAILED if exc.unreadable else EXIT_INVALID) from None
    if isinstance(raw, dict) and isinstance(raw.get("actions"), list):
        raw = raw["actions"]  # a catalog with shared auth settings (`load_auth`)
    if isinstance(raw, list):
        items = [a for a in raw if isinstance(a, dict)]
        matches = [a for a in items if name is None or a.get("name") == name]
        if len(matches) != 1:
            names = ", ".join(str(a.get("name")) for a in items)
            why = f"no action named {name!r}" if name else f"{len(raw)} actions"
            raise BadInput(f"{path} holds {why}; choose one with --name ({names})")
        raw = matches[0]
    try:
        return validate_action(raw)
    except ActionValidationError as exc:
        raise BadInput(str(exc), [str(p) for p in exc.problems]) from None


def load_auth(path: Path) -> list[AuthSetting]:
    """The shared auth settings of a catalog file (`{"auth": [...], "actions": [...]}`); their
    secrets come from --secret and ACTIONS_SECRET_<NAME> like any other."""
    from storage.transfer import parse_auth_items

    try:
        items = parse_auth_items(read_json_file(str(path)))
        return [validate_auth(item) for item in items]
    except InputFileError as exc:
        raise BadInput(str(exc)) from None
    except ActionValidationError as exc:
        raise BadInput(str(exc), [str(p) for p in exc.problems]) from None


def _parse_args(text: str) -> dict:
    try:
        value = parse_json(text)
    except JsonTextError as exc:
        raise BadInput(f"--args {exc}") from None
    if not isinstance(value, dict):
        raise BadInput('--args must be a JSON object, e.g. \'{"order_id": "ORD-1001"}\'')
    return value


def env_secrets(env: dict[str, str]) -> dict[str, str]:
    n = len(SECRET_ENV_PREFIX)
    return {k[n:]: v for k, v in env.items() if k.startswith(SECRET_ENV_PREFIX) and len(k) > n}


def parse_secrets(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            # never echo the item: it may hold the value
            raise BadInput("--secret must look like NAME=VALUE")
        out[name.strip()] = value
    return out


def _bad_input(exc: BadInput, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"error": str(exc).splitlines()[0], "problems": exc.problems}, indent=2))
    else:
        print(f"error: {exc}", file=sys.stderr)
    return exc.code
