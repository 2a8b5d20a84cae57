"""Read an untrusted JSON or YAML document within fixed bounds, or refuse it with a clear error.

A document comes from a file, a paste or a URL, so its size and shape are an attacker's choice.
Parsing alone is not the danger: YAML anchors and aliases (`&a` / `*a`) and merge keys (`<<: *a`)
let a few hundred bytes describe a tree of billions of values. PyYAML shares an aliased node
instead of copying it, so `yaml.safe_load` returns quickly; the memory goes when anything walks
or prints the tree. So the size that counts is the *expanded* size, measured on the composed
node graph before anything is built from it (each node's size is kept, so an alias costs its
full size without being walked again), and the document is refused when it passes a bound:

- the text: at most `MAX_DOCUMENT_BYTES` (checked before parsing);
- nesting: at most `MAX_NESTING` levels, counted through aliases too (deeper JSON would end in a
  `RecursionError`, deeper YAML in the composer's own recursion);
- values: at most `MAX_VALUES` scalars, lists and mappings once every alias is expanded;
- text inside: at most `MAX_EXPANDED_CHARS` characters of scalars once every alias is expanded;
- numbers: at most `MAX_NUMBER_CHARS` characters (Python refuses to read integers past 4300
  digits with a `ValueError`, and YAML's base-60 integers cost quadratic time long before);
- a recursive alias (a collection that contains itself) is refused: nothing may walk it.

Invalid UTF-8 is refused by `decode_document` instead of being replaced silently.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tools.errors import ActionsError

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MAX_EXPANDED_CHARS",
    "MAX_NESTING",
    "MAX_NUMBER_CHARS",
    "MAX_VALUES",
    "DocumentError",
    "decode_document",
    "parse_document",
    "parse_json",
]

MAX_DOCUMENT_BYTES = 5_000_000
"""The largest document read, fetched or pasted (the fetch cap is the same)."""
MAX_NESTING = 100
"""Deepest nesting of lists and mappings; real OpenAPI documents stay well under 30."""
MAX_VALUES = 1_000_000
"""Values once aliases are expanded; a 5 MB JSON document of real content has far fewer."""
MAX_EXPANDED_CHARS = 4 * MAX_DOCUMENT_BYTES
"""Characters of scalars once aliases are expanded: what printing the tree would cost."""
MAX_NUMBER_CHARS = 100
"""Longest number literal; a 64-bit integer has 20 characters."""

_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})


class DocumentError(ActionsError):
    """The text is not a document this importer can read (or not OpenAPI, or too large)."""


class _Refused(Exception):
    """Raised inside a parser hook; `parse_document` turns it into a `DocumentError`."""


def decode_document(data: bytes, *, source: str = "the document") -> str:
    """The text of `data` (UTF-8, a byte-order mark allowed), refused when too large or not UTF-8."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"{source} is larger than {MAX_DOCUMENT_BYTES:,} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{source} is not UTF-8 text (invalid byte at offset {exc.start})") from None


def parse_document(text: str, *, source: str = "the document") -> Any:
    """Parse JSON, else YAML, within the bounds of this module; `DocumentError` past any of them."""
    if len(text) > MAX_DOCUMENT_BYTES or _utf8_length(text, source) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"{source} is larger than {MAX_DOCUMENT_BYTES:,} bytes")
    try:
        return parse_json(text, source=source)
    except json.JSONDecodeError:
        pass
    try:
        return _load_yaml(text, source)
    except _Refused as exc:
        raise DocumentError(f"{source} {exc}") from None


def parse_json(text: str, *, source: str = "the document") -> Any:
    """Parse JSON within the bounds of this module: `json.JSONDecodeError` when it is not JSON,
    `DocumentError` past a bound (nesting, values, text, number length)."""
    try:
        try:
            doc = json.loads(text, parse_int=_json_int, parse_float=_json_float)
        except RecursionError:
            raise _Refused(f"is nested more than {MAX_NESTING} levels deep") from None
        _measure_json(doc)
        return doc
    except _Refused as exc:
        raise DocumentError(f"{source} {exc}") from None


def _utf8_length(text: str, source: str) -> int:
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate: text that came from no valid UTF-8
        raise DocumentError(f"{source} is not valid Unicode text") from None


# -- JSON --------------------------------------------------------------------------------------


def _check_number(text: str) -> str:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"has a number of {len(text):,} characters (at most {MAX_NUMBER_CHARS})")
    return text


def _json_int(text: str) -> int:
    return int(_check_number(text))


def _json_float(text: str) -> float:
    return float(_check_number(text))


def _measure_json(doc: Any) -> None:
    """Depth, values and characters of a parsed JSON tree, without recursion."""
    values = chars = 0
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        values += 1
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
            chars += sum(len(k) for k in node)
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
        elif isinstance(node, str):
            chars += len(node)
        else:
            continue
        if isinstance(node, (dict, list)) and depth > MAX_NESTING:
            raise _Refused(f"is nested more than {MAX_NESTING} levels deep")
        _check_totals(values, chars, "(too large to import)")


def _check_totals(values: int, chars: int, why: str) -> None:
    if values > MAX_VALUES:
        raise _Refused(f"has more than {MAX_VALUES:,} values {why}")
    if chars > MAX_EXPANDED_CHARS:
        raise _Refused(f"has more than {MAX_EXPANDED_CHARS:,} characters of text {why}")


# -- YAML --------------------------------------------------------------------------------------


try:
    from yaml._yaml import CParser as _Composer  # libyaml's C scanner, parser and composer
except ImportError:  # pragma: no cover - PyYAML built without libyaml

    class _Composer(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer):  # type: ignore[no-redef]
        def __init__(self, stream: str):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)


class _BoundedLoader(_Composer, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """A safe loader that measures the composed node graph and refuses it past the bounds before
    anything is constructed from it.

    libyaml's C code scans, parses and composes the text into nodes (in Python, composing was
    most of the time a large document took). Composing expands nothing: an alias is the very
    node its anchor names, so the graph is no larger than the text (`MAX_DOCUMENT_BYTES`), but
    an alias can make it a DAG that stands for far more, or a cycle. `measure` walks the graph
    once, iteratively, keeping each node's expanded size, so an alias costs its anchor's full
    size without being walked again; it refuses a cycle, nesting, values, text and numbers past
    the bounds. Merge keys (`<<`) are expanded only later, by the constructor, from exactly these
    nodes, so their cost is already counted.
    """

    def __init__(self, text: str):
        _Composer.__init__(self, text)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """`Resolver.resolve` for the default resolvers, shortened for the composer's every
        scalar (a plain scalar is matched only against the resolvers of its first character)."""
        if kind is ScalarNode and _ONLY_DEFAULT_RESOLVERS:
            if implicit[0]:
                for tag, regexp in _PLAIN_RESOLVERS.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return _STR_TAG
        return super().resolve(kind, value, implicit)


_PLAIN_RESOLVERS: dict[str, list[tuple[str, Any]]] = yaml.resolver.Resolver.yaml_implicit_resolvers
"""First character -> (tag, pattern) of the default implicit resolvers (none is a wildcard)."""
_STR_TAG = yaml.resolver.Resolver.DEFAULT_SCALAR_TAG
_ONLY_DEFAULT_RESOLVERS = None not in _PLAIN_RESOLVERS and not yaml.resolver.Resolver.yaml_path_resolvers
"""The shortcut holds only while nothing added a wildcard or a path resolver to `Resolver`."""


def measure(root: Node) -> None:
    """Refuse a node graph (`_Refused`) that is recursive or, once its aliases are expanded,
    past the bounds. Iterative: a document's depth cannot exhaust the interpreter's stack.

    A size is `(values, characters, height)`; a scalar's is taken as soon as it is seen (most
    nodes are scalars), a collection's once all its children's are known."""
    sizes: dict[int, tuple[int, int, int]] = {}
    open_: set[int] = set()  # started, not finished: the ancestors of the node being expanded
    stack: list[tuple[Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, finished = stack.pop()
        key = id(node)
        if finished:
            open_.discard(key)
            sizes[key] = _collection_size(node, sizes)
            continue
        if key in sizes:
            continue  # an alias of a node measured already
        if isinstance(node, ScalarNode):
            sizes[key] = _scalar_size(node)
            continue
        if depth > MAX_NESTING:
            raise _Refused(f"is nested more than {MAX_NESTING} levels deep {_at(node.start_mark)}")
        open_.add(key)
        stack.append((node, depth, True))
        for child in _children(node):
            child_key = id(child)
            if child_key in sizes:
                continue
            if child_key in open_:
                raise _Refused(
                    f"has an alias inside its own anchor (a recursive document) {_at(child.start_mark)}"
                )
            if isinstance(child, ScalarNode):
                sizes[child_key] = _scalar_size(child)
            else:
                stack.append((child, depth + 1, False))


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return node.value
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _scalar_size(node: ScalarNode) -> tuple[int, int, int]:
    if node.tag in _NUMBER_TAGS:
        try:
            _check_number(node.value)
        except _Refused as exc:
            raise _Refused(f"{exc} {_at(node.start_mark)}") from None
    return 1, len(node.value), 0


def _collection_size(node: Node, sizes: dict[int, tuple[int, int, int]]) -> tuple[int, int, int]:
    """A list's or a mapping's expanded size from its children's (every one measured already)."""
    values = chars = height = 0
    for child in _children(node):
        child_values, child_chars, child_height = sizes[id(child)]
        values += child_values
        chars += child_chars
        if child_height > height:
            height = child_height
    values, height = values + 1, height + 1
    if height > MAX_NESTING:
        raise _Refused(
            f"is nested more than {MAX_NESTING} levels deep once YAML aliases "
            f"are expanded {_at(node.start_mark)}"
        )
    if values > MAX_VALUES or chars > MAX_EXPANDED_CHARS:
        _check_totals(
            values,
            chars,
            f"once its aliases are expanded (an alias bomb, or too large to import) {_at(node.start_mark)}",
        )
    return values, chars, height


def _at(mark: Any) -> str:
    return f"(line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""


def _load_yaml(text: str, source: str) -> Any:
    loader = _BoundedLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None  # an empty document
        measure(root)
        return loader.construct_document(root)
    except yaml.YAMLError as exc:
        if "maximum nesting depth" in str(exc):  # libyaml's own limit (1,000), past ours
            raise DocumentError(f"{source} is nested more than {MAX_NESTING} levels deep") from None
        raise DocumentError(f"{source} is neither JSON nor YAML: {exc}") from None
    except ValueError as exc:  # a value the constructor cannot make, e.g. the date 2024-13-45
        raise DocumentError(f"{source} has a value YAML cannot read: {exc}") from None
    except RecursionError:  # a safety net under MAX_NESTING, should the call start deep
        raise DocumentError(f"{source} is nested more than {MAX_NESTING} levels deep") from None
    finally:
        loader.dispose()
