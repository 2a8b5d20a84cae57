"""The catalog's one editing service: every change of the actions goes through it.

The app's editor, history and import tabs and the command line (`api-actions import`,
`import-openapi --save`, `import-curl --save`) call it; none of them holds an editing rule.
The demo's first start, an isolated `chat --actions` catalog and the benchmarks seed through it
too, and the app's auth settings tab saves shared auth settings with it. It owns:

* one check per request: `validate_action` runs once, together with the rules that depend on
  what is stored (a name taken, a secret not set where the action goes live enabled), and the
  checked definition is handed on as `Validated`, so no store checks it again;
* the expected-version rule: every edit names the live version it was made on and the store
  compares it in the transaction that writes, so a stale edit is a `ConflictError`, never an
  overwrite (a deleted action reports version None);
* publishing as one transaction (`DraftStore.publish`): the new live version and the draft's
  removal are written together, or nothing is;
* an import applied only as it was planned: the plan's digest must still match, and the live
  versions it was made on are checked again in the import's own transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agent.editing.checks import missing_secrets, name_problem, refuse, secret_uses, secret_warning, validated
from storage.actions import ActionStore, ImportReport, StoredAction
from storage.auth_settings import AuthStore, StoredAuth
from storage.drafts import Draft, DraftStore
from storage.secrets import secret_names
from storage.transfer import ImportPlan, auth_names, plan_actions, store_bundle, validate_bundle
from tools.action import ActionDefinition
from tools.auth import AuthSetting
from tools.errors import ActionsError, ConflictError, NotFoundError
from tools.validation import Validated, validate_catalog

PublishGuard = Callable[[list[ActionDefinition], list[ActionDefinition]], bool]
"""Asked before a draft goes live with (live catalog, catalog after publishing): False holds
the publish back (the app's test-conversation guard found a regression not confirmed yet)."""


class PlanChangedError(ActionsError):
    """The live actions changed since the import plan was shown: nothing was imported."""

    def __init__(self) -> None:
        super().__init__("the live actions changed since this preview was drawn")


class NamesTakenError(ActionsError):
    """New actions were to be stored under names that are taken: nothing was stored."""

    def __init__(self, names: list[str]):
        self.names = names
        super().__init__(f"action(s) already stored: {', '.join(names)}")


@dataclass(frozen=True)
class Opened:
    """What an edit was made on, as the editor opened it."""

    live: str | None = None
    """The live action's name; None when it is not live (a new action, or a new one's draft)."""
    version: int | None = None
    """The live version the edit was made on."""
    draft: str | None = None
    """The name of the action's draft, when it has one."""
    on_draft: bool = False
    """The form shows the draft (else the live definition, or a blank form)."""
    draft_saved_at: datetime | None = None
    """When the draft it was opened with was saved (`Draft.updated_at`): a draft saved again
    since, or published or discarded, refuses the edit (`DraftChangedError`)."""

    @property
    def key(self) -> str | None:
        """The name a draft of it is found by: the live name, else the draft's own."""
        return self.live or self.draft

    @property
    def own_names(self) -> set[str]:
        """The names it may keep: its live name, its draft's name."""
        return {n for n in (self.live, self.draft) if n}


@dataclass(frozen=True)
class Saved:
    stored: StoredAction
    warning: str | None = None
    """A referenced secret that is not set yet (the save went ahead: the action is disabled)."""


@dataclass(frozen=True)
class DraftSaved:
    draft: Draft
    warning: str | None = None


@dataclass(frozen=True)
class Published:
    stored: StoredAction | None
    """The new live version; None when the publish was held back or refused."""
    draft: Draft | None = None
    """The draft as saved when the publish was held or refused (the edit is never lost)."""
    refused: ConflictError | NotFoundError | None = None
    """Why live refused it: it changed since the draft was started (or was deleted)."""


@dataclass
class CatalogEditor:
    """Save, publish, roll back, delete and import actions; see the module docstring."""

    actions: ActionStore
    drafts: DraftStore = field(init=False)

    def __post_init__(self) -> None:
        self.drafts = DraftStore(self.actions)

    # -- checks -----------------------------------------------------------------------------------
    def _checked(
        self, form: dict[str, Any], own: set[str], *, going_live: bool
    ) -> tuple[Validated, list[str]]:
        """Every problem of `form` in one `ActionValidationError`, else the definition (checked
        once) and the names of the stored secrets."""
        action, problems = validated(form)
        name = form.get("name")
        if isinstance(name, str) and name.strip().lower() not in {o.lower() for o in own}:
            live = [a.name for a in self.actions.list()]
            new_drafts = [d.name for d in self.drafts.list() if d.live_name is None]
            if taken := name_problem(name, own=own, live=live, new_drafts=new_drafts):
                problems.append(taken)
        stored = secret_names(self.actions.engine)
        if going_live and form.get("enabled", True) is not False:
            problems.extend(missing_secrets(form, stored))
        refuse(form, problems)
        assert action is not None  # no problem: it validated
        return Validated(action), stored

    # -- live -------------------------------------------------------------------------------------
    def save_live(self, form: dict[str, Any], opened: Opened, *, actor: str | None = None) -> Saved:
        """Create the action, or update the live version the edit was made on."""
        checked, stored = self._checked(form, opened.own_names, going_live=True)
        if opened.live is None:
            saved = self.actions.create(checked, actor=actor)
        else:
            saved = self.actions.update(opened.live, checked, expected_version=_seen(opened), actor=actor)
        return Saved(saved, secret_warning(form, stored))

    def duplicate(
        self, definition: dict[str, Any], *, taken: Iterable[str], actor: str | None = None
    ) -> StoredAction:
        """A disabled copy under the first free name `<name>_copy`, `<name>_copy2`, ..."""
        name = str(definition.get("name") or "action")
        copy = {
            **definition,
            "name": _unique_copy_name(taken, name),
            "enabled": False,
            "title": f"{definition.get('title') or name} (copy)",
        }
        return self.actions.create(copy, actor=actor)

    def set_enabled(
        self, name: str, enabled: bool, *, expected_version: int, actor: str | None = None
    ) -> StoredAction:
        """Switch the live action on or off; switching on is refused while a secret it uses is
        not set."""
        if enabled:
            form = self.actions.get(name).definition.to_json_dict()
            refuse(form, missing_secrets(form, secret_names(self.actions.engine)))
        return self.actions.set_enabled(name, enabled, expected_version=expected_version, actor=actor)

    def delete(self, name: str, *, expected_version: int, actor: str | None = None) -> None:
        self.actions.delete(name, expected_version=expected_version, actor=actor)

    def rollback(
        self, name: str, to_version: int, *, expected_version: int, actor: str | None = None
    ) -> StoredAction:
        """Make an earlier version live again, as a new version (history is never rewritten)."""
        return self.actions.rollback(name, to_version, expected_version=expected_version, actor=actor)

    # -- drafts -----------------------------------------------------------------------------------
    def save_draft(self, form: dict[str, Any], opened: Opened, *, actor: str | None = None) -> DraftSaved:
        """Save the form as the draft of the open action (a new action's draft may be renamed).
        An edit of the live definition is made on the live version it showed: checked too."""
        checked, stored = self._checked(form, opened.own_names, going_live=False)
        draft = self._store_draft(checked, opened, actor)
        return DraftSaved(draft, secret_warning(form, stored))

    def _store_draft(self, checked: Validated, opened: Opened, actor: str | None) -> Draft:
        saved_at = opened.draft_saved_at
        if opened.live is not None:
            expected = None if opened.on_draft else _seen(opened)
            return self.drafts.save(
                checked,
                live_name=opened.live,
                expected_version=expected,
                draft_saved_at=saved_at,
                actor=actor,
            )
        return self.drafts.save(checked, replaces=opened.draft, draft_saved_at=saved_at, actor=actor)

    def publish(
        self,
        form: dict[str, Any],
        opened: Opened,
        *,
        actor: str | None = None,
        guard: PublishGuard | None = None,
    ) -> Published:
        """Make the form (the draft being edited) live, in one transaction with the draft's
        removal. When live changed since the draft was started (`Published.refused`) or the
        guard holds it back, nothing goes live and the edit is saved to the draft instead. A
        draft saved by someone else since it was opened is a `DraftChangedError`: nothing is
        saved over it."""
        key = opened.key
        if key is None:
            raise NotFoundError("no draft to publish")
        checked, _ = self._checked(form, opened.own_names, going_live=True)
        if guard is not None:
            live = [s.definition for s in self.actions.list()]
            after = [checked.action if d.name == opened.live else d for d in live]
            if opened.live is None:
                after.append(checked.action)
            if not guard(live, after):
                return Published(None, self._store_draft(checked, opened, actor))
        try:
            stored = self.drafts.publish(
                key,
                definition=checked,
                expected_version=opened.version,
                draft_saved_at=opened.draft_saved_at,
                actor=actor,
            )
        except (ConflictError, NotFoundError) as exc:
            try:
                return Published(None, self._store_draft(checked, opened, actor), refused=exc)
            except (ConflictError, NotFoundError):
                return Published(None, refused=exc)  # the action itself is gone
        return Published(stored)

    def discard(self, name: str, *, actor: str | None = None) -> None:
        """Delete the draft; the live version is not touched."""
        self.drafts.discard(name, actor=actor)

    # -- imports ----------------------------------------------------------------------------------
    def plan_import(self, items: Any) -> ImportPlan:
        """What importing the catalog `items` would do; raises with every problem."""
        actions, _ = validate_bundle(items)
        return plan_actions(self.actions, self.drafts, actions)

    def apply_import(self, items: Any, *, shown: str | None = None, actor: str | None = None) -> ImportReport:
        """Import a catalog file (all or nothing). With `shown` (the digest of the plan the
        person saw) it goes ahead only if the plan is still that one, and the live versions the
        plan was made on are checked again in the import's transaction (`PlanChangedError`)."""
        actions, settings = validate_bundle(items, known_auth=auth_names(self.actions))
        if shown is None:
            return store_bundle(self.actions, actions, settings, actor=actor)
        plan = plan_actions(self.actions, self.drafts, actions)
        if plan.digest() != shown:
            raise PlanChangedError()
        try:
            return store_bundle(self.actions, actions, settings, actor=actor, expected=plan.seen)
        except ConflictError:
            raise PlanChangedError() from None

    def store_checked(
        self, actions: list[ActionDefinition], settings: list[AuthSetting], *, actor: str | None = None
    ) -> ImportReport:
        """Store a catalog `validate_bundle` has checked already (all or nothing, the auth
        settings first), as `apply_import` without a plan: a run's own catalog, loaded from a
        file that was read and checked before storage was opened."""
        return store_bundle(self.actions, actions, settings, actor=actor)

    def import_new_actions(self, items: Any, *, actor: str | None = None) -> ImportReport:
        """Store a catalog of new actions (an importer's drafts, disabled); an action already
        stored under one of its names refuses all of it (`NamesTakenError`), in the same
        transaction too."""
        actions, settings = validate_bundle(items, known_auth=auth_names(self.actions))
        existing = {a.name.lower() for a in self.actions.list()}
        if clash := [a.name for a in actions if a.name.lower() in existing]:
            raise NamesTakenError(clash)
        expected: dict[str, int | None] = {a.name.lower(): None for a in actions}
        try:
            return store_bundle(self.actions, actions, settings, actor=actor, expected=expected)
        except ConflictError as exc:
            raise NamesTakenError([exc.name]) from None

    def taken_names(self, definitions: Sequence[dict[str, Any]]) -> list[str]:
        """The names among `definitions` that a live action or a draft already has."""
        taken = {a.name.lower() for a in self.actions.list()} | {d.name.lower() for d in self.drafts.list()}
        return [str(d.get("name")) for d in definitions if str(d.get("name", "")).lower() in taken]

    def save_new_drafts(
        self, definitions: Sequence[dict[str, Any]], *, actor: str | None = None
    ) -> list[str]:
        """Save importer drafts as new actions' drafts, all or none (every one checked first,
        every problem in one error); returns their names."""
        checked = validate_catalog(list(definitions))
        if clash := self.taken_names([a.to_json_dict() for a in checked]):
            raise NamesTakenError(clash)
        return [d.name for d in self.drafts.save_new([Validated(a) for a in checked], actor=actor)]

    # -- shared auth settings ---------------------------------------------------------------------
    def save_auth(
        self,
        setting: AuthSetting | dict[str, Any],
        *,
        expected_version: int | None = None,
        actor: str | None = None,
    ) -> StoredAuth:
        """Create (`expected_version=None`) or update the shared auth setting edited on
        `expected_version` (a stale edit is a `ConflictError`)."""
        return AuthStore(self.actions.engine).save(setting, expected_version=expected_version, actor=actor)

    def unset_secrets(self, items: Iterable[dict[str, Any]]) -> list[str]:
        """Secrets the definitions `items` reference that are not set, sorted."""
        used = {name for item in items if isinstance(item, dict) for _, name in secret_uses(item)}
        return sorted(used - set(secret_names(self.actions.engine)))


def _seen(opened: Opened) -> int:
    if opened.version is None:
        raise NotFoundError(f"{opened.live!r} was opened without its live version")
    return opened.version


def _unique_copy_name(names: Iterable[str], name: str) -> str:
    taken = {n.lower() for n in names}
    candidate, n = f"{name}_copy", 2
    while candidate.lower() in taken:
        candidate, n = f"{name}_copy{n}", n + 1
    return candidate
