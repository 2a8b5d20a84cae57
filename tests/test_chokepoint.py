"""One outbound chokepoint: only the executor (and its client factory) may send HTTP requests.

An AST scan of the project packages fails when any other module imports an HTTP client library
or opens a socket, so a request to an action URL cannot bypass the guard, the redaction and the
deadline by accident.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("agent", "tools", "ui", "storage")

ALLOWED = {
    "tools/http_client.py": "the one factory of the action HTTP client",
    "tools/executor.py": "the one place an action request is sent (through the guard)",
    # The executor's transport half (guard on every hop, redirects, retries, capped read): it
    # sends only what the executor (or the document fetcher through it) hands it.
    "tools/transport.py": "the executor's transport half: every hop checked by the guard",
    # The chat model factory hands its own httpx client to ChatOpenAI: it talks to the model
    # provider configured by the operator, never to an action URL, so it is not an action call.
    "agent/wiring/llm.py": "the chat model's client for the model provider, not for action URLs",
    # `api-actions demo` picks a free port and waits until the processes it started answer on
    # 127.0.0.1; it never sends a request to an action URL.
    "agent/cli/demo.py": "readiness probe of the local demo processes it started",
    # Reads the body of a response the executor received (decompressing under the cap); it
    # names httpx's response and error types and sends nothing.
    "tools/response_body.py": "reads a response the executor received; sends nothing",
}

NETWORK_MODULES = (
    "httpx",
    "requests",
    "aiohttp",
    "urllib3",
    "http.client",
    "urllib.request",
    "httpcore",
    "pycurl",
    "websockets",
)
SOCKET_CALLS = {
    "socket": {"socket", "create_connection", "socketpair", "fromfd"},
    "asyncio": {"open_connection", "open_unix_connection"},
    "ssl": {"wrap_socket"},
}
LOOP_CALLS = {"create_connection", "create_datagram_endpoint", "sock_connect"}


def _is_network_module(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in NETWORK_MODULES)


def _is_dynamic_import(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "__import__") or (
        isinstance(func, ast.Attribute) and func.attr == "import_module"
    )


def violations(source: str) -> list[str]:
    """What in `source` could send a request on its own (empty when nothing)."""
    tree = ast.parse(source)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if _is_network_module(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if _is_network_module(node.module):
                found.append(f"from {node.module} import ...")
            elif node.module == "urllib" and any(a.name == "request" for a in node.names):
                found.append("from urllib import request")
            for alias in node.names:
                if alias.name in SOCKET_CALLS.get(node.module, ()):
                    found.append(f"from {node.module} import {alias.name}")
        elif isinstance(node, ast.Attribute):
            target = node.value
            if isinstance(target, ast.Name):
                if node.attr in SOCKET_CALLS.get(target.id, ()):
                    found.append(f"{target.id}.{node.attr}")
                elif target.id == "urllib" and node.attr == "request":
                    found.append("urllib.request")
            if node.attr in LOOP_CALLS:
                found.append(f"….{node.attr}")
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func) and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                if _is_network_module(arg.value) or arg.value == "socket":
                    found.append(f"__import__({arg.value!r})")
    return found


def project_modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES if (ROOT / pkg).is_dir() for p in (ROOT / pkg).rglob("*.py"))


def test_no_module_but_the_executor_can_send_requests():
    offenders = {}
    for path in project_modules():
        rel = path.relative_to(ROOT).as_posix()
        if rel in ALLOWED:
            continue
        if found := violations(path.read_text(encoding="utf-8")):
            offenders[rel] = found
    assert offenders == {}, (
        "only tools/executor.py (via tools/http_client.py) may send HTTP requests; "
        f"route these through ActionExecutor: {offenders}"
    )


def test_the_scan_sees_the_allowed_files():
    scanned = {p.relative_to(ROOT).as_posix() for p in project_modules()}
    assert {"tools/http_client.py", "tools/executor.py", "tools/trial_run.py"} <= scanned
    assert violations((ROOT / "tools/executor.py").read_text())  # it does import httpx


@pytest.mark.parametrize(
    "source",
    [
        "import httpx",
        "import requests as r",
        "from httpx import AsyncClient",
        "import urllib.request",
        "from urllib import request",
        "from urllib.request import urlopen",
        "import aiohttp",
        "import http.client",
        "import socket\nsocket.create_connection(('h', 80))",
        "import socket\ns = socket.socket()",
        "from socket import create_connection",
        "import asyncio\nasyncio.open_connection('h', 80)",
        "async def f(loop):\n    await loop.create_connection(lambda: None, 'h', 80)",
        "m = __import__('httpx')",
        "import importlib\nm = importlib.import_module('aiohttp')",
    ],
)
def test_the_scan_catches(source):
    assert violations(source)


@pytest.mark.parametrize(
    "source",
    [
        "from urllib.parse import urlsplit",
        "import socket\nsocket.gaierror",
        "import asyncio\nasyncio.get_running_loop().getaddrinfo('h', 80)",
        "import json",
    ],
)
def test_the_scan_lets_harmless_code_through(source):
    assert violations(source) == []
