"""`api-actions demo`: the demo internal API and the Streamlit app together, offline.

Starts the demo API (`python -m demo` on 127.0.0.1:8765) and `streamlit run ui/app.py` with a
demo data dir (SQLite) and ACTIONS_ALLOW_HOSTS=127.0.0.1:8765. On first start it seeds storage
with `demo/actions.json`, `demo/auth_actions.json` (a shared OAuth2 auth setting and a form-body
action that uses it) and the secrets DEMO_API_TOKEN, DEMO_CLIENT_ID and DEMO_CLIENT_SECRET
(random values kept in the data dir, which the demo API is started with). Prints the URL;
Ctrl-C, SIGTERM or SIGHUP stops both: each child runs in a process group of its own, which is
terminated (then killed after 10 s) however the demo is stopped, and on Linux each child is
also told to stop when the demo process itself dies (even by SIGKILL).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import httpx

from agent.cli.exit_codes import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from agent.wiring.settings import Settings

DEMO_API_HOST, DEMO_API_PORT = "127.0.0.1", 8765
TOKEN_FILE = "demo-api-token"
SECRET_NAME = "DEMO_API_TOKEN"
CLIENT_SECRET_FILE = "demo-client-secret"
CLIENT_ID_SECRET, CLIENT_SECRET_SECRET = "DEMO_CLIENT_ID", "DEMO_CLIENT_SECRET"
DEMO_CLIENT_ID = "northwind-support"
"""The OAuth2 client the demo API is started with ($DEMO_CLIENT_ID, see `demo.oauth`)."""
ACTOR = "api-actions demo"


def _package_file(package: str, name: str) -> Path:
    import importlib

    module_file = importlib.import_module(package).__file__
    if module_file is None:  # a namespace package has no folder of its own to read from
        raise FileNotFoundError(f"package {package!r} has no file next to which {name!r} could be")
    return Path(module_file).resolve().parent / name


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "demo",
        help="start the demo internal API and the app together",
        description="Start the demo internal API and the Streamlit app with the demo actions, "
        "for trying the product end to end on one machine.",
    )
    p.add_argument("--data-dir", default="data/demo", help="demo storage (default: data/demo)")
    p.add_argument("--port", type=int, default=8501, help="the app's port (default: 8501)")
    p.add_argument(
        "--api-port",
        type=int,
        default=DEMO_API_PORT,
        help=f"the demo API's port on {DEMO_API_HOST} (default: {DEMO_API_PORT}); "
        "seeded actions call it there",
    )
    p.add_argument(
        "--address",
        default="127.0.0.1",
        help="the app's address (default: 127.0.0.1; 0.0.0.0 to reach it from outside)",
    )
    p.set_defaults(func=run_demo)


def demo_token(data_dir: Path, file_name: str = TOKEN_FILE) -> str:
    """The demo API's token (or client secret): made once, kept (0600) in the data dir so
    restarts agree with it."""
    path = data_dir / file_name
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(24))
    return path.read_text().strip()


def _seed_text(name: str, api_port: int) -> str:
    """A seed file of the demo, its URLs pointed at the demo API's port."""
    text = _package_file("demo", name).read_text()
    if api_port == DEMO_API_PORT:
        return text
    return text.replace(f"http://{DEMO_API_HOST}:{DEMO_API_PORT}/", f"http://{DEMO_API_HOST}:{api_port}/")


def seed(
    settings: Settings, token: str, client_secret: str | None = None, api_port: int = DEMO_API_PORT
) -> list[str]:
    """Seed actions (only if there never were any) and the secrets (when missing). The actions
    are imported through the catalog's editing service, as `api-actions import` does."""
    from agent.editing import CatalogEditor
    from agent.wiring.runtime import open_stores

    stores = open_stores(settings)
    done = []
    try:
        if not stores.actions.list() and not stores.actions.history(limit=1):
            editor = CatalogEditor(stores.actions)
            report = editor.apply_import(_seed_text("actions.json", api_port), actor=ACTOR)
            done.append(f"seeded {len(report.created)} demo actions")
            report = editor.apply_import(_seed_text("auth_actions.json", api_port), actor=ACTOR)
            done.append(
                f"seeded the auth setting northwind_gateway and {len(report.created)} action using it"
            )
        values = {SECRET_NAME: token}
        if client_secret:
            values |= {CLIENT_ID_SECRET: DEMO_CLIENT_ID, CLIENT_SECRET_SECRET: client_secret}
        for name, value in values.items():
            if not stores.secrets.has(name):
                stores.secrets.set(name, value, actor=ACTOR)
                done.append(f"set the secret {name}")
    finally:
        stores.engine.dispose()
    return done


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex((host, port)) != 0


def _wait_for(url: str, proc: subprocess.Popen, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    return False


class _Stopped(Exception):
    """A stop signal (SIGTERM, SIGHUP) arrived: unwind so the children are stopped."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_stopped(signum: int, _frame: FrameType | None) -> None:
    raise _Stopped(signum)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux only: the child gets SIGTERM when the demo process dies, however it dies."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    """A child in a new session, so its process group (it and anything it starts) can be
    stopped as one, and a terminal's Ctrl-C reaches only the demo, which stops it."""
    return subprocess.Popen(command, env=env, start_new_session=True, preexec_fn=_die_with_parent)


def _signal_group(proc: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(proc.pid, signum)
    except ProcessLookupError:  # the group is gone already
        pass


def _stop(proc: subprocess.Popen | None) -> None:
    """Terminate the child's process group; kill it when it has not exited within 10 s."""
    if proc is None:
        return
    _signal_group(proc, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        _signal_group(proc, signal.SIGKILL)
        proc.wait()
    _signal_group(proc, signal.SIGKILL)  # whatever the child started and left behind


def run_demo(args: argparse.Namespace) -> int:
    from agent.wiring.settings import Settings

    if missing := [m for m in ("streamlit", "fastapi", "uvicorn") if importlib.util.find_spec(m) is None]:
        print(
            f"error: the demo needs the app extra ({', '.join(missing)} not installed): "
            "install it with `pip install 'api-actions[app]'` or run `./dev demo`",
            file=sys.stderr,
        )
        return EXIT_FAILED
    data_dir = Path(args.data_dir).resolve()
    token = demo_token(data_dir)
    client_secret = demo_token(data_dir, CLIENT_SECRET_FILE)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # the demo runs on SQLite
    api_port = args.api_port
    env.update(
        ACTIONS_DATA_DIR=str(data_dir),
        ACTIONS_ALLOW_HOSTS=f"{DEMO_API_HOST}:{api_port}",
        DEMO_API_TOKEN=token,
        DEMO_CLIENT_ID=DEMO_CLIENT_ID,
        DEMO_CLIENT_SECRET=client_secret,
        DEMO_API_PORT=str(api_port),
    )
    for host, port, what in ((DEMO_API_HOST, api_port, "demo API"), (args.address, args.port, "app")):
        if not _port_free("127.0.0.1" if host == "0.0.0.0" else host, port):
            print(f"error: port {port} is in use; stop what runs there first ({what})", file=sys.stderr)
            return EXIT_FAILED
    for line in seed(Settings.from_env(env), token, client_secret, api_port=api_port):
        print(f"demo: {line}")
    api = app = None
    previous = {s: signal.signal(s, _raise_stopped) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        api = _start([sys.executable, "-m", "demo"], env)
        if not _wait_for(f"http://{DEMO_API_HOST}:{api_port}/api/health", api):
            print("error: the demo API did not start", file=sys.stderr)
            return EXIT_FAILED
        app = _start(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(_package_file("ui", "app.py")),
                "--server.headless",
                "true",
                "--server.port",
                str(args.port),
                "--server.address",
                args.address,
                "--browser.gatherUsageStats",
                "false",
                "--client.toolbarMode",
                "minimal",
                # as .streamlit/config.toml: text with a 4.5:1 contrast, captions included
                "--theme.base",
                "light",
                "--theme.textColor",
                "#0e1117",
            ],
            env,
        )
        url = (
            f"http://{'localhost' if args.address in ('127.0.0.1', '0.0.0.0') else args.address}:{args.port}"
        )
        if _wait_for(url, app, seconds=60):
            print(
                f"\n  Demo ready: {url}\n  Demo API:   http://{DEMO_API_HOST}:{api_port}"
                f"\n  Data:       {data_dir}\n  Ctrl-C stops both.\n",
                flush=True,
            )
        while api.poll() is None and app.poll() is None:
            time.sleep(0.5)
        print("error: a demo process exited; stopping the other", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("\nstopping the demo ...", flush=True)
        return EXIT_OK
    except _Stopped as stopped:
        print(f"stopping the demo ({stopped}) ...", flush=True)
        return EXIT_OK
    finally:
        # a second signal while stopping must not cut the stop short
        for s in previous:
            signal.signal(s, signal.SIG_IGN)
        _stop(app)
        _stop(api)
        for s, handler in previous.items():
            signal.signal(s, handler)
