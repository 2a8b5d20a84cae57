"""Layers import one way: tools <- storage <- agent (graph) <- entry points <- ui.

An AST scan of every module: `tools` imports nothing of storage, agent or ui; `storage` nothing of
agent or ui; `agent` nothing of ui; and inside `agent`, the graph (the state machine, its nodes,
prompts, retrieval, the offline model, the turn runner) imports no entry point (CLI verbs, MCP
server, LangGraph Server factory, the composition root, settings). Imports inside functions and
under `TYPE_CHECKING` count, and so do `importlib.import_module("...")` and `__import__("...")`.
"""

from __future__ import annotations

import ast
import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("tools", "storage", "agent", "ui")

ENTRY_POINTS = (
    "agent.cli",
    "agent.cli.*",  # the command-line verbs
    "agent.serve",
    "agent.serve.*",  # the MCP server and the LangGraph Server factory
    # the composition root: settings, the chat model, stores, executor, checkpointer, locks,
    # the admin gate and what the Streamlit app needs besides the agent
    "agent.wiring",
    "agent.wiring.*",
)
"""Modules of `agent` that read settings or start something; every other one is the graph."""

FORBIDDEN = {
    "tools": ("storage", "agent", "ui"),
    "storage": ("agent", "ui"),
    "agent": ("ui",),
    "ui": (),
}


def is_entry_point(module: str) -> bool:
    return any(fnmatch.fnmatchcase(module, pattern) for pattern in ENTRY_POINTS)


def _layer(module: str) -> str:
    return module.split(".", 1)[0]


def _forbidden(importer: str, imported: str) -> bool:
    top = _layer(imported)
    if top in FORBIDDEN.get(_layer(importer), ()):
        return True
    return (
        _layer(importer) == "agent"
        and not is_entry_point(importer)
        and any(is_entry_point(m) for m in _with_parents(imported))
    )


def _with_parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def imported_modules(source: str, module: str, *, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, module) for every import in `source`, relative ones resolved against `module`;
    `from a import b` yields both `a` and `a.b` (b may be a submodule)."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                prefix = ".".join([*base, *([node.module] if node.module else [])])
            else:
                prefix = node.module or ""
            found.append((node.lineno, prefix))
            found += [(node.lineno, f"{prefix}.{alias.name}") for alias in node.names if alias.name != "*"]
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func) and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((node.lineno, arg.value))
    return found


def _is_dynamic_import(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "__import__") or (
        isinstance(func, ast.Attribute) and func.attr == "import_module"
    )


def violations(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """Every import in `source` (the code of `module`) that points up a layer."""
    return sorted(
        {
            f"{module}:{line} imports {imported}"
            for line, imported in imported_modules(source, module, is_package=is_package)
            if _forbidden(module, imported)
        }
    )


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _project_modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


# -- the project -------------------------------------------------------------------------------------
def test_no_module_imports_up_a_layer() -> None:
    found = []
    for path in _project_modules():
        module, is_package = _module_name(path)
        found += violations(path.read_text(encoding="utf-8"), module, is_package=is_package)
    assert found == []


def test_every_listed_entry_point_exists_and_the_graph_is_most_of_agent() -> None:
    modules = [_module_name(p)[0] for p in _project_modules()]
    assert [p for p in ENTRY_POINTS if not fnmatch.filter(modules, p)] == []
    graph = {m for m in modules if _layer(m) == "agent" and not is_entry_point(m)}
    assert {
        "agent.graph",
        "agent.state",
        "agent.prompts",
        "agent.turns.service",
        "agent.nodes.respond",
        "agent.offline.model",
        "agent.catalog.retrieval",
        "agent.turns.tracing",
    } <= graph


# -- the scan itself: a planted upward import is found ---------------------------------------------
PLANTED = [
    ("tools.executor", "from storage.secrets import SecretStore"),
    ("tools.executor", "import agent.wiring.settings"),
    ("tools.importers.curl", "from ui import forms"),
    ("storage.db", "def engine():\n    from agent.wiring.settings import Settings\n    return Settings"),
    (
        "storage.secrets",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from agent.wiring import settings",
    ),
    ("storage.traces", "import importlib\nmod = importlib.import_module('agent.wiring.runtime')"),
    ("agent.graph", "from ui.runtime import current_runtime"),
    ("agent.nodes.respond", "from ..wiring.runtime import open_agent"),
    ("agent.nodes.respond", "from ..wiring import settings"),
    ("agent.nodes.respond", "async def later():\n    from agent.cli.chat import main"),
    ("agent.offline.model", "from ..wiring.llm import make_chat_model"),
    ("agent.turns.service", "from ..wiring.settings import Settings"),
    ("agent.turns.tracing", "settings = __import__('agent.wiring.settings')"),
    ("agent.prompts", "from agent.wiring import access"),
]


@pytest.mark.parametrize(("module", "source"), PLANTED)
def test_a_planted_upward_import_is_found(module: str, source: str) -> None:
    assert len(violations(source, module)) >= 1


ALLOWED = [
    ("tools.executor", "from tools.guard import GuardPolicy\nfrom . import redaction"),
    ("storage.db", "from tools.errors import ActionsError\nfrom .tables import AuditRow"),
    (
        "agent.nodes.respond",
        "from .. import prompts\nfrom ..state import AgentState\nfrom storage.ledger import CallLedger",
    ),
    (
        "agent.wiring.runtime",
        "from ..graph import compile_graph\nfrom .settings import Settings\nfrom storage.db import make_engine",
    ),
    (
        "agent.cli.chat",
        "from ..wiring.runtime import open_agent\nfrom agent.wiring.access import require_admin",
    ),
    ("ui.chat", "from agent.wiring.settings import Settings\nfrom agent.graph import compile_graph"),
]


@pytest.mark.parametrize(("module", "source"), ALLOWED)
def test_imports_down_the_layers_pass(module: str, source: str) -> None:
    assert violations(source, module) == []


def test_relative_imports_resolve_from_a_package_init() -> None:
    """In `agent/nodes/__init__.py`, `from ..wiring.settings` is agent.wiring.settings, one level up."""
    assert violations("from ..wiring.settings import Settings", "agent.nodes", is_package=True) == [
        "agent.nodes:1 imports agent.wiring.settings",
        "agent.nodes:1 imports agent.wiring.settings.Settings",
    ]
