"""Persistence: action definitions and shared auth settings (versioned, audited), encrypted
secrets, catalog transfer.

The engine is made by `make_engine` in an entry point and passed to the stores; nothing here
connects at import time, and nothing reads settings: the entry points pass plain values (a
database URL, a data folder, a key or a key file).
"""

from .actions import ActionStore, AuditEntry, Change, ImportReport, StoredAction, definition_diff
from .auth_settings import AuthInUseError, AuthStore, StoredAuth
from .checkpoints import open_checkpointer
from .db import database_url, init_db, make_engine
from .secrets import (
    SecretKeyError,
    SecretStore,
    SecretValueError,
    check_secret_name,
    delete_secret,
    load_or_create_key,
    open_secret_store,
    secret_names,
)
from .transfer import export_actions, export_json, import_actions, parse_catalog, validate_file

__all__ = [
    "ActionStore",
    "AuditEntry",
    "AuthInUseError",
    "AuthStore",
    "Change",
    "ImportReport",
    "SecretKeyError",
    "SecretStore",
    "SecretValueError",
    "StoredAction",
    "StoredAuth",
    "check_secret_name",
    "database_url",
    "definition_diff",
    "delete_secret",
    "export_actions",
    "export_json",
    "import_actions",
    "init_db",
    "load_or_create_key",
    "make_engine",
    "open_checkpointer",
    "open_secret_store",
    "parse_catalog",
    "secret_names",
    "validate_file",
]
