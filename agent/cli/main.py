"""`api-actions` command line: one entry point, subcommands registered by small modules."""

from __future__ import annotations

import argparse
import importlib
import sys

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
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="api-actions", description="Custom API actions for support agents.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
