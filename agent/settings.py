"""Process settings, read from the environment once by the app factory and passed down.

Nothing reads `os.environ` at import time; `Settings.from_env()` is called by entry points
(CLI, Streamlit app, benchmarks) and the resulting object travels as a dependency.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from storage.db import database_url as sqlalchemy_url
from storage.db import is_postgres


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").replace(";", ",").split(",") if v.strip())


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    """Where the default SQLite database and the generated secret key file live."""
    database_url: str | None = None
    """SQLAlchemy URL; unset means a SQLite file in `data_dir`. postgresql://... selects PostgreSQL."""
    secret_key: str | None = None
    """Fernet key for secrets at rest (ACTIONS_SECRET_KEY); unset means a generated 0600 key file."""
    allow_hosts: tuple[str, ...] = ()
    """host[:port] entries the guard lets through even on private addresses (ACTIONS_ALLOW_HOSTS)."""
    openai_api_key: str | None = field(default=None, repr=False)
    openai_model: str = "gpt-4o-mini"
    openai_base_url: str | None = None
    admin_password: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        return cls(
            data_dir=Path(env.get("ACTIONS_DATA_DIR", "data")),
            database_url=env.get("DATABASE_URL") or None,
            secret_key=env.get("ACTIONS_SECRET_KEY") or None,
            allow_hosts=_split(env.get("ACTIONS_ALLOW_HOSTS")),
            openai_api_key=env.get("OPENAI_API_KEY") or None,
            openai_model=env.get("OPENAI_MODEL") or "gpt-4o-mini",
            openai_base_url=env.get("OPENAI_BASE_URL") or None,
            admin_password=env.get("ADMIN_PASSWORD") or None,
        )

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL storage connects to."""
        return sqlalchemy_url(self.database_url, self.data_dir)

    @property
    def uses_postgres(self) -> bool:
        return is_postgres(self.resolved_database_url)
