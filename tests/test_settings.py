"""Settings: each documented environment variable sets its field, and no credential is ever shown.

The entry points read `Settings.from_env()`; an explicit mapping (`from_env(env)`) is read alone.
Credentials (the secret key, the OpenAI key, the admin password) are `SecretStr`, and the
database URL, which may carry a password, stays out of the repr.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from agent.wiring.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

# variable -> (field, value in the environment, value of the field)
VARIABLES = {
    "DATABASE_URL": ("database_url", "postgresql://app:pw@db:5432/app", "postgresql://app:pw@db:5432/app"),
    "ACTIONS_DATA_DIR": ("data_dir", "/srv/actions", Path("/srv/actions")),
    "ACTIONS_SECRET_KEY": ("secret_key", "fernet-key-value", "fernet-key-value"),
    "ACTIONS_ALLOW_HOSTS": (
        "allow_hosts",
        " api.internal:8443, 10.0.0.5 ;crm ",
        ("api.internal:8443", "10.0.0.5", "crm"),
    ),
    "OPENAI_API_KEY": ("openai_api_key", "sk-test-value", "sk-test-value"),
    "OPENAI_MODEL": ("openai_model", "gpt-4.1", "gpt-4.1"),
    "OPENAI_BASE_URL": ("openai_base_url", "http://127.0.0.1:11434/v1", "http://127.0.0.1:11434/v1"),
    "ADMIN_PASSWORD": ("admin_password", "admin-pass-value", "admin-pass-value"),
    "ACTIONS_TOOL_BUDGET_TOKENS": ("tool_budget_tokens", "12000", 12000),
    "ACTIONS_TOP_K": ("top_k", "12", 12),
    "ACTIONS_MAX_TOOLS": ("max_tools", "20", 20),
    "EMBEDDINGS_MODEL": ("embeddings_model", "text-embedding-3-small", "text-embedding-3-small"),
    "EMBEDDINGS_BASE_URL": ("embeddings_base_url", "http://127.0.0.1:8081/v1", "http://127.0.0.1:8081/v1"),
    "EMBEDDINGS_API_KEY": ("embeddings_api_key", "emb-key-value", "emb-key-value"),
    "ACTIONS_MAX_MESSAGE_CHARS": ("max_message_chars", "1234", 1234),
}
SECRETS = {
    "ACTIONS_SECRET_KEY": "key-8d1e4c",
    "OPENAI_API_KEY": "sk-live-51f0a2",
    "ADMIN_PASSWORD": "adm-77c2b9",
    "DATABASE_URL": "postgresql://app:db-pw-3e9a@db/app",
}


def _secret_part(value: str) -> str:
    return value.split(":")[-1].split("@")[0]  # the password of a URL, or the whole value


def _plain(value):
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def test_every_field_has_its_variable_here_and_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    configuration = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    assert {f.validation_alias for f in Settings.model_fields.values()} == set(VARIABLES)
    assert {field for field, _, _ in VARIABLES.values()} == set(Settings.model_fields)
    assert [v for v in VARIABLES if f"`{v}`" not in configuration] == []


@pytest.mark.parametrize("variable", list(VARIABLES))
def test_each_variable_sets_its_field(variable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    field, raw, expected = VARIABLES[variable]
    monkeypatch.setenv(variable, raw)
    from_process = Settings.from_env()
    from_mapping = Settings.from_env({variable: raw})
    for settings in (from_process, from_mapping, Settings()):
        assert _plain(getattr(settings, field)) == expected
        others = {n: getattr(settings, n) for n in Settings.model_fields if n != field}
        assert others == {n: f.get_default() for n, f in Settings.model_fields.items() if n != field}


def test_an_empty_variable_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in VARIABLES:
        monkeypatch.setenv(variable, "")
    for settings in (Settings.from_env(), Settings.from_env(dict.fromkeys(VARIABLES, ""))):
        assert settings == Settings.from_env({})
        assert settings.data_dir == Path("data") and settings.openai_model == "gpt-4o-mini"
        assert settings.resolved_database_url == "sqlite:///data/api_actions.db"


def test_only_the_documented_names_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither the field names nor another letter case: `data_dir` is not ACTIONS_DATA_DIR."""
    for variable, (field, raw, _) in VARIABLES.items():
        for name in {field, field.upper(), variable.lower(), variable.title()} - {variable}:
            monkeypatch.setenv(name, raw)  # e.g. data_dir, DATA_DIR, actions_data_dir
    assert Settings.from_env() == Settings.from_env({}) == Settings()


def test_a_given_mapping_is_read_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, (_, raw, _) in VARIABLES.items():
        monkeypatch.setenv(variable, raw)
    settings = Settings.from_env({"ACTIONS_DATA_DIR": "/given"})
    assert settings.data_dir == Path("/given")
    assert settings.database_url is None and settings.openai_api_key is None
    assert settings.allow_hosts == () and settings.admin_password is None


def test_fields_given_in_code_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://elsewhere/db")
    monkeypatch.setenv("ACTIONS_ALLOW_HOSTS", "from-env")
    settings = Settings(database_url=None, allow_hosts=["a", "b:1"], secret_key="k")
    assert settings.database_url is None and not settings.uses_postgres
    assert settings.secret_key is not None
    assert settings.allow_hosts == ("a", "b:1") and settings.secret_key.get_secret_value() == "k"


def test_no_credential_is_shown(monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    for variable, value in SECRETS.items():
        monkeypatch.setenv(variable, value)
    settings = Settings.from_env()
    log = logging.getLogger("test_settings")
    with caplog.at_level(logging.INFO, logger="test_settings"):
        log.info("settings %s / %r", settings, settings)
    shown = {"repr": repr(settings), "str": str(settings), "format": f"{settings}", "log": caplog.text}
    leaked = {
        (how, name)
        for how, text in shown.items()
        for name, value in SECRETS.items()
        if _secret_part(value) in text
    }
    assert leaked == set()
    dumped = {name: value for name, value in SECRETS.items() if name != "DATABASE_URL"}
    assert [n for n, v in dumped.items() if _secret_part(v) in settings.model_dump_json()] == []
    # ... while the code that needs them still gets them
    assert settings.admin_password is not None and settings.openai_api_key is not None
    assert settings.admin_password.get_secret_value() == SECRETS["ADMIN_PASSWORD"]
    assert settings.openai_api_key.get_secret_value() == SECRETS["OPENAI_API_KEY"]
    assert settings.uses_postgres and "db-pw-3e9a" in settings.resolved_database_url


def test_each_field_says_what_it_is_in_one_line() -> None:
    missing = [n for n, f in Settings.model_fields.items() if not f.description]
    multi_line = [n for n, f in Settings.model_fields.items() if "\n" in (f.description or "")]
    assert (missing, multi_line) == ([], [])


def test_a_misspelt_field_is_an_error_and_settings_do_not_change() -> None:
    with pytest.raises(ValidationError, match="data_dri"):
        Settings(data_dri="/tmp")
    settings = Settings()
    with pytest.raises(ValidationError):
        # frozen: the assignment must be refused; setattr, as the type checker rejects it written out
        setattr(settings, "data_dir", Path("/elsewhere"))  # noqa: B010
