"""The compiled catalog kept in step with storage: the one place that knows how."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from storage.actions import ActionStore
from tools.action import ActionDefinition
from tools.compiler import ActionCatalog


class LiveCatalog:
    """The compiled live actions, kept in step with storage between turns and calls.

    `refresh()` compares the store's revision and recompiles only what changed (by version,
    then by content hash), so a saved edit is used by the next turn of every process on the
    same database.
    """

    def __init__(
        self,
        store: ActionStore,
        catalog: ActionCatalog | None = None,
        *,
        source: Callable[[], list[ActionDefinition]] | None = None,
    ):
        self.store = store
        self.catalog = catalog or ActionCatalog()
        self.source = source
        """Replaces the live definitions when set (the draft preview: `DraftStore.overlay`)."""
        self.revision: int | None = None
        self._definitions: dict[str, tuple[int, Any]] = {}

    def refresh(self, revision: int | None = None) -> ActionCatalog:
        """Recompile what changed; `revision` is the store's, when the caller just read it."""
        if revision is None:
            revision = self.store.revision()
        if revision != self.revision and self.source is not None:
            self.catalog.sync(self.source())
            self.revision = revision
        elif revision != self.revision:
            definitions = []
            for stored in self.store.list():
                # The same object for an unchanged version: the catalog then skips even the hash.
                cached = self._definitions.get(stored.name)
                if cached is None or cached[0] != stored.version:
                    cached = self._definitions[stored.name] = (stored.version, stored.definition)
                definitions.append(cached[1])
            self.catalog.sync(definitions)
            self.revision = revision
        return self.catalog
