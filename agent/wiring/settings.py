"""Process settings, read from the environment by the entry points and passed down.

Nothing reads `os.environ` at import time; an entry point (CLI verb, Streamlit app, MCP server,
LangGraph Server factory, benchmarks) calls `Settings.from_env()` once, and the settings, or the
plain values taken from them, travel as dependencies. Storage and tools never see this class.

Each field is read from the environment variable named by its alias (`DATABASE_URL`, ...); an
empty variable counts as unset. The credentials are `SecretStr`, and the database URL (which may
hold a password) is left out of the repr, so printing or logging settings shows none of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from agent.state import DEFAULT_TOP_K, Limits
from storage.db import database_url as sqlalchemy_url
from storage.db import is_postgres

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"


class SettingsError(ValueError):
    """An environment variable holds a value the settings cannot take; `str()` is one sentence
    naming the variable (never its value, which may be a credential)."""


def _env_name(field: FieldInfo) -> str:
    """The environment variable a field is read from: its alias, always one plain name here."""
    alias = field.validation_alias
    if not isinstance(alias, str):
        raise TypeError(f"every settings field needs a plain string alias, not {alias!r}")
    return alias


class Settings(BaseSettings):
    """Where the data lives, which model answers, and what guards the product team's tools."""

    model_config = SettingsConfigDict(
        frozen=True,
        case_sensitive=True,  # environment names are exact, as everywhere on POSIX
        env_ignore_empty=True,  # `VAR=` means unset, not an empty URL or key
        # Only the environment names are read from the environment: a `data_dir` variable is not
        # `ACTIONS_DATA_DIR`. Code and tests still pass fields by name (see `__init__`).
        validate_by_alias=True,
        validate_by_name=False,
        use_attribute_docstrings=True,  # each field's docstring is its description
        extra="forbid",  # a misspelt field is an error, not a silent default
    )

    data_dir: Path = Field(Path("data"), validation_alias="ACTIONS_DATA_DIR")
    """Folder of the SQLite files, the generated secret key file and the session lock files."""
    database_url: str | None = Field(None, validation_alias="DATABASE_URL", repr=False)
    """SQLAlchemy or libpq URL (postgresql://... selects PostgreSQL); unset: SQLite in data_dir."""
    secret_key: SecretStr | None = Field(None, validation_alias="ACTIONS_SECRET_KEY")
    """Fernet key for secrets at rest; unset: a generated 0600 key file in data_dir."""
    allow_hosts: Annotated[tuple[str, ...], NoDecode] = Field((), validation_alias="ACTIONS_ALLOW_HOSTS")
    """host[:port] entries the SSRF guard lets reach private addresses (comma separated)."""
    openai_api_key: SecretStr | None = Field(None, validation_alias="OPENAI_API_KEY")
    """Key for the OpenAI(-compatible) chat model; unset: the built-in offline model answers."""
    openai_model: str = Field(DEFAULT_OPENAI_MODEL, validation_alias="OPENAI_MODEL")
    """Chat model name sent to the OpenAI(-compatible) server."""
    openai_base_url: str | None = Field(None, validation_alias="OPENAI_BASE_URL")
    """OpenAI-compatible server URL (Ollama, vLLM, Azure...); unset: OpenAI itself."""
    admin_password: SecretStr | None = Field(None, validation_alias="ADMIN_PASSWORD")
    """Password the product team's tools (editor, secrets, traces, import/export) ask for."""
    tool_budget_tokens: int = Field(10000, ge=0, validation_alias="ACTIONS_TOOL_BUDGET_TOKENS")
    """Tool-definition tokens bound whole (~40 typical actions); above it, retrieval picks."""
    top_k: int = Field(DEFAULT_TOP_K, ge=1, le=128, validation_alias="ACTIONS_TOP_K")
    """Actions bound per turn once over the token budget, the most relevant first."""
    max_tools: int | None = Field(None, ge=2, le=129, validation_alias="ACTIONS_MAX_TOOLS")
    """Most tools per model call above the budget; unset: 20 at top_k 15, else none (`Limits.cap`)."""
    embeddings_model: str | None = Field(None, validation_alias="EMBEDDINGS_MODEL")
    """Embedding model for semantic retrieval (e.g. text-embedding-3-small); unset: lexical only."""
    embeddings_base_url: str | None = Field(None, validation_alias="EMBEDDINGS_BASE_URL")
    """OpenAI-compatible embeddings server URL; unset: `OPENAI_BASE_URL` (or OpenAI itself)."""
    embeddings_api_key: SecretStr | None = Field(None, validation_alias="EMBEDDINGS_API_KEY")
    """Key for the embeddings server; unset: `OPENAI_API_KEY`."""
    max_message_chars: int = Field(4000, gt=0, validation_alias="ACTIONS_MAX_MESSAGE_CHARS")
    """Longest customer message a turn reads (characters); a longer one is asked to be shorter."""

    def __init__(self, **values: Any) -> None:
        """`Settings(data_dir=...)`: fields by name, as code and tests write them."""
        fields = type(self).model_fields
        super().__init__(
            **{_env_name(fields[key]) if key in fields else key: value for key, value in values.items()}
        )

    @field_validator("allow_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        """`a:8080, b` (commas or semicolons) from the environment; a sequence from code."""
        if isinstance(value, str):
            return tuple(v.strip() for v in value.replace(";", ",").split(",") if v.strip())
        return value

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings of the process environment, or of `env` alone when it is given.

        Raises `SettingsError` (one sentence naming each variable) on a value that is not valid.
        """
        try:
            if env is None:
                return cls()
            # Every field is passed, so that nothing comes from the process environment.
            return cls(
                **{
                    name: env.get(_env_name(field)) or field.get_default()
                    for name, field in cls.model_fields.items()
                }
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors()
            )
            raise SettingsError(f"The environment has a setting that is not valid ({problems}).") from None

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL storage connects to."""
        return sqlalchemy_url(self.database_url, self.data_dir)

    def limits(self) -> Limits:
        """The agent's limits with the retrieval and message-length settings applied."""
        return Limits(
            tool_budget_tokens=self.tool_budget_tokens,
            top_k=self.top_k,
            max_tools=self.max_tools,
            max_message_chars=self.max_message_chars,
        )

    @property
    def uses_postgres(self) -> bool:
        return is_postgres(self.resolved_database_url)
