"""One home per concept: an AST scan finds a second definition of what has its own module.

Each test names the home and fails when a module elsewhere defines the concept again.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("api_actions", "agent", "tools", "storage", "ui", "demo", "benchmarks")


def modules(*packages: str) -> list[Path]:
    return sorted(p for pkg in packages for p in (ROOT / pkg).rglob("*.py"))


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def assigned_names(path: Path) -> set[str]:
    """Every name a module binds at any level (assignments, tuple targets, annotated ones)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        for target in targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Name):
                    names.add(leaf.id)
    return names


def test_exit_codes_are_defined_once():
    home = "agent/cli/exit_codes.py"
    elsewhere = {
        rel(p): sorted(n for n in assigned_names(p) if n.startswith("EXIT_"))
        for p in modules(*PRODUCT)
        if rel(p) != home
    }
    assert {k: v for k, v in elsewhere.items() if v} == {}
    assert {"EXIT_OK", "EXIT_FAILED", "EXIT_INVALID", "EXIT_DENIED"} <= assigned_names(ROOT / home)


def _channel_lists(path: Path) -> list[int]:
    """Lines where a module spells the channel set: a list, tuple or set literal holding both
    "chat" and "email", or the two in a `Literal[...]`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            values = {e.value for e in node.elts if isinstance(e, ast.Constant)}
            if {"chat", "email"} <= values:
                found.append(node.lineno)
    return found


def test_the_channel_set_is_defined_once():
    from typing import get_args

    from tools.channels import CHANNELS, Channel, ChannelName

    assert CHANNELS == get_args(ChannelName) == tuple(c.value for c in Channel)
    home = "tools/channels.py"
    elsewhere = {
        rel(p): _channel_lists(p) for p in modules("agent", "tools", "storage", "ui") if rel(p) != home
    }
    assert {k: v for k, v in elsewhere.items() if v} == {}
    assert _channel_lists(ROOT / home)


def test_the_secrets_a_definition_uses_are_read_by_one_function():
    """`tools.placeholders.secret_uses` is the one reading: the definition, the editor's form
    check and the request builder's body walk all go through it (malformed names are skipped)."""
    from agent.editing.checks import form_secret_uses
    from tools.action import ActionDefinition
    from tools.placeholders import secret_uses

    definition = ActionDefinition.model_validate(
        {
            "name": "probe",
            "trigger": "t",
            "method": "POST",
            "url": "https://api.example.com/x",
            "headers": {"Authorization": "Bearer {{secret.TOKEN}}", "X-Bad": "{{secret.not ok}}"},
            "body": '{"auth": {"key": "{{secret.BODY_KEY}}"}, "list": ["{{secret.LISTED}}"]}',
        }
    )
    form = definition.to_json_dict()
    assert list(form_secret_uses(form)) == [
        ("headers.Authorization", "TOKEN"),
        ("body", "BODY_KEY"),
        ("body", "LISTED"),
    ]
    assert definition.secret_names() == {"TOKEN", "BODY_KEY", "LISTED"}
    parsed = {"auth": {"key": "{{secret.BODY_KEY}}"}, "list": ["{{secret.LISTED}}"]}
    assert list(secret_uses(parsed, "body")) == [("body.auth.key", "BODY_KEY"), ("body.list[]", "LISTED")]
    for path in modules("tools", "agent", "ui"):
        if rel(path) != "tools/placeholders.py":
            assert "def _secret_uses" not in path.read_text(encoding="utf-8"), rel(path)


def test_no_product_module_is_named_like_a_test():
    """`test_*.py` is pytest's name for a test module; a product module says what it is."""
    product = ("api_actions", "agent", "tools", "storage", "ui", "demo")
    assert [rel(p) for p in modules(*product) if p.name.startswith("test_")] == []


def test_bm25_is_scored_in_one_place():
    """agent/catalog/lexical.py holds BM25 (idf, length normalisation, saturated term frequency); the
    retriever's index and the offline router call it instead of writing the formula again."""
    from agent.catalog.lexical import K1, idf, length_norm, saturated_tf

    assert saturated_tf(2.0, 10, 10) == 2.0 * (K1 + 1) / (2.0 + length_norm(10, 10))
    assert idf(20, 1) > idf(20, 5) > 0
    for path in modules("agent", "tools", "benchmarks"):
        if rel(path) == "agent/catalog/lexical.py":
            continue
        names = {
            n.id for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.Name)
        }
        assert not names & {"K1", "B"}, rel(path)
        assert "math.log(1 + (" not in path.read_text(encoding="utf-8"), rel(path)


# -- response format names: the enum, their presenter module, the UI's renderer table ----------------
FORMAT_HOMES = ("tools/action.py", "ui/render.py")
"""Where every response format is named: the enum and the chat's renderer table (a format's
presenter module, `agent/presenters/<format>.py`, names its own)."""
FORMAT_WORDS = {
    ("agent/catalog/related_words.py", "card"): "a payment card, among words customers use",
    ("tools/importers/_openapi_schema.py", "link"): "a field name ending that marks a URL",
    ("agent/offline/replies.py", "link"): "a field name ending that says how a result is delivered",
    ("agent/offline/render.py", "link"): "a URL field said in words, a generic field name",
}
"""Modules where a format's name is an ordinary word, not the format."""


def format_names() -> dict[str, str]:
    """Value -> member name of every response format but words (`text`: what every format falls
    back to, and the key of every answer's plain text)."""
    from tools.action import ResponseFormat

    return {f.value: f.name for f in ResponseFormat if f is not ResponseFormat.TEXT}


def format_spellings(source: str, path: str, names: dict[str, str]) -> list[str]:
    """Where a module outside the formats' homes names one: a string that is a format's value,
    or `ResponseFormat.<MEMBER>`."""
    if path in FORMAT_HOMES:
        return []
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "ResponseFormat"
            and node.attr in names.values()
        ):
            value = next(v for v, member in names.items() if member == node.attr)
        else:
            continue
        own = path == f"agent/presenters/{value}.py"
        if value in names and not own and (path, value) not in FORMAT_WORDS:
            found.append(f"{path}:{node.lineno} {value}")
    return found


def test_response_format_names_are_spelled_only_in_their_homes():
    """A new response format is its value in the enum, its presenter module and its renderer:
    no other product module lists the formats (events, the chat turn, the state, respond,
    traces and e-mail read a presentation by its format key)."""
    names = format_names()
    assert {"card", "link"} <= set(names)
    found = [
        spelled
        for p in modules("api_actions", "agent", "tools", "storage", "ui")
        for spelled in format_spellings(p.read_text(encoding="utf-8"), rel(p), names)
    ]
    assert found == []
    assert [p for p in {p for p, _ in FORMAT_WORDS} if not (ROOT / p).is_file()] == []


def test_a_format_name_spelled_elsewhere_is_found():
    names = format_names()
    planted = {
        "ui/chat_turn.py": 'if fmt in ("card", "link") and event.get(fmt):\n    pass',
        "agent/turns/events.py": 'event = {"card": pres.get("card")}',
        "agent/presenters/card.py": 'other = "link"',
        "tools/validation.py": "needs = raw['response_format'] == ResponseFormat.LINK",
    }
    assert {path: len(format_spellings(source, path, names)) for path, source in planted.items()} == {
        "ui/chat_turn.py": 2,
        "agent/turns/events.py": 2,
        "agent/presenters/card.py": 1,
        "tools/validation.py": 1,
    }
    assert format_spellings('format = "card"', "agent/presenters/card.py", names) == []
    assert format_spellings('RENDERERS = {"card": card}', "ui/render.py", names) == []


# -- catalog writes: the editing service ------------------------------------------------------------
CATALOG_STORES = ("ActionStore", "DraftStore", "AuthStore")
"""The stores of the catalog: live actions (versions, audit), drafts, shared auth settings."""
CATALOG_WRITES = {
    "create",
    "update",
    "set_enabled",
    "delete",
    "upsert_many",
    "rollback",
    "save",
    "save_new",
    "discard",
    "publish",
}
"""Their methods that write (`storage.actions`, `storage.drafts`, `storage.auth_settings`)."""
WRITING_FUNCTIONS = {"import_actions", "store_bundle"}
"""`storage.transfer`'s functions that write a catalog file into the stores."""
EDITING_HOME = "agent/editing/"


def _names_a_store(annotation: ast.expr | None) -> bool:
    return annotation is not None and any(name in ast.unparse(annotation) for name in CATALOG_STORES)


def _called_name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


class _StoreWrites:
    """Where a module writes to a catalog store: a write method called on an expression that is
    a store (`ActionStore(engine)`, a name bound to one or annotated as one, an attribute that
    holds one: `stores.actions`, `deps.store`, `rt.drafts`, `self.auth`) or a writing function
    of `storage.transfer` called. An attribute of `self` is judged by its own class (a
    `self.store` of vectors is not the catalog); any other attribute by the names that hold a
    store in some class of the product (`store_attributes`)."""

    def __init__(self, tree: ast.Module, attributes: set[str]):
        self.tree, self.attributes = tree, attributes
        self.lines: list[int] = []
        self.class_attributes: dict[str, bool] = {}

    def is_store(self, node: ast.expr, local: set[str]) -> bool:
        if isinstance(node, ast.Call):
            return _called_name(node.func) in CATALOG_STORES
        if isinstance(node, ast.Name):
            return node.id in local
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id == "self":
                return self.class_attributes.get(node.attr, node.attr in self.attributes)
            return node.attr in self.attributes
        return False

    def stores_in(self, body: ast.AST, local: set[str]) -> set[str]:
        """`local` and the names `body` annotates as a store or binds to one (not the names
        of the functions and classes it defines, which have their own)."""
        found = set(local)
        for _ in range(2):  # a name bound from another such name
            for node in _own_nodes(body):
                if isinstance(node, ast.arg) and _names_a_store(node.annotation):
                    found.add(node.arg)
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    if _names_a_store(node.annotation):
                        found.add(node.target.id)
                elif isinstance(node, ast.Assign) and self.is_store(node.value, found):
                    found |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        return found

    def scan(self) -> list[int]:
        local = self.stores_in(self.tree, set())
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ClassDef):
                self.class_attributes = self.own_attributes(node, local)
                self._calls(node, local)
        self.class_attributes = {}
        self._calls(self.tree, local, skip_classes=True)
        return sorted(set(self.lines))

    def own_attributes(self, cls: ast.ClassDef, local: set[str]) -> dict[str, bool]:
        """Whether each attribute a class declares or sets on `self` holds a catalog store."""
        own: dict[str, bool] = {}
        self.class_attributes = own
        for item in cls.body:
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                own[item.target.id] = _names_a_store(item.annotation)
        for method in (m for m in cls.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))):
            names = self.stores_in(method, local)
            for node in ast.walk(method):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Attribute) and ast.unparse(target.value) == "self":
                            own[target.attr] = own.get(target.attr, False) or self.is_store(node.value, names)
        return own

    def _calls(self, root: ast.AST, local: set[str], *, skip_classes: bool = False) -> None:
        functions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
        todo: list[tuple[ast.AST, set[str]]] = [(root, local)]
        while todo:
            node, names = todo.pop()
            for child in ast.iter_child_nodes(node):
                if skip_classes and isinstance(child, ast.ClassDef):
                    continue
                if isinstance(child, functions):
                    todo.append((child, self.stores_in(child, names)))
                    continue
                if isinstance(child, ast.Call):
                    func = child.func
                    if _called_name(func) in WRITING_FUNCTIONS or (
                        isinstance(func, ast.Attribute)
                        and func.attr in CATALOG_WRITES
                        and self.is_store(func.value, names)
                    ):
                        self.lines.append(child.lineno)
                todo.append((child, names))


def _own_nodes(root: ast.AST) -> list[ast.AST]:
    """`root` and what it holds, without the bodies of the functions and classes it defines."""
    scoped = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
    found, todo = [root], list(ast.iter_child_nodes(root))
    while todo:
        node = todo.pop()
        found.append(node)
        if not isinstance(node, scoped):
            todo += ast.iter_child_nodes(node)
    return found


def store_attributes(paths: list[Path]) -> set[str]:
    """The attribute names that hold a catalog store in some class (`Stores.actions`,
    `AgentDependencies.store`, `CatalogEditor.drafts`, `DraftStore.actions`, ...)."""
    found: set[str] = set()
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scan = _StoreWrites(tree, set())
        local = scan.stores_in(tree, set())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                found |= {name for name, holds in scan.own_attributes(node, local).items() if holds}
    return found


def store_writes(source: str, attributes: set[str]) -> list[int]:
    return _StoreWrites(ast.parse(source), attributes).scan()


_WRITES_AND_NOT = """
from storage import ActionStore, AuthStore, import_actions
from storage.transfer import store_bundle

class Holder:
    actions: ActionStore

    def __init__(self, vectors: VectorStore, drafts: DraftStore):
        self.store = vectors
        self.drafts = drafts

    def go(self, x):
        self.store.save("model", x)  # vectors, not the catalog
        self.drafts.publish(x)  # write
        self.actions.delete(x, expected_version=1)  # write

def f(stores, rt, engine, deps, d, items: list):
    stores.actions.create(d)  # write
    rt.editor.drafts.save(d)  # write
    AuthStore(engine).save(d)  # write
    store = ActionStore(engine)
    store.upsert_many([d])  # write
    import_actions(store, d)  # write
    store_bundle(store, [], [])  # write
    deps.store.rollback("a", 1, expected_version=2)  # write
    rt.stores.auth.save(d, expected_version=3)  # write
    lambda: stores.actions.set_enabled("a", True, expected_version=1)  # write
    rt.editor.publish(d, None)
    d.update(x=1)
    items.discard(d)
    stores.secrets.set("A", "b")
    stores.actions.list()
    rt.drafts.overlay()
"""


def test_the_store_write_scan_finds_writes_and_only_writes():
    """The scan below, on a module written for it: every line marked `# write` is found (the
    stores reached through an attribute, a name, a constructor, a lambda) and nothing else (the
    editing service, a dict, a set, the secrets, a read, a `self.store` that holds vectors)."""
    attributes = store_attributes(modules("agent", "storage", "ui", "benchmarks"))
    assert {"actions", "drafts", "auth", "store"} <= attributes
    marked = [n for n, line in enumerate(_WRITES_AND_NOT.splitlines(), 1) if line.endswith("# write")]
    assert len(marked) == 11
    assert store_writes(_WRITES_AND_NOT, attributes) == marked


def test_catalog_writes_go_through_the_editing_service():
    """Saving, publishing, rolling back, deleting and importing actions, and saving shared auth
    settings, have one home: `agent.editing.CatalogEditor`. The app, the CLI verbs (`chat
    --actions`, `demo`'s seeding, `import`), the servers and the benchmarks call it; only it and
    `storage` itself write to the catalog's stores (the tests may, to set a scene)."""
    attributes = store_attributes(modules("agent", "storage", "ui", "benchmarks"))
    elsewhere = {
        rel(p): store_writes(p.read_text(encoding="utf-8"), attributes)
        for p in modules(*PRODUCT)
        if not rel(p).startswith((EDITING_HOME, "storage/"))
    }
    assert {k: v for k, v in elsewhere.items() if v} == {}
    assert store_writes((ROOT / EDITING_HOME / "service.py").read_text(encoding="utf-8"), attributes)
