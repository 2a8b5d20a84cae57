"""Read an untrusted JSON or YAML document within fixed bounds, or refuse it with a clear error.

A document comes from a file, a paste or a URL, so its size and shape are an attacker's choice.
Parsing alone is not the danger: YAML anchors and aliases (`&a` / `*a`) and merge keys (`<<: *a`)
let a few hundred bytes describe a tree of billions of values. PyYAML shares an aliased node
instead of copying it, so `yaml.safe_load` returns quickly; the memory goes when anything walks
or prints the tree. So the size that counts is the *expanded* size, measured while the YAML is
composed (each node's size is kept, so an alias costs its full size without being walked
again), and the document is refused the moment it passes a bound:

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


class _Size:
    __slots__ = ("chars", "height", "values")

    def __init__(self, values: int, chars: int, height: int):
        self.values, self.chars, self.height = values, chars, height


try:
    from yaml._yaml import CParser as _Events  # libyaml's C scanner and parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml

    class _Events(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


class _BoundedLoader(
    yaml.composer.Composer, _Events, yaml.constructor.SafeConstructor, yaml.resolver.Resolver
):
    """A safe loader that measures every composed node's expanded size and refuses past the bounds.

    The text is scanned and parsed into events by libyaml's C parser (the pure-Python scanner
    and parser are what made a large document slow); the nodes are composed here, in Python,
    from those events, so every node is measured as it is built, exactly as before.

    The composer builds each node after its children, so a node's size is the sum of its
    children's sizes, each already known; an alias adds the size kept for its anchor's node.
    Merge keys (`<<`) are expanded only later, by the constructor, from exactly these nodes, so
    their cost is already counted.
    """

    def __init__(self, text: str):
        _Events.__init__(self, text)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self._sizes: dict[int, _Size] = {}
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(yaml.AliasEvent):
            mark = getattr(self.peek_event(), "start_mark", None)
            node = self._compose(parent, index)
            if id(node) not in self._sizes:
                raise _Refused(f"has an alias inside its own anchor (a recursive document) {_at(mark)}")
            return node
        if self.check_event(yaml.ScalarEvent):
            node = self._compose(parent, index)
        else:  # a list or a mapping: one level deeper, refused before the recursion is too deep
            self._depth += 1
            if self._depth > MAX_NESTING:
                raise _Refused(
                    f"is nested more than {MAX_NESTING} levels deep {_at(getattr(self.peek_event(), 'start_mark', None))}"
                )
            try:
                node = self._compose(parent, index)
            finally:
                self._depth -= 1
        self._sizes[id(node)] = self._size(node)
        return node

    def _compose(self, parent: Node | None, index: Any) -> Node:
        # PyYAML's composer always returns a node (or raises); its stubs say `Node | None`.
        node = super().compose_node(parent, index)
        if node is None:
            raise TypeError("the YAML composer returned no node")
        return node

    def _size(self, node: Node) -> _Size:
        if isinstance(node, ScalarNode):
            if node.tag in _NUMBER_TAGS:
                try:
                    _check_number(node.value)
                except _Refused as exc:
                    raise _Refused(f"{exc} {_at(node.start_mark)}") from None
            return _Size(1, len(node.value), 0)
        children: list[Node] = []
        if isinstance(node, SequenceNode):
            children = node.value
        elif isinstance(node, MappingNode):
            children = [n for pair in node.value for n in pair]
        sizes = [self._sizes[id(c)] for c in children]
        size = _Size(
            1 + sum(s.values for s in sizes),
            sum(s.chars for s in sizes),
            1 + max((s.height for s in sizes), default=0),
        )
        if size.height > MAX_NESTING:
            raise _Refused(
                f"is nested more than {MAX_NESTING} levels deep once YAML aliases "
                f"are expanded {_at(node.start_mark)}"
            )
        if size.values > MAX_VALUES or size.chars > MAX_EXPANDED_CHARS:
            _check_totals(
                size.values,
                size.chars,
                "once its aliases are expanded (an alias "
                f"bomb, or too large to import) {_at(node.start_mark)}",
            )
        return size


def _at(mark: Any) -> str:
    return f"(line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""


def _load_yaml(text: str, source: str) -> Any:
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
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
