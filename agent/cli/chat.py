"""`api-actions chat`: run a conversation from a script, print JSON Lines events.

Script format (one JSON object per line; blank lines and lines starting with '#' are skipped):
    {"user": "Where is my order?"}                      a customer message (or a free-text answer)
    {"resume": {"values": {"order_id": "ORD-1001"}}}    answer a collect-info question with values
    {"resume": {"text": "it's ORD-1001"}}               ... or with free text
    {"resume": {"decision": "approve"}}                 approve / reject / edit (+ "values") at confirm
    {"resume": {"cancel": true}}                        abandon the pending action
Every event printed is one JSON object with "session", "turn" and "type" (model, user, resume,
tool_call, outcome, interrupt, assistant). A script file is read and checked whole before the
first step runs (every malformed line listed); a script on standard input runs as it arrives.
Exit codes (`agent.cli.exit_codes`): 0 done, 1 a script or catalog file missing or unreadable,
2 bad input (every problem said), 3 a wrong admin password.

Secrets: `--secret NAME=VALUE` and `ACTIONS_SECRET_<NAME>` variables always; the stored (encrypted)
secrets behind them only when the catalog is the reviewed one in storage. A catalog from
`--actions FILE` has been reviewed by nobody and may send `{{secret.NAME}}` to any endpoint it
names, so with it the stored secrets are used only when the admin check passes: the admin
password is supplied (`--admin-password` or ACTIONS_ADMIN_PASSWORD), or none is configured (then
`import` is open too, and importing the same file would have the same effect). Without the
password the run goes on with the given secrets alone, and says so on standard error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from agent.cli.exit_codes import EXIT_DENIED, EXIT_FAILED, EXIT_INVALID, EXIT_OK
from agent.cli.files import InputFileError, read_catalog_document, read_text
from agent.cli.trial import BadInput, env_secrets, parse_secrets
from agent.wiring.access import (
    AccessDenied,
    add_password_option,
    cli_throttle,
    require_admin,
    supplied_password,
)
from storage.transfer import validate_bundle
from tools.channels import CHANNELS
from tools.errors import ActionValidationError, JsonTextError
from tools.json_text import decode_utf8, parse_json

if TYPE_CHECKING:  # imported when a chat starts, not when the CLI parses its arguments
    from agent.turns.service import SupportAgent
    from agent.wiring.settings import Settings
    from storage.secrets import SecretStore
    from tools.action import ActionDefinition

Emit = Callable[[int, dict[str, Any]], None]


class BadScript(Exception):
    pass


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "chat",
        help="run a scripted conversation and print JSON Lines events",
        description="Run a conversation with the agent from a JSON Lines script (customer "
        "messages and answers to its questions) and print every event as JSON Lines.",
    )
    p.add_argument("--actions", help="catalog JSON file (default: the actions in storage)")
    p.add_argument("--script", required=True, help="JSON Lines script, or '-' for standard input")
    p.add_argument("--channel", choices=CHANNELS, default="chat")
    p.add_argument("--session", help="session id (default: a new one); reuse it to continue")
    p.add_argument(
        "--secret",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="secret for {{secret.NAME}} (also ACTIONS_SECRET_<NAME> variables)",
    )
    add_password_option(p)  # only lets --actions use the stored secrets (read with it alone)
    p.set_defaults(func=run_chat)


def parse_step(n: int, line: str) -> dict[str, Any] | None:
    """One script line: a step, None for blank/comment lines; BadScript if malformed."""
    if not line.strip() or line.lstrip().startswith("#"):
        return None
    try:
        item = parse_json(line)
    except JsonTextError as exc:
        raise BadScript(f"line {n}: {exc}") from None
    if not isinstance(item, dict) or len(item.keys() & {"user", "resume"}) != 1:
        raise BadScript(f'line {n}: expected {{"user": "..."}} or {{"resume": ...}}')
    if "user" in item and not isinstance(item["user"], str):
        raise BadScript(f'line {n}: "user" must be a string')
    return item


def parse_script(text: str) -> list[dict[str, Any]]:
    items, problems = [], []
    for n, line in enumerate(text.splitlines(), 1):
        try:
            item = parse_step(n, line)
        except BadScript as exc:
            problems.append(str(exc))
            continue
        if item is not None:
            items.append(item)
    if problems:
        raise BadScript("invalid script:\n" + "\n".join(f"  - {p}" for p in problems))
    if not items:
        raise BadScript("the script has no steps")
    return items


def run_chat(args: argparse.Namespace) -> int:
    from agent.wiring.settings import Settings

    settings = Settings.from_env()
    try:
        # From standard input, steps run as they arrive (a driver can answer each event).
        script = _stdin_steps() if args.script == "-" else _script_file(args.script)
        actions = None
        auth: list[Any] = []  # the catalog file's shared auth settings
        if args.actions:  # with the file's shared auth settings, if any
            actions, auth = validate_bundle(read_catalog_document(args.actions))
        secrets = {**env_secrets(dict(os.environ)), **parse_secrets(args.secret)}
        # the reviewed catalog in storage needs no password; a wrong one for --actions: exit 3
        use_stored = actions is None or _admin_unlocked(settings, args.admin_password)
    except AccessDenied as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_DENIED
    except ActionValidationError as exc:
        print(f"error: {args.actions}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except InputFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED if exc.unreadable else EXIT_INVALID
    except (BadScript, BadInput) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if not use_stored:
        print(
            "note: the catalog comes from --actions and the admin password was not given: "
            "stored secrets are not used, only --secret and ACTIONS_SECRET_<NAME> values",
            file=sys.stderr,
        )
    session = args.session or f"cli-{uuid.uuid4().hex[:12]}"
    return asyncio.run(
        _chat(settings, actions, script, args.channel, session, secrets, use_stored=use_stored, auth=auth)
    )


def _script_file(file: str) -> list[dict[str, Any]]:
    try:
        text = read_text(file)
    except InputFileError as exc:
        if not exc.unreadable:
            raise
        raise InputFileError(f"the script file {file} {_why_unreadable(file)}", unreadable=True) from None
    try:
        return parse_script(text)
    except BadScript as exc:
        raise BadScript(f"{file}: {exc}") from None


def _why_unreadable(file: str) -> str:
    from pathlib import Path

    path = Path(file)
    if not path.exists():
        return "does not exist (give a JSON Lines file, or '-' for standard input)"
    if path.is_dir():
        return "is a directory, not a JSON Lines file"
    return "cannot be read (check its permissions)"


def _admin_unlocked(settings: Settings, option: str | None) -> bool:
    """True when the stored secrets may back an unreviewed catalog (see the module docstring).

    No password configured: open. One configured and supplied: it must match (`AccessDenied`
    if not). Configured and not supplied: False, and the run uses the given secrets only.
    """
    supplied = supplied_password(option)
    if settings.admin_password and not supplied:
        return False
    require_admin(
        settings, supplied, what="'chat --actions' with the stored secrets", throttle=cli_throttle(settings)
    )
    return True


def _stdin_steps() -> Iterator[dict[str, Any]]:
    """Read steps from standard input lazily, line by line (each line UTF-8 on its own)."""
    lines = getattr(sys.stdin, "buffer", sys.stdin)
    for n, line in enumerate(lines, 1):
        try:
            text = decode_utf8(line) if isinstance(line, bytes) else line
        except JsonTextError as exc:
            raise BadScript(f"line {n}: {exc}") from None
        step = parse_step(n, text)
        if step is not None:
            yield step


async def _aiter(steps: Iterable[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    loop = asyncio.get_running_loop()
    iterator = iter(steps)
    while True:
        step = await loop.run_in_executor(None, next, iterator, None)  # a step is never None
        if step is None:
            return
        yield step


class _ChainSecrets:
    """Secrets given on the command line first, then the stored ones (None: given ones only).

    Every stored value is masked all the same (`masked`): a value this run may not send can
    still come back in a response from an API that knows it."""

    def __init__(
        self, given: dict[str, str], stored: SecretStore | None, *, masked: SecretStore | None = None
    ):
        self._given, self._stored = given, stored
        self._masked = masked if masked is not None else stored

    def names(self) -> list[str]:
        stored = self._stored.names() if self._stored is not None else []
        return sorted(set(self._given) | set(stored))

    async def get_secret(self, name: str) -> str | None:
        given = self._given.get(name)
        if given or self._stored is None:
            return given
        return await self._stored.get_secret(name)

    async def secret_values(self) -> list[str]:
        stored = await self._masked.secret_values() if self._masked is not None else []
        return [*(v for v in self._given.values() if v), *stored]

    def derived_key(self, purpose: str) -> bytes | None:
        """The store's key for `purpose` (see `SecretStore.derived_key`): a chat resumed by
        another process binds approvals alike."""
        derive = getattr(self._masked, "derived_key", None)
        return derive(purpose) if derive is not None else None


async def _chat(
    settings: Settings,
    actions: list[ActionDefinition] | None,
    script: Iterable[dict[str, Any]],
    channel: str,
    session: str,
    secrets: dict[str, str],
    *,
    use_stored: bool,
    auth: list[Any] | None = None,
) -> int:
    from agent.editing import CatalogEditor
    from agent.wiring.runtime import open_agent, open_stores
    from storage.actions import ActionStore
    from storage.auth_settings import AuthStore
    from storage.db import init_db, make_engine

    stores = open_stores(settings)
    engines = [stores.engine]
    try:
        if actions is not None:  # an isolated catalog for this run; storage is left as it is
            engine = make_engine("sqlite://")
            engines.append(engine)
            init_db(engine)
            stores.actions = ActionStore(engine)
            stores.auth = AuthStore(engine)
            CatalogEditor(stores.actions).store_checked(actions, auth or [], actor="cli-chat")
        # `Stores.secrets` is the full store; this run needs only its `SecretSource` side (what
        # `open_agent` hands the executor), so a read-only chain stands in for it.
        stores.secrets = _ChainSecrets(  # type: ignore[assignment]
            secrets, stores.secrets if use_stored else None, masked=stores.secrets
        )

        def emit(turn: int, event: dict) -> None:
            print(json.dumps({"session": session, "turn": turn, **event}, default=str), flush=True)

        async with open_agent(settings, stores=stores) as agent:
            emit(0, {"type": "model", "label": agent.model_label, "offline": agent.is_offline})
            try:
                return await _run_steps(agent, _aiter(script), session, channel, emit)
            except BadScript as exc:
                print(f"error: {exc}", file=sys.stderr)
                return EXIT_INVALID
    finally:
        for engine in engines:
            engine.dispose()


async def _run_steps(
    agent: SupportAgent, steps: AsyncIterator[dict[str, Any]], session: str, channel: str, emit: Emit
) -> int:
    n = 0
    async for step in steps:
        n += 1
        if "user" in step:
            result = await agent.send(session, step["user"], channel=channel)
        else:
            if await agent.pending_interrupt(session) is None:
                print(f"error: script step {n} answers a question, but none is pending", file=sys.stderr)
                return EXIT_INVALID
            result = await agent.resume(session, step["resume"])
        for event in result.events:
            emit(result.turn, event)
    return EXIT_OK
