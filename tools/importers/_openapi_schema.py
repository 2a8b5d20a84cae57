"""`$ref` resolution and schema helpers for the OpenAPI importer (private).

Only references inside the document are followed; a chain of references that comes back to
itself, or is longer than `MAX_REF_CHAIN`, is reported as an `Unmappable` reason, never followed
forever. Schema walks are bounded by depth, so a recursive schema (a property that refers to its
own object) is safe too.

`$ref` is JSON's alias: a few kilobytes of schemas that each merge twenty references to the
next (`allOf`) describe more merges than any machine can do. So every look-up spends one step of
a budget shared by the whole import (`MAX_REF_STEPS`, far above what real documents need), and
the import stops with a `DocumentError` when it is spent.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..patterns import PatternError, bounded
from .document import DocumentError

SCALAR_TYPES = frozenset({"string", "integer", "number", "boolean"})
URLISH_FORMATS = frozenset({"uri", "url", "uri-reference", "iri"})


MAX_REF_CHAIN = 32
"""Longest chain of `$ref`s to `$ref`s followed; real documents use one or two."""
MAX_REF_STEPS = 1_000_000
"""Look-ups one import may do; the real documents in the tests need a few thousand."""


class Unmappable(Exception):
    """This operation cannot become a clean draft; the message says why."""


class Refs:
    def __init__(self, doc: dict[str, Any], *, max_steps: int = MAX_REF_STEPS):
        self.doc = doc
        self.steps = 0
        self.max_steps = max_steps

    def spend(self, steps: int = 1) -> None:
        """Count work done for the document; `DocumentError` once the budget is spent."""
        self.steps += steps
        if self.steps > self.max_steps:
            raise DocumentError(
                f"the document needs more than {self.max_steps:,} $ref look-ups "
                "to import: its references fan out too much (a reference "
                "bomb, or too large to import)"
            )

    def resolve(self, node: Any) -> Any:
        """Follow `$ref` (a chain of them too) to the node it names."""
        self.spend()
        seen: dict[str, None] = {}
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise Unmappable(f"circular $ref {' -> '.join([*seen, ref])}")
            if len(seen) >= MAX_REF_CHAIN:
                raise Unmappable(
                    f"$ref {next(iter(seen))!r} starts a chain of more than {MAX_REF_CHAIN} references"
                )
            seen[ref] = None
            self.spend()
            node = self._lookup(ref)
        return node

    def _lookup(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise Unmappable(
                f"uses the external $ref {ref!r} (only references inside the document are followed)"
            )
        node: Any = self.doc
        for part in [p for p in ref[1:].split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise Unmappable(f"$ref {ref!r} points at nothing in the document")
        return node

    def schema(self, node: Any, depth: int = 0) -> dict[str, Any]:
        """A schema with refs followed, `allOf` merged and a nullable wrapper removed."""
        node = self.resolve(node)
        if not isinstance(node, dict) or depth > 8:
            return {}
        if "allOf" in node:
            merged: dict[str, Any] = {k: v for k, v in node.items() if k != "allOf"}
            props = dict(merged.get("properties") or {})
            required = list(merged.get("required") or [])
            for part in node["allOf"] or []:
                sub = self.schema(part, depth + 1)
                props.update(sub.get("properties") or {})
                required += sub.get("required") or []
                for key, value in sub.items():
                    merged.setdefault(key, value)
            if props:
                merged["properties"], merged["required"] = props, required
            return merged
        for key in ("anyOf", "oneOf"):
            branches = [self.schema(b, depth + 1) for b in node.get(key) or []]
            branches = [b for b in branches if b.get("type") != "null"]
            if len(branches) == 1:
                return {**{k: v for k, v in node.items() if k != key}, **branches[0]}
            if branches and all(schema_type(b) in SCALAR_TYPES for b in branches):
                return {k: v for k, v in node.items() if k != key} | {"type": "string"}
        return node


UNRESOLVABLE = "x-unresolvable"
"""Key of the stand-in for a schema whose `$ref` could not be followed; its value says why."""


def schema_type(schema: dict[str, Any]) -> str | None:
    """The schema's JSON type (the one that is not null, in OpenAPI 3.1's list form), read from
    `enum`, `properties` or `items` when it names none; None when nothing says (or `type` is not
    a type name)."""
    kind = schema.get("type")
    if isinstance(kind, list):  # OpenAPI 3.1: ["string", "null"]
        kind = next((k for k in kind if k != "null"), "null" if "null" in kind else None)
    if not isinstance(kind, str) or not kind:
        kind = None
        if "enum" in schema:
            return "string"
        if "properties" in schema:
            return "object"
        if "items" in schema:
            return "array"
    return kind


def is_json(media_type: str) -> bool:
    base = media_type.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json") or base == "*/*"


def kind_of(schema: dict[str, Any]) -> str:
    """What a schema describes, as a noun phrase for "it is ...": true for every schema (one
    with no type, an object without properties, a choice, a reference that cannot be followed)."""
    if UNRESOLVABLE in schema:
        return f"a schema that cannot be read ({schema[UNRESOLVABLE]})"
    kind = schema_type(schema)
    if kind == "object":
        return "an object" if schema.get("properties") else "an object with no properties"
    if kind == "null":
        return "always null"
    if kind is not None:
        return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"
    if "type" in schema and schema["type"] not in (None, []):
        return f"a schema whose type {json.dumps(schema['type'], default=str)[:60]} is not a JSON type"
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            return f"one of several schemas ({key})"
    return "a schema with no type"


def is_urlish(name: str, schema: dict[str, Any]) -> bool:
    lowered = name.lower()
    return str(schema.get("format") or "").lower() in URLISH_FORMATS or lowered.endswith(
        ("url", "link", "href")
    )


def jmespath_field(prop: str) -> str:
    return prop if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", prop) else json.dumps(prop)


def example_fits(value: Any, spec: dict[str, Any]) -> bool:
    if value is None or isinstance(value, (dict, list)) or value == "":
        return False
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if spec.get("enum_values") and text not in spec["enum_values"]:
        return False
    pattern = spec.get("pattern")
    try:
        return not pattern or bounded(pattern).fullmatch(text)  # the document's pattern: time-bounded
    except PatternError:
        return False
