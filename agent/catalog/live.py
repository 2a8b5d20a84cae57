"""The compiled catalog kept in step with storage: the one place that knows how."""

from __future__ import annotations

from collections.abc import Callable

from storage.actions import ActionStore
from tools.action import ActionDefinition
from tools.compiler import ActionCatalog


class LiveCatalog:
    """The compiled live actions, kept in step with storage between turns and calls.

    `refresh()` compares the store's revision and recompiles only what changed, by what each
    definition is (its content hash, in `ActionCatalog.sync`), never by (name, version): a
    delete and a create of the same name, or data an earlier release wrote with a repeated
    version, is a new definition to every process on the same database.
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

    def refresh(self, revision: int | None = None) -> ActionCatalog:
        """Recompile what changed; `revision` is the store's, when the caller just read it."""
        if revision is None:
            revision = self.store.revision()
        if revision != self.revision and self.source is not None:
            self.catalog.sync(self.source())
            self.revision = revision
        elif revision != self.revision:
            self.catalog.sync([stored.definition for stored in self.store.list()])
            self.revision = revision
        return self.catalog
