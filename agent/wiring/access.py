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
* `chat` is the customer's seat, like the app's chat page (which does not ask either): stored
  secrets are used for the calls the agent makes but are masked in everything it prints, and it
  reads no traces. With `--actions FILE` the catalog is one nobody reviewed, which could send a
  stored secret to any endpoint it names: then the stored secrets back it only when the admin
  check passes (the password supplied, or none configured); without the password the run uses
  `--secret` and `ACTIONS_SECRET_<NAME>` values only. `chat` takes `--admin-password` for that
  alone, and refuses a wrong one.
* `demo` starts the demo API and the app; the app asks for the password itself.

The comparison is constant-time (`hmac.compare_digest` on the UTF-8 bytes), and no message
ever repeats a supplied or configured password.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping

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
OPEN_COMMANDS = frozenset({"validate", "test", "chat", "demo"})
"""Subcommands that never need it (see the module docstring for why)."""


class AccessDenied(ActionsError):
    """The admin password is configured and was not supplied, or does not match."""


def password_matches(supplied: str, expected: str) -> bool:
    """Constant-time comparison; any text, not only ASCII."""
    return hmac.compare_digest(supplied.encode("utf-8"), expected.encode("utf-8"))


def require_admin(settings: Settings, supplied: str | None, *, what: str = "this") -> None:
    """Return when no password is configured or `supplied` matches it; else `AccessDenied`."""
    expected = settings.admin_password.get_secret_value() if settings.admin_password else None
    if not expected:
        return
    if not supplied:
        raise AccessDenied(
            f"{what} needs the admin password (ADMIN_PASSWORD is set): pass {PASSWORD_OPTION} "
            f"or set {PASSWORD_ENV}"
        )
    if not password_matches(supplied, expected):
        raise AccessDenied(f"{what}: wrong admin password; nothing was done")


def supplied_password(option: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """The password a command-line user gave: the option first, then `ACTIONS_ADMIN_PASSWORD`."""
    if option:
        return option
    env = os.environ if env is None else env
    return env.get(PASSWORD_ENV) or None


def add_password_option(parser) -> None:
    """Add `--admin-password` to an argparse (sub)parser."""
    parser.add_argument(
        PASSWORD_OPTION,
        dest="admin_password",
        metavar="PASSWORD",
        default=None,
        help=f"the admin password, when ADMIN_PASSWORD is set (or set {PASSWORD_ENV})",
    )
