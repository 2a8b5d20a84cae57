"""Editing the action catalog: one service below the app and the command line (`service`),
and the checks an edit passes before it is saved (`checks`)."""

from agent.editing.checks import missing_secrets, secret_uses, secret_warning
from agent.editing.service import (
    CatalogEditor,
    DraftSaved,
    NamesTakenError,
    Opened,
    PlanChangedError,
    Published,
    PublishGuard,
    Saved,
)

__all__ = [
    "CatalogEditor",
    "DraftSaved",
    "NamesTakenError",
    "Opened",
    "PlanChangedError",
    "PublishGuard",
    "Published",
    "Saved",
    "missing_secrets",
    "secret_uses",
    "secret_warning",
]
