"""Waiting in tests: one helper for every "until it is ready" loop (servers, processes, APIs).

    wait_until(lambda: server.started, "the TLS server started", timeout=10)
    wait_until(http_ok(url + "/ok"), "langgraph dev answers", process=proc, log=log_path)

A wait ends as soon as the condition holds, fails with what was awaited when the time is up,
and fails at once (with the end of its log) when the process it waits on has exited.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx


def wait_until(
    condition: Callable[[], bool],
    what: str,
    *,
    timeout: float = 90,
    interval: float = 0.05,
    process: subprocess.Popen | None = None,
    log: Path | None = None,
) -> None:
    # 90 s: a process started on a loaded 2-core CI machine compiles and imports the project
    # (PYTHONDONTWRITEBYTECODE) before it listens; the wait ends as soon as the condition holds
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the process exited before {what}:\n{_tail(log)}")
        if condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting until {what}\n{_tail(log)}")
        time.sleep(interval)


def http_ok(url: str) -> Callable[[], bool]:
    """A condition: `url` answers 200."""

    def check() -> bool:
        try:
            return httpx.get(url, timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    return check


def port_open(port: int, host: str = "127.0.0.1") -> Callable[[], bool]:
    """A condition: something accepts connections on `host:port`."""

    def check() -> bool:
        with socket.socket() as s:
            return s.connect_ex((host, port)) == 0

    return check


def _tail(log: Path | None) -> str:
    return log.read_text()[-4000:] if log is not None and log.exists() else ""
