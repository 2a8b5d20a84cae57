"""The OpenAPI importer on two more real documents (Apache Airflow's stable REST API and the
JupyterHub REST API, tests/data/openapi/SOURCES.md): the problems real documents showed, each
checked on the document that showed it, and the importer fed malformed variants of every real
document (a `DocumentError` that says what is wrong, never a crash)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools.action import ActionDefinition
from tools.importers import DocumentError, import_openapi, list_operations, load_document
from tools.importers.openapi import server_problem
from tools.request_builder import StaticSecrets, build_request
from tools.validation import validate_action

DATA = Path(__file__).parent / "data" / "openapi"
AIRFLOW = "https://airflow.example.com/api/v1"
HUB = "https://hub.example.com/hub/api"
SECRETS = StaticSecrets({"JUPYTER_HUB_REST_API_TOKEN": "hub-token-for-tests"})
ALL_DOCUMENTS = sorted(p.name for p in DATA.iterdir() if p.suffix in (".json", ".yaml", ".yml"))


METHOD_WORDS = {"get", "submit", "update", "delete"}
"""What the draft puts before a summary that does not start with a verb."""
SUMMARY_VERBS = {"trigger", "test", "clear", "create", "get", "list", "run", "set", "post", "delete"}
"""Verbs real summaries start with (Airflow: "Trigger a new DAG run", "Test a connection")."""


def load(name: str) -> dict[str, Any]:
    return load_document((DATA / name).read_text(encoding="utf-8"), source=name)


def by_name(drafts: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["name"]: d for d in drafts}


def test_a_relative_server_url_is_said_once_not_per_operation():
    doc = load("airflow_v1.yaml")
    problem = server_problem(doc)
    assert problem and "'/api/v1' is relative" in problem and "--base-url" in problem
    with pytest.raises(DocumentError) as raised:
        import_openapi(doc)
    assert str(raised.value).count("relative") == 1
    operations = list_operations(doc)
    assert len(operations) == 89
    assert not any("relative" in (op.reason or "") for op in operations)
    # with the base URL every operation maps, at that base
    result = import_openapi(doc, base_url=AIRFLOW)
    assert len(result.drafts) == 89 and result.skipped == []
    assert all(d["url"].startswith(AIRFLOW + "/") for d in result.drafts)


def test_operations_of_optional_filters_keep_the_most_useful_within_the_cap():
    result = import_openapi(load("airflow_v1.yaml"), base_url=AIRFLOW, operations=["get_task_instances"])
    (draft,) = result.drafts
    names = [i["name"] for i in draft["inputs"]]
    assert len(names) == 12
    required = [i["name"] for i in draft["inputs"] if i["required"]]
    assert required == ["dag_id", "dag_run_id"]
    # paging left out before any filter; the URL holds only the kept ones
    assert "limit" not in names and "offset" not in names
    state = next(i for i in draft["inputs"] if i["name"] == "state")  # an array of states: a list input
    assert state["type"] == "string[]" and "state={{state}}" in draft["url"]
    assert "?limit=" not in draft["url"] and "&offset=" not in draft["url"]
    assert "execution_date_gte" in names
    (note,) = [n for n in result.notes if "most useful" in n]
    assert "limit, offset (add one back" in note and "12 an action collects" in note
    validate_action(draft)


def test_required_inputs_over_the_cap_are_still_refused():
    result = import_openapi(
        load("airflow_v1.yaml"), base_url=AIRFLOW, operations=["get_task_instances"], max_inputs=1
    )
    assert result.drafts == []
    assert "needs 2 required inputs, more than 1" in result.skipped[0].reason


def test_triggers_read_as_what_the_user_wants():
    drafts = by_name(import_openapi(load("airflow_v1.yaml"), base_url=AIRFLOW).drafts)
    assert drafts["post_dag_run"]["trigger"].startswith(
        "Use when the user wants to trigger a new DAG run and has provided the dag id."
    )
    assert drafts["clear_dag_run"]["trigger"].startswith("Use when the user wants to clear a DAG run")
    assert drafts["test_connection"]["trigger"].startswith("Use when the user wants to test a connection.")
    stacked = []  # a method's verb before the summary's own verb: "submit trigger ..."
    for name in ALL_DOCUMENTS:
        for draft in import_openapi(load(name), base_url="https://api.example.com").drafts:
            first, second = draft["trigger"].removeprefix("Use when the user wants to ").split()[:2]
            if first in METHOD_WORDS and second.lower() in SUMMARY_VERBS:
                stacked.append(draft["trigger"])
    assert stacked == []


def test_names_are_cut_after_a_whole_word():
    doc = load("airflow_v1.yaml")
    for draft in import_openapi(doc, base_url=AIRFLOW).drafts:
        assert len(draft["name"]) <= 64
    long_id = "get_the_latest_state_of_every_task_instance_of_a_dag_run_in_the_given_pool_and_queue"
    doc = copy.deepcopy(doc)
    doc["paths"]["/dags/{dag_id}/dagRuns"]["get"]["operationId"] = long_id
    (draft,) = import_openapi(doc, base_url=AIRFLOW, operations=[long_id]).drafts
    assert len(draft["name"]) <= 64 and long_id.startswith(draft["name"])
    assert long_id[len(draft["name"])] == "_"  # the next character starts a new word


async def test_delete_with_a_body_maps_and_sends_its_body():
    result = import_openapi(load("jupyterhub_rest_api.yml"), base_url=HUB)
    drafts = by_name(result.drafts)
    server = drafts["delete_user_server_name"]
    assert json.loads(server["body"]) == {"remove": "{{remove}}"}
    request = await build_request(
        validate_action(server), {"name": "ann", "server_name": "lab", "remove": True}, SECRETS
    )
    assert request.body is not None
    assert request.method == "DELETE" and json.loads(request.body) == {"remove": True}
    assert request.url == f"{HUB}/users/ann/servers/lab"


def _with_query_key(doc: dict[str, Any], scheme_name: str | None) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    params = doc["paths"]["/users"]["get"].setdefault("parameters", [])
    params.append({"name": "key", "in": "query", "schema": {"type": "string"}, "description": "user key"})
    if scheme_name:
        doc["components"]["securitySchemes"][scheme_name] = {"type": "apiKey", "in": "query", "name": "key"}
    return doc


def test_a_query_parameter_named_key_is_an_item_key_unless_a_scheme_says_so():
    doc = _with_query_key(load("jupyterhub_rest_api.yml"), None)
    (draft,) = import_openapi(doc, base_url=HUB, operations=["get-users"]).drafts
    assert "key={{key}}" in draft["url"]
    assert "key" in {i.name for i in validate_action(draft).inputs}
    keyed = _with_query_key(load("jupyterhub_rest_api.yml"), "query_key")
    result = import_openapi(keyed, base_url=HUB, operations=["get-users"])
    (draft,) = result.drafts  # `key` is the scheme's: never an input, never in the URL
    assert "key=" not in draft["url"]
    assert "key" not in {i["name"] for i in draft["inputs"]}


async def test_a_nested_object_with_no_field_given_is_not_sent():
    doc = copy.deepcopy(load("jupyterhub_rest_api.yml"))
    schema = doc["paths"]["/users/{name}/tokens"]["post"]["requestBody"]["content"]["application/json"]
    schema["schema"]["properties"]["ttl"] = {
        "type": "object",
        "properties": {"seconds": {"type": "integer"}, "renewable": {"type": "boolean"}},
    }
    (draft,) = import_openapi(doc, base_url=HUB, operations=["post-user-tokens"]).drafts
    assert json.loads(draft["body"])["ttl"] == {
        "seconds": "{{ttl_seconds}}",
        "renewable": "{{ttl_renewable}}",
    }
    action = ActionDefinition.model_validate(validate_action(draft).to_json_dict())
    none = await build_request(action, {"name": "ann", "note": "ci"}, SECRETS)
    assert none.body is not None
    assert json.loads(none.body) == {"note": "ci"}  # no `"ttl": {}`
    some = await build_request(action, {"name": "ann", "ttl_seconds": 60}, SECRETS)
    assert some.body is not None
    assert json.loads(some.body) == {"ttl": {"seconds": 60}}


# -- malformed documents: a DocumentError, never a crash ----------------------------------------
JUNK: list[Any] = [
    None,
    0,
    -1,
    2.5,
    True,
    "",
    "x",
    "#/components",
    [],
    {},
    [None],
    [1, "a"],
    {"$ref": "#/nope"},
    {"$ref": 5},
    {"type": 5},
    {"type": ["x", None]},
    {"properties": []},
    {"properties": {"a": None}},
    {"enum": 3},
    {"required": 7},
    {"items": 1},
    {"allOf": 4},
    {"oneOf": [1]},
    {"schema": []},
    {"content": []},
    {"variables": []},
    {"url": None},
    {"name": None, "in": 3},
]


def _paths(node: Any, at: tuple = ()) -> list[tuple]:
    """Every place in the document a value sits, found without recursion."""
    out, stack = [], [(at, node)]
    while stack:
        path, value = stack.pop()
        out.append(path)
        if isinstance(value, dict):
            stack += [((*path, k), v) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [((*path, i), v) for i, v in enumerate(value)]
    return out[1:]


LOADED = {name: load(name) for name in ALL_DOCUMENTS}
PLACES = {name: _paths(doc) for name, doc in LOADED.items()}


@st.composite
def malformed(draw: st.DrawFn) -> dict[str, Any]:
    """A real document with one to three values swapped for a value of the wrong shape."""
    name = draw(st.sampled_from(ALL_DOCUMENTS))
    doc = copy.deepcopy(LOADED[name])
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PLACES[name]))
        node = doc
        try:
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = copy.deepcopy(draw(st.sampled_from(JUNK)))
        except (KeyError, IndexError, TypeError):
            pass  # an earlier swap removed the place
    return doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(malformed())
def test_malformed_real_documents_give_a_document_error_never_a_crash(doc):
    for run in (
        lambda: list_operations(doc),
        lambda: import_openapi(doc),
        lambda: import_openapi(doc, base_url="https://api.example.com"),
    ):
        try:
            result = run()
        except DocumentError as exc:
            assert str(exc).strip()
            continue
        if hasattr(result, "drafts"):
            for draft in result.drafts:
                validate_action(draft)  # whatever maps is still a valid draft


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("paths", [], "'paths' must be an object"),
        ("components", "x", "'components' must be an object"),
        ("servers", {"url": "/"}, "'servers' must be a list"),
        ("info", 3, "'info' must be an object"),
    ],
)
def test_top_level_fields_of_the_wrong_shape_are_named(field, value, message):
    doc = {**load("airflow_v1.yaml"), field: value}
    with pytest.raises(DocumentError, match=message):
        import_openapi(doc, base_url=AIRFLOW)


def test_list_says_a_relative_server_once(capsys):
    from agent.cli.main import main

    assert main(["import-openapi", str(DATA / "airflow_v1.yaml"), "--list"]) == 0
    out, err = capsys.readouterr()
    assert err.count("'/api/v1' is relative") == 1
    assert "relative" not in out and out.count("\nok ") + out.startswith("ok ") == 89
