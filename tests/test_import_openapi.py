"""OpenAPI / Swagger import on real published documents (tests/data/openapi/SOURCES.md) and on
the demo API's own generated document, fetched over HTTP through the executor's guard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from agent.cli.main import main
from tests.support.servers import serve
from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
from tools.fetch_document import DocumentFetchError, fetch_document
from tools.importers import (
    DocumentError,
    ImportResult,
    import_openapi,
    list_operations,
    load_document,
)
from tools.importers.openapi import server_problem
from tools.placeholders import find_placeholders
from tools.validation import validate_action, validate_catalog

DATA = Path(__file__).parent / "data" / "openapi"
REAL_DOCUMENTS = {
    # file: (format, base URL to pass, or None when the document names its server)
    "swagger_petstore.json": ("swagger 2.0 JSON", None),
    "jupyter_server_api.yaml": ("swagger 2.0 YAML", "https://notebooks.example.com/user/ann"),
    "openapi_core_petstore.yaml": ("openapi 3.0 YAML", None),
    "mlserver_dataplane.json": ("openapi 3.0 JSON", "https://models.example.com"),
    "jupyterlab_server_rest_api.yml": ("openapi 3.0 YAML", "https://lab.example.com"),
    "airflow_v1.yaml": ("openapi 3.0 YAML", "https://airflow.example.com/api/v1"),
    "jupyterhub_rest_api.yml": ("openapi 3.1 YAML", "https://hub.example.com/hub/api"),
}


def load(name: str) -> dict:
    return load_document((DATA / name).read_text(encoding="utf-8"), source=name)


def by_name(result: ImportResult) -> dict[str, dict]:
    return {d["name"]: d for d in result.drafts}


def skipped(result: ImportResult) -> dict[str, str]:
    return {s.operation: s.reason for s in result.skipped}


def assert_valid_drafts(result: ImportResult) -> None:
    assert result.drafts
    validate_catalog(result.drafts)  # each one valid, names unique
    for draft in result.drafts:
        assert validate_action(draft).to_json_dict() == draft
        assert draft["enabled"] is False  # nothing goes live unreviewed
        assert len(draft["name"]) <= 64
        # credentials are secret references, never values
        for name, value in draft["headers"].items():
            if name.lower() in ("authorization", "cookie", "x-api-key", "api_key"):
                assert any(p.is_secret for p in find_placeholders(value)), (name, value)


# -- the real documents -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(REAL_DOCUMENTS))
def test_every_real_document_gives_valid_disabled_drafts(name):
    _, base_url = REAL_DOCUMENTS[name]
    doc = load(name)
    result = import_openapi(doc, base_url=base_url)
    assert_valid_drafts(result)
    operations = list_operations(doc, base_url=base_url)
    # every operation is either a draft or a skipped entry with a reason, never lost
    assert {op.name for op in operations if op.mappable} == set(by_name(result))
    assert {op.key for op in operations if not op.mappable} == set(skipped(result))
    assert all(op.reason for op in operations if not op.mappable)


def test_the_documents_cover_both_versions_and_both_formats():
    kinds = {kind for kind, _ in REAL_DOCUMENTS.values()}
    assert {k.split()[0] for k in kinds} == {"swagger", "openapi"}
    assert {k.split()[-1] for k in kinds} == {"JSON", "YAML"}
    assert load("openapi_core_petstore.yaml")["openapi"].startswith("3.")
    assert str(load("jupyter_server_api.yaml")["swagger"]) == "2.0"


def test_swagger2_petstore_maps_types_security_and_bodies():
    result = import_openapi(load("swagger_petstore.json"))
    drafts, why = by_name(result), skipped(result)

    pet = drafts["get_pet_by_id"]
    assert pet["url"] == "https://petstore.swagger.io/v2/pet/{{pet_id}}"  # https preferred
    assert pet["inputs"][0] | {} == {
        **pet["inputs"][0],
        "name": "pet_id",
        "type": "integer",
        "required": True,
        "description": "ID of pet to return",
    }
    # the API key header is a shared auth setting the draft names (the key itself a secret)
    assert pet["headers"] == {} and pet["auth"] == "swagger_petstore_api_key"
    key_setting = next(s for s in result.auth if s["name"] == "swagger_petstore_api_key")
    assert (key_setting["kind"], key_setting["header_name"], key_setting["key_secret"]) == (
        "api_key_header",
        "api_key",
        "SWAGGER_PETSTORE_API_KEY",
    )
    assert pet["trigger"].startswith("Use when the user wants to find pet by ID and has provided the pet id.")
    assert pet["response_selection"]["fields"] == {"id": "id", "name": "name", "status": "status"}
    assert pet["requires_confirmation"] is False

    order = drafts["place_order"]
    assert json.loads(order["body"]) == {
        "id": "{{id}}",
        "petId": "{{pet_id}}",
        "quantity": "{{quantity}}",
        "shipDate": "{{ship_date}}",
        "status": "{{status}}",
        "complete": "{{complete}}",
    }
    status = next(i for i in order["inputs"] if i["name"] == "status")
    assert status["type"] == "enum" and status["enum_values"] == ["placed", "approved", "delivered"]
    assert {i["name"]: i["type"] for i in order["inputs"]}["complete"] == "boolean"
    assert order["requires_confirmation"] is True

    # oauth2 (a user's flow) -> a shared bearer setting, the token from a secret
    assert drafts["delete_pet"]["headers"] == {} and drafts["delete_pet"]["auth"] == "swagger_petstore_bearer"
    assert any(
        "delete_pet: header parameter 'api_key' left out: a credential, and the security scheme" in n
        for n in result.notes
    )
    assert any("store an OAuth access token as secret SWAGGER_PETSTORE_TOKEN" in n for n in result.notes)

    assert "uploads a file (form field 'file')" in why["uploadFile"]
    # formData fields (consumes x-www-form-urlencoded) are a form body
    form = drafts["update_pet_with_form"]
    assert form["body_format"] == "form" and json.loads(form["body"]) == {
        "name": "{{name}}",
        "status": "{{status}}",
    }
    assert "JSON array" in why["createUsersWithListInput"]
    photo_urls = next(i for i in drafts["add_pet"]["inputs"] if i["name"] == "photo_urls")
    assert photo_urls["type"] == "string[]" and photo_urls["required"]  # an array of strings
    # an array query parameter (collectionFormat multi): a repeated string[] value
    by_status = drafts["find_pets_by_status"]
    assert by_status["url"].endswith("?status={{status}}")
    (status_list,) = by_status["inputs"]
    assert status_list["type"] == "string[]" and status_list["list_separator"] is None
    assert "any of: available, pending, sold" in status_list["description"]
    assert "credentials never go in URLs" in why["loginUser"]  # ?password=...


def test_openapi3_petstore_servers_refs_and_security():
    result = import_openapi(load("openapi_core_petstore.yaml"))
    drafts, why = by_name(result), skipped(result)

    # servers[0] with its variable's default; components/responses $ref resolved
    list_pets = drafts["list_pets"]
    assert list_pets["url"].startswith("http://petstore.swagger.io/v1/pets?page={{page}}&limit=")
    limit = next(i for i in list_pets["inputs"] if i["name"] == "limit")
    assert limit["required"] and limit["type"] == "integer"
    assert "how many items" in limit["description"].lower()
    # the API key goes in the query string: refused, and the anonymous alternative is used
    assert list_pets["headers"] == {}
    assert any("list_pets: calls without credentials" in n and "never go in URLs" in n for n in result.notes)
    assert any("optional query parameter 'tags' left out" in n for n in result.notes)
    # basic auth -> a shared setting with a user name and a password secret (the executor encodes)
    assert (
        drafts["show_pet_by_id"]["headers"] == {}
        and drafts["show_pet_by_id"]["auth"] == "swagger_petstore_basic"
    )
    (basic,) = result.auth
    assert (basic["kind"], basic["username_secret"], basic["password_secret"]) == (
        "basic",
        "SWAGGER_PETSTORE_USERNAME",
        "SWAGGER_PETSTORE_PASSWORD",
    )
    assert "'api-key' carries a credential" in why["createPets"]  # a required api-key header
    assert "image/* only" in why["createPetPhotoById"]
    assert json.loads(drafts["create_tag"]["body"]) == {"created": "{{created}}", "name": "{{name}}"}


def test_swagger2_without_operation_ids_or_host():
    doc = load("jupyter_server_api.yaml")
    # no host: said once (the listing and the import), not once per operation
    assert "no host" in (server_problem(doc) or "")
    assert all(op.reason is None or "no host" not in op.reason for op in list_operations(doc))
    with pytest.raises(DocumentError, match="no host; pass a base URL"):
        import_openapi(doc)
    result = import_openapi(doc, base_url="https://notebooks.example.com/user/ann")
    drafts = by_name(result)
    # names from method + path; path-level `$ref: #/parameters/...` resolved
    checkpoint = drafts["delete_api_contents_path_checkpoints_checkpoint_id"]
    assert checkpoint["url"] == (
        "https://notebooks.example.com/user/ann/api/contents/{{path}}/checkpoints/{{checkpoint_id}}"
    )
    assert [i["name"] for i in checkpoint["inputs"]] == ["path", "checkpoint_id"]
    contents = drafts["get_api_contents_path"]
    assert {i["name"]: i["type"] for i in contents["inputs"]}["type"] == "enum"
    # a body field that clashes with a path input is renamed, and the note says so
    assert "{{body_path}}" in drafts["patch_api_contents_path"]["body"]
    assert any("'path' is the input 'body_path'" in n for n in result.notes)


def test_openapi3_json_without_servers_and_pydantic_reserved_names():
    doc = load("mlserver_dataplane.json")
    reasons = [op.reason or "" for op in list_operations(doc)]
    assert not any("is relative" in r for r in reasons)
    assert "'/' is relative; pass a base URL" in (server_problem(doc) or "")
    result = import_openapi(doc, base_url="https://models.example.com/")
    drafts, why = by_name(result), skipped(result)
    ready = drafts["model_version_ready"]
    assert ready["url"] == (
        "https://models.example.com/v2/models/{{name_of_model}}/versions/{{version_of_model}}/ready"
    )
    assert any("'model_name' is the input 'name_of_model'" in n for n in result.notes)
    assert ready["trigger"].startswith(
        "Use when the user wants to get model ready and has provided the name of model and version of model."
    )
    assert "'inputs' is an array" in why["model-inference"]


def test_names_are_snake_cased_unique_and_short():
    result = import_openapi(load("jupyterlab_server_rest_api.yml"), base_url="https://lab.example.com")
    names = [d["name"] for d in result.drafts]
    assert len(set(n.lower() for n in names)) == len(names)
    assert max(map(len, names)) <= 64  # a very long path, cut after a whole word
    assert "get_lab_api_listings_40jupyterlab_extensionmanager_extension" in names
    assert "get_lab_api_settings_schema_name" in names
    licenses = by_name(result)["get_lab_api_licenses"]
    assert {i["name"]: i["type"] for i in licenses["inputs"]} == {
        "full_text": "boolean",
        "format": "enum",
        "bundles": "string",
        "download": "boolean",
    }


def test_picking_operations_by_id_name_or_method_and_path():
    doc = load("swagger_petstore.json")
    result = import_openapi(
        doc, operations=["getPetById", "place_order", "DELETE /user/{username}", "uploadFile"]
    )
    assert [d["name"] for d in result.drafts] == ["get_pet_by_id", "place_order", "delete_user"]
    assert list(skipped(result)) == ["uploadFile"]  # picked, but not mappable: said so
    with pytest.raises(DocumentError, match="no operation 'nope'"):
        import_openapi(doc, operations=["nope"])


def test_a_reference_cycle_is_reported_not_followed_forever():
    doc = load("property_recursive.yaml")  # SomeDataType.prop1 -> SomeDataType
    ref = {"$ref": "#/components/schemas/SomeDataType"}
    doc["servers"] = [{"url": "https://api.example.com"}]
    doc["paths"] = {
        "/things": {
            "post": {
                "operationId": "createThing",
                "requestBody": {"required": True, "content": {"application/json": {"schema": ref}}},
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": ref}}}},
            }
        },
        "/loop": {
            "get": {
                "operationId": "loop",
                "parameters": [{"$ref": "#/components/parameters/A"}],
                "responses": {"200": {"description": "ok"}},
            }
        },
    }
    doc["components"]["parameters"] = {
        "A": {"$ref": "#/components/parameters/B"},
        "B": {"$ref": "#/components/parameters/A"},
    }
    result = import_openapi(doc)
    thing = by_name(result)["create_thing"]
    # one level of the recursive object is flattened; deeper is left out with a note
    assert json.loads(thing["body"]) == {
        "id": "{{id}}",
        "prop1": {"id": "{{prop1_id}}", "prop2": "{{prop1_prop2}}"},
        "prop2": "{{prop2}}",
    }
    assert any("'prop1.prop1' (an object) left out" in n for n in result.notes)
    assert "circular $ref" in skipped(result)["loop"]


def test_not_a_document():
    with pytest.raises(DocumentError, match=r"not an OpenAPI 3\.x or Swagger 2\.0"):
        load_document('{"hello": "world"}')
    with pytest.raises(DocumentError):
        load_document("- just\n- a list\n")


def test_cli_list_and_out(tmp_path, capsys):
    assert main(["import-openapi", str(DATA / "swagger_petstore.json"), "--list"]) == 0
    out = capsys.readouterr().out
    assert "ok  getPetById" in out and "no  uploadFile" in out and "form data" in out
    target = tmp_path / "drafts.json"
    code = main(
        [
            "import-openapi",
            str(DATA / "openapi_core_petstore.yaml"),
            "--operation",
            "showPetById",
            "--operation",
            "listTags",
            "--out",
            str(target),
        ]
    )
    assert code == 0
    written = json.loads(target.read_text())  # drafts that name auth settings: {"auth", "actions"}
    assert [d["name"] for d in written["actions"]] == ["show_pet_by_id", "list_tags"]
    assert [s["name"] for s in written["auth"]] == ["swagger_petstore_basic"]
    assert main(["validate", str(target)]) == 0
    assert main(["import-openapi", str(DATA / "swagger_petstore.json"), "--operation", "x"]) == 2


# -- over HTTP, through the guard ---------------------------------------------------------------


# the demo API serves one function on several methods: FastAPI warns while it builds the document
pytestmark = pytest.mark.filterwarnings("ignore:Duplicate Operation ID:UserWarning")


def demo_openapi_url(demo_api) -> str:
    return f"{demo_api.base_url}/openapi.json"


async def test_fetching_is_guarded(demo_api):
    async with ActionExecutor(ExecutorSettings(), StaticSecrets({})) as executor:
        with pytest.raises(DocumentFetchError, match="blocked"):
            await fetch_document(executor, demo_openapi_url(demo_api))  # a private address
        with pytest.raises(DocumentFetchError, match="credential"):
            await fetch_document(executor, "https://api.example.com/openapi.json?api_key=x")


async def test_demo_api_document_is_imported_and_a_draft_runs(demo_api):
    settings = ExecutorSettings(allow_hosts=(demo_api.host,))
    secrets = StaticSecrets({"DEMO_API_TOKEN": demo_api.token})
    async with ActionExecutor(settings, secrets) as executor:
        fetched = await fetch_document(executor, demo_openapi_url(demo_api))
        doc = load_document(fetched.text)
        assert doc["openapi"].startswith("3.") and "servers" not in doc
        # FastAPI declares no security scheme: the auth header is given explicitly
        result = import_openapi(
            doc,
            source_url=fetched.url,
            api_name="demo api",
            headers={"Authorization": "Bearer {{secret.DEMO_API_TOKEN}}"},
        )
        assert_valid_drafts(result)
        drafts = by_name(result)
        get_order = drafts["get_order"]  # FastAPI's `get_order_api_orders__order_id__get`
        # no servers: the document's own origin
        assert get_order["url"] == f"{demo_api.base_url}/api/orders/{{{{order_id}}}}"
        install = drafts["create_installation"]
        types = {i["name"]: i["type"] for i in install["inputs"]}
        assert types == {
            "customer_email": "string",
            "product": "enum",
            "preferred_date": "date",
            "address": "string",
        }
        # duplicate operationIds (one function on many methods) still give unique names
        assert {"echo_get", "echo_post"} <= set(drafts)

        outcome = await executor.execute(validate_action(get_order), {"order_id": "ORD-1001"})
        assert outcome.ok, outcome.summary
        assert outcome.data["order_id"] == "ORD-1001"


def test_cli_imports_the_demo_document_by_url(demo_api, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("ACTIONS_DATA_DIR", str(tmp_path / "data"))
    url = demo_openapi_url(demo_api)
    base = [
        "import-openapi",
        url,
        "--header",
        "Authorization: Bearer {{secret.DEMO_API_TOKEN}}",
        "--operation",
        "get_order",
        "--operation",
        "open_ticket",
    ]
    assert main(base) == 1  # 127.0.0.1 is private: not without --allow-host
    assert "blocked" in capsys.readouterr().err
    assert main([*base, "--allow-host", demo_api.host, "--save"]) == 0
    assert "stored 2 draft(s), all disabled" in capsys.readouterr().err
    assert main([*base, "--allow-host", demo_api.host, "--save"]) == 2  # never replaced
    assert "already stored" in capsys.readouterr().err

    from agent.wiring.settings import Settings
    from storage import ActionStore, make_engine

    engine = make_engine(Settings.from_env().resolved_database_url)
    stored = {a.name: a.definition for a in ActionStore(engine).list()}
    engine.dispose()
    assert set(stored) == {"get_order", "open_ticket"}
    assert not any(d.enabled for d in stored.values())


async def test_a_yaml_document_over_http_with_its_origin_as_host():
    text = (DATA / "jupyter_server_api.yaml").read_bytes()

    async def spec(request):
        return Response(text, media_type="application/yaml")

    app = Starlette(routes=[Route("/api/spec.yaml", spec)])
    with serve(app) as base_url:
        host = base_url.split("://", 1)[1]
        async with ActionExecutor(ExecutorSettings(allow_hosts=(host,)), StaticSecrets({})) as ex:
            fetched = await fetch_document(ex, f"{base_url}/api/spec.yaml")
            with pytest.raises(DocumentFetchError, match="larger than 1000 bytes"):
                await fetch_document(ex, f"{base_url}/api/spec.yaml", max_bytes=1000)
            with pytest.raises(DocumentFetchError, match="404"):
                await fetch_document(ex, f"{base_url}/missing.yaml")
    result = import_openapi(load_document(fetched.text), source_url=fetched.url)
    assert by_name(result)["get_api_status"]["url"] == f"{base_url}/api/status"
