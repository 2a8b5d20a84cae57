"""Every reason an import gives (a skipped operation's, a reviewer's note) says something true
about the document: a schema with no type, an object with no properties, a choice of schemas, a
reference that cannot be followed, a parameter or a security scheme that leaves out what it is -
never "of type None"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tools.importers import ImportResult, import_curl, import_openapi, load_document

DATA = Path(__file__).parent / "data"
DOCUMENTS = sorted(
    p
    for folder in ("openapi", "import_sets")
    for p in (DATA / folder).iterdir()
    if p.suffix in (".yaml", ".yml", ".json") and p.name not in ("openapi_expected.json", "curl_docs.json")
)
UNTRUE = re.compile(r"\bNone\b|of type|\bnull parameter|\(\s*\)")


def _body(schema: dict, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _post(op_id: str, **op) -> dict:
    return {"post": {"operationId": op_id, "responses": {"200": {"description": "ok"}}, **op}}


ODD = {
    "openapi": "3.0.3",
    "info": {"title": "odd", "version": "1"},
    "servers": [{"url": "https://api.example.com"}],
    "components": {
        "securitySchemes": {"untyped": {"description": "no type"}, "nulltyped": {"type": None}},
    },
    "paths": {
        "/a": _post(
            "untypedField", requestBody=_body({"type": "object", "properties": {"x": {}}, "required": ["x"]})
        ),
        "/b": _post("untypedBody", requestBody=_body({"description": "anything"})),
        "/c": _post("emptyObject", requestBody=_body({"type": "object"})),
        "/d": _post(
            "choiceField",
            requestBody=_body(
                {
                    "type": "object",
                    "properties": {"v": {"oneOf": [{"type": "object"}, {"type": "array"}]}},
                    "required": ["v"],
                }
            ),
        ),
        "/e": _post(
            "brokenRef",
            requestBody=_body(
                {"type": "object", "properties": {"r": {"$ref": "#/nowhere"}}, "required": ["r"]}
            ),
        ),
        "/f": _post(
            "untypedParams",
            parameters=[
                {"name": "free", "in": "query", "schema": {}},
                {"name": "nowhere", "required": True, "schema": {"type": "string"}},
            ],
        ),
        "/g": _post(
            "nullOnly",
            requestBody=_body({"type": "object", "properties": {"n": {"type": ["null"]}}, "required": ["n"]}),
        ),
        "/h": _post(
            "oddType",
            requestBody=_body({"type": "object", "properties": {"t": {"type": 5}}, "required": ["t"]}),
        ),
        "/i": _post("untypedScheme", security=[{"untyped": []}]),
        "/j": _post("nullScheme", security=[{"nulltyped": []}]),
        "/k": _post(
            "optionalUntyped",
            parameters=[{"name": "q", "in": "query", "schema": {"type": "string"}}],
            requestBody=_body(
                {"type": "object", "properties": {"o": {}, "p": {"type": "string"}}}, required=False
            ),
        ),
    },
}


def _said(result: ImportResult) -> list[str]:
    return [s.reason for s in result.skipped] + result.notes


def test_reasons_say_what_a_schema_is_never_none():
    result = import_openapi(ODD)
    reasons = {s.operation: s.reason for s in result.skipped}
    assert reasons == {
        "untypedField": "required body field 'x' is a schema with no type, which cannot be collected as one input",
        "untypedBody": "the request body is a schema with no type: it has no properties to map to inputs",
        "emptyObject": "the request body is an object with no properties: it has no properties to map to inputs",
        "choiceField": "required body field 'v' is one of several schemas (oneOf), which cannot be collected as one input",
        "brokenRef": "required body field 'r' is a schema that cannot be read ($ref '#/nowhere' points at "
        "nothing in the document), which cannot be collected as one input",
        "untypedParams": "required parameter 'nowhere' says not where it goes (it has no 'in')",
        "nullOnly": "required body field 'n' is always null, which cannot be collected as one input",
        "oddType": "required body field 't' is a schema whose type 5 is not a JSON type, which cannot be "
        "collected as one input",
        "untypedScheme": "security scheme 'untyped' has no type",
        "nullScheme": "security scheme 'nulltyped' has no type",
    }
    assert "optional body field 'o' (a schema with no type) left out" in [
        n.partition(": ")[2] for n in result.notes
    ]
    for said in _said(result):
        assert not UNTRUE.search(said), said


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_no_reason_in_the_real_documents_renders_none(path):
    doc = load_document(path.read_text(encoding="utf-8"), source=path.name)
    result = import_openapi(doc, base_url="https://api.example.com")
    for said in _said(result):
        assert not UNTRUE.search(said), said


def test_a_curl_body_list_is_described_as_what_it_holds():
    body = '{"a": [null], "b": [{"x": 1}, {"y": 2}], "c": [[1], null, 2]}'
    result = import_curl(
        f"curl -X POST https://api.example.com/v1/things -H 'Content-Type: application/json' -d '{body}'"
    )
    assert [n.partition(": ")[2] for n in result.notes] == [
        "body field 'a' is a list of nulls: kept as in the command",
        "body field 'b' is a list of objects: kept as in the command",
        "body field 'c' is a list of lists, nulls and plain values: kept as in the command",
    ]
