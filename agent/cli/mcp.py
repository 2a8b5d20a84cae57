"""`api-actions mcp`: serve the enabled live actions as MCP tools (stdio or streamable HTTP).

    api-actions mcp                                   # stdio: an MCP client starts this command
    api-actions mcp --transport http --port 8000      # streamable HTTP at http://127.0.0.1:8000/mcp

Storage, secrets and the allowed private hosts come from the usual settings (DATABASE_URL,
ACTIONS_DATA_DIR, ACTIONS_SECRET_KEY, ACTIONS_ALLOW_HOSTS). Actions that require confirmation
are refused unless `--allow-unconfirmed` is given: no person approves a call here. It hands the
stored actions and secrets to a program, so it asks for the admin password when one is set
(`agent.wiring.access`). Exit codes: 0 stopped, 1 the `mcp` package is missing, 3 access denied.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from agent.cli.exit_codes import EXIT_DENIED, EXIT_FAILED, EXIT_OK
from agent.state import Limits
from agent.wiring.access import (
    AccessDenied,
    add_password_option,
    cli_throttle,
    require_admin,
    supplied_password,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "mcp",
        help="serve the live actions as MCP tools",
        description="Serve every enabled action as an MCP tool over stdio or streamable HTTP; "
        "a call runs through the same checks, limits and executor as a chat turn.",
    )
    p.add_argument(
        "--transport", choices=("stdio", "http"), default="stdio", help="stdio (default) or streamable HTTP"
    )
    p.add_argument("--host", default="127.0.0.1", help="HTTP: interface to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="HTTP: port (default 8000); path /mcp")
    p.add_argument(
        "--allow-unconfirmed",
        action="store_true",
        help="also run actions that require confirmation (the MCP client must have "
        "asked a person; nothing here does)",
    )
    p.add_argument(
        "--max-actions-per-session",
        type=int,
        default=Limits.max_actions_per_session,
        help="action calls one MCP client may make (default %(default)s): over stdio the "
        "process's one client, over HTTP each client address (new sessions share it)",
    )
    add_password_option(p)
    p.set_defaults(func=run_mcp)


def run_mcp(args: argparse.Namespace) -> int:
    from agent.wiring.settings import Settings

    settings = Settings.from_env()
    try:
        require_admin(
            settings, supplied_password(args.admin_password), what="'mcp'", throttle=cli_throttle(settings)
        )
    except AccessDenied as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_DENIED
    try:
        from agent.serve.mcp_server import McpOptions, serve_http, serve_stdio
    except ModuleNotFoundError as exc:
        if exc.name != "mcp" and not (exc.name or "").startswith("mcp."):
            raise
        print("error: the mcp package is not installed (pip install 'api-actions[mcp]')", file=sys.stderr)
        return EXIT_FAILED
    options = McpOptions(
        allow_unconfirmed=args.allow_unconfirmed,
        limits=Limits(
            max_actions_per_session=args.max_actions_per_session,
            max_message_chars=settings.max_message_chars,
        ),
    )
    if args.transport == "stdio":
        asyncio.run(serve_stdio(settings, options))
    else:
        asyncio.run(serve_http(settings, options, host=args.host, port=args.port))
    return EXIT_OK
