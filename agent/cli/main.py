"""`api-actions` command line: one entry point, subcommands registered by small modules."""

from __future__ import annotations

import argparse
import importlib
import sys

from agent.cli import trace_flush
from agent.cli.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED
from agent.wiring.llm import ModelSetupError
from agent.wiring.settings import SettingsError
from storage.secrets import SecretKeyError

# Each module exposes `register(subparsers)`; the parser's `func(args) -> int` runs the command.
SUBCOMMAND_MODULES = (
    "agent.cli.catalog",  # validate / import / export
    "agent.cli.trial",  # test one action once
    "agent.cli.chat",  # scripted headless conversation
    "agent.cli.demo",  # start the demo API and app
    "agent.cli.importers",  # import-openapi / import-curl: draft actions to review
    "agent.cli.mcp",  # serve the live actions as MCP tools
    "agent.cli.secrets",  # list / delete stored secrets by name (no key needed)
    "agent.cli.eval",  # run the test conversations (routing regression tests) for CI
    "agent.cli.db",  # db upgrade: the schema to the newest revision
)


def version() -> str:
    """The installed package's version (`api-actions --version`)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("api-actions")
    except PackageNotFoundError:
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="api-actions",
        description="Custom API actions for support agents.",
        epilog="Exit codes: 0 done; 1 could not do its work (a file missing or unreadable, a "
        "source unreachable, storage failing); 2 bad input; 3 admin password needed or wrong.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    for action in sub._choices_actions:  # a subcommand registered without a description
        command = sub.choices[action.dest]
        if not command.description and action.help:
            command.description = action.help[:1].upper() + action.help[1:] + "."
    return parser


def main(argv: list[str] | None = None) -> int:
    trace_flush.prepare()
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except (ModelSetupError, SettingsError) as problem:  # one line, whichever verb met it
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_FAILED
    except SecretKeyError as exc:
        # Storage cannot be opened without its key (the message names the file and the way
        # out): a state of this machine to fix, said in one line, for every command alike.
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        trace_flush.flush()


if __name__ == "__main__":
    sys.exit(main())
