"""The admin-password check, shared by the command line and the app.

When `ADMIN_PASSWORD` is set (`Settings.admin_password`), the product team's tools ask for it:
everything that edits actions, reads secrets, or reads what the agent did (traces, exports of
the catalog). Without it set, they are open (a local, single-user setup).

How a command-line user supplies the password, in order:

* `--admin-password PASSWORD` on the command (visible to other local users in the process list,
  so prefer the variable in shared machines and scripts);
* the environment variable `ACTIONS_ADMIN_PASSWORD` (the same `ACTIONS_` prefix as the other
  settings; it is separate from `ADMIN_PASSWORD`, which *configures* the password, so that
  setting up a server never unlocks a shell by accident).

Which commands ask, and why (`ADMIN_COMMANDS`, `ADMIN_OPTIONS`, `OPEN_COMMANDS`; a test
fails when a new subcommand is in none of them):

* `import` edits the stored actions; `export` reads the whole stored catalog (which secrets
  exist, every endpoint and header template): both ask. `mcp` hands the stored actions and
  secrets to another program: it asks. `secrets set`, `secrets list` and `secrets delete`
  write and list the stored secrets (values go in from standard input; none is ever shown):
  all ask.
* `import-openapi` and `import-curl` ask only with `--save`, which stores drafts; printing the
  drafts, or writing them to a file, touches nothing stored.
* `validate` reads only the file it is given and stores nothing; `test` sends one action from
  the file it is given, with secrets taken from its own `--secret` options and
  `ACTIONS_SECRET_<NAME>` variables, never from storage: neither touches anything a password
  protects, so neither asks.
* `db upgrade` brings the database's schema to the newest revision, as every start does; it
  reads and changes no action, secret or trace, so it does not ask.
* `chat` is the customer's seat, like the app's chat page (which does not ask either): stored
  secrets are used for the calls the agent makes but are masked in everything it prints, and it
  reads no traces. With `--actions FILE` the catalog is one nobody reviewed, which could send a
  stored secret to any endpoint it names: then the stored secrets back it only when the admin
  check passes (the password supplied, or none configured); without the password the run uses
  `--secret` and `ACTIONS_SECRET_<NAME>` values only. `chat` takes `--admin-password` for that
  alone, and refuses a wrong one.
* `eval` runs the test conversations: it shows which action the agent picks and with which
  arguments (what the chat page shows anyone), sends nothing but GET lookups on request, and
  those only with its own `--secret` / `ACTIONS_SECRET_<NAME>` values, never stored secrets;
  so a team's CI can run it without the password.
* `demo` starts the demo API and the app; the app asks for the password itself.

The comparison is constant-time (`hmac.compare_digest` on the UTF-8 bytes), and no message
ever repeats a supplied or configured password.

Guessing is throttled per client (`AdminThrottle`): the first `free_failures` wrong passwords
cost nothing, each further one makes the client wait twice as long as the last before it may
try again (1 s, 2 s, 4 s ... at most `max_delay`), and `lockout_after` failures in a row lock it
out for `lockout_seconds`; the right password resets the count. A try while the client must
wait is refused without being compared (`TooManyAttempts`, saying how long to wait), so a wait
cannot be shortened by guessing faster. The app keeps one throttle per process and names the
client by keys it cannot change (`ui.auth.client_keys`); the command line keeps its count in a
file beside the data (`admin_attempts.json`, per local user), since each command is a new process.
"""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock

from agent.wiring.settings import Settings
from tools.errors import ActionsError

PASSWORD_ENV = "ACTIONS_ADMIN_PASSWORD"
"""Environment variable a command-line user supplies the admin password in."""
PASSWORD_OPTION = "--admin-password"
"""Command-line option that supplies the admin password (takes precedence over the variable)."""

ADMIN_COMMANDS = frozenset({"import", "export", "mcp", "secrets"})
"""Subcommands that need the admin password when one is configured."""
ADMIN_OPTIONS = {"import-openapi": "--save", "import-curl": "--save"}
"""Subcommands that need it only with the named option (the one that edits stored actions)."""
OPEN_COMMANDS = frozenset({"validate", "test", "chat", "demo", "eval", "db"})
"""Subcommands that never need it (see the module docstring for why)."""


class AccessDenied(ActionsError):
    """The admin password is configured and was not supplied, or does not match."""


class TooManyAttempts(AccessDenied):
    """Too many wrong passwords from this client: it must wait before the next try."""

    def __init__(self, retry_after: float, *, locked: bool):
        self.retry_after = retry_after
        self.locked = locked
        wait = f"{max(1, round(retry_after))} s"
        super().__init__(
            f"too many wrong admin passwords: locked out, try again in {wait}"
            if locked
            else f"too many wrong admin passwords: wait {wait} before trying again"
        )


@dataclass
class _Client:
    failures: int = 0
    not_before: float = 0.0
    """Clock time before which a try is refused."""


@dataclass
class AdminThrottle:
    """Wrong admin passwords per client: slowed down, then locked out (see the module docstring).

    Thread-safe (the app's sessions are threads). `clock` is injectable so tests need no sleep;
    with `state_file` the counts are kept in that JSON file (under a file lock) instead of in
    memory, for callers that are a new process every time (the command line): the clock is
    then wall time, which is meaningful across processes.
    """

    free_failures: int = 3
    base_delay: float = 1.0
    max_delay: float = 60.0
    lockout_after: int = 10
    lockout_seconds: float = 900.0
    max_clients: int = 10_000
    """Clients remembered at most; the ones with the fewest failures are forgotten first."""
    clock: Callable[[], float] = time.monotonic
    state_file: Path | None = None
    _clients: dict[str, _Client] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def check(self, client: str | tuple[str, ...], supplied: str, expected: str) -> bool:
        """Compare `supplied` with `expected` for `client`, unless it must wait
        (`TooManyAttempts`); a wrong one is counted, the right one clears the count.

        A client may be named by several keys (the app: one count shared by every connection
        whose address it cannot trust, and the address itself): a try waits while any of its
        keys must wait, and a wrong one is counted on every key, so no change of key the client
        can make (a new session, a forged header) starts a fresh count."""
        keys = (client,) if isinstance(client, str) else tuple(dict.fromkeys(client))
        with self._lock, self._stored():
            now = self.clock()
            records = [self._clients.setdefault(key, _Client()) for key in keys]
            waiting = [r for r in records if now < r.not_before]
            if waiting:
                longest = max(waiting, key=lambda r: r.not_before)
                raise TooManyAttempts(
                    longest.not_before - now, locked=any(r.failures >= self.lockout_after for r in waiting)
                )
            if password_matches(supplied, expected):
                for key in keys:
                    self._clients.pop(key, None)
                return True
            for record in records:
                record.failures += 1
                record.not_before = now + self.delay(record.failures)
            self._forget_some()
            return False

    def delay(self, failures: int) -> float:
        """Seconds a client must wait after its `failures`-th wrong password in a row."""
        if failures >= self.lockout_after:
            return self.lockout_seconds
        if failures <= self.free_failures:
            return 0.0
        return min(self.max_delay, self.base_delay * 2 ** (failures - self.free_failures - 1))

    def wait_seconds(self, client: str | tuple[str, ...]) -> float:
        """How long `client` (one key or several, as in `check`) must wait before its next try
        (0: it may try now)."""
        keys = (client,) if isinstance(client, str) else client
        with self._lock, self._stored():
            now = self.clock()
            records = [r for r in (self._clients.get(k) for k in keys) if r is not None]
            return max((max(0.0, r.not_before - now) for r in records), default=0.0)

    def _forget_some(self) -> None:
        if len(self._clients) > self.max_clients:
            keep = sorted(self._clients.items(), key=lambda kv: -kv[1].failures)[: self.max_clients]
            self._clients = dict(keep)

    def _stored(self) -> _FileState:
        return _FileState(self)


class _FileState:
    """Loads the throttle's counts from its state file and writes them back (a no-op without one)."""

    def __init__(self, throttle: AdminThrottle):
        self.throttle = throttle
        path = throttle.state_file
        self.lock = FileLock(f"{path}.lock") if path else None

    def __enter__(self) -> None:
        path = self.throttle.state_file
        if self.lock is None or path is None:
            return
        self.lock.acquire(timeout=10)
        try:
            data = json.loads(path.read_text("utf-8")) if path.exists() else {}
        except (OSError, ValueError):
            data = {}  # a damaged file starts the count afresh rather than locking everyone out
        self.throttle._clients = {
            str(k): _Client(int(v.get("failures", 0)), float(v.get("not_before", 0.0)))
            for k, v in (data.items() if isinstance(data, dict) else ())
            if isinstance(v, dict)
        }

    def __exit__(self, *exc_info: object) -> None:
        path = self.throttle.state_file
        if self.lock is None or path is None:
            return
        try:
            data = {
                k: {"failures": c.failures, "not_before": c.not_before}
                for k, c in self.throttle._clients.items()
            }
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(data), "utf-8")
            os.chmod(path, 0o600)
        finally:
            self.lock.release()


ATTEMPTS_FILE = "admin_attempts.json"
"""Where the command line counts wrong admin passwords, in the data dir."""


def cli_throttle(settings: Settings) -> AdminThrottle:
    """The command line's throttle: its counts in the data dir, on wall-clock time."""
    return AdminThrottle(clock=time.time, state_file=Path(settings.data_dir) / ATTEMPTS_FILE)


def cli_client() -> str:
    """The command line's client: the local user (each command is a new process)."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return f"cli:{uid}"


def password_matches(supplied: str, expected: str) -> bool:
    """Constant-time comparison; any text, not only ASCII."""
    return hmac.compare_digest(supplied.encode("utf-8"), expected.encode("utf-8"))


def require_admin(
    settings: Settings,
    supplied: str | None,
    *,
    what: str = "this",
    throttle: AdminThrottle | None = None,
    client: str | None = None,
) -> None:
    """Return when no password is configured or `supplied` matches it; else `AccessDenied`
    (`TooManyAttempts` while `client` must wait after wrong passwords, with a `throttle`)."""
    expected = settings.admin_password.get_secret_value() if settings.admin_password else None
    if not expected:
        return
    if not supplied:
        raise AccessDenied(
            f"{what} needs the admin password (ADMIN_PASSWORD is set): pass {PASSWORD_OPTION} "
            f"or set {PASSWORD_ENV}"
        )
    if throttle is not None:
        matched = throttle.check(client or cli_client(), supplied, expected)  # may raise TooManyAttempts
    else:
        matched = password_matches(supplied, expected)
    if not matched:
        raise AccessDenied(f"{what}: wrong admin password; nothing was done")


def supplied_password(option: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """The password a command-line user gave: the option first, then `ACTIONS_ADMIN_PASSWORD`."""
    if option:
        return option
    env = os.environ if env is None else env
    return env.get(PASSWORD_ENV) or None


def add_password_option(parser: argparse.ArgumentParser) -> None:
    """Add `--admin-password` to an argparse (sub)parser."""
    parser.add_argument(
        PASSWORD_OPTION,
        dest="admin_password",
        metavar="PASSWORD",
        default=None,
        help=f"the admin password, when ADMIN_PASSWORD is set (or set {PASSWORD_ENV})",
    )


LOOPBACK_CLIENTS = "loopback"
"""Every connection from this machine (127.0.0.0/8, ::1, IPv4-mapped loopback) as one client."""
IPV6_CLIENT_PREFIX = 64
"""An IPv6 client is its /64: one host or LAN is given a /64 and can pick any address in it."""


def client_network(address: str) -> str:
    """The client a connection's address stands for, as a key nothing the client picks can
    renew: every loopback address is one client (a local process picks any of 127.0.0.0/8), an
    IPv6 address is its /64 network, an IPv4 address itself. Text that is not an address is
    counted with the loopback clients, the ones the server cannot tell apart."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return LOOPBACK_CLIENTS
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return LOOPBACK_CLIENTS
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{ip}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(ip)
