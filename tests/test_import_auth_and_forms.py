"""The importers' share of form bodies and shared auth: cURL `-d k=v` / `--data-urlencode`
become form drafts (Stripe's and an OAuth2 token endpoint's documented commands), and OpenAPI
`application/x-www-form-urlencoded` request bodies and oauth2 client-credentials schemes map to
form drafts and a shared auth setting; the drafts run against the demo API."""

from __future__ import annotations

import json

import pytest

from storage.transfer import validate_bundle
from tools.auth import StaticAuth, validate_auth
from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
from tools.importers.curl import import_curl
from tools.importers.openapi import import_openapi
from tools.outcome import OutcomeKind
from tools.validation import validate_action

STRIPE = (
    "curl https://api.stripe.com/v1/customers -u sk_test_4eC39HqLyjWDarjtT1zdp7dc: "
    '-d name="Jenny Rosen" -d email=jenny%40example.com -d "expand[]=sources" -d "expand[]=tax" '
    '--data-urlencode "description=VIP & friends=yes" -H "Content-Type: application/x-www-form-urlencoded"'
)


def test_a_stripe_style_command_becomes_a_form_draft():
    (draft,) = import_curl(STRIPE).drafts
    assert draft["body_format"] == "form"
    assert json.loads(draft["body"]) == {
        "name": "{{name}}",
        "email": "{{email}}",
        "expand[]": "{{expand}}",
        "description": "{{description}}",
    }
    examples = {i["name"]: (i["type"], i.get("example")) for i in draft["inputs"]}
    assert examples == {
        "name": ("string", "Jenny Rosen"),
        "email": ("email", "jenny@example.com"),  # -d is sent as written: decoded once
        "expand": ("string[]", "sources, tax"),  # a repeated field is one list input
        "description": ("string", "VIP & friends=yes"),  # --data-urlencode: kept whole
    }
    assert draft["headers"] == {"Authorization": "Basic {{secret.STRIPE_BASIC}}"}  # no Content-Type
    assert "sk_test_4eC39" not in json.dumps(draft)
    validate_action(draft)


def test_a_credential_form_field_becomes_a_secret():
    command = (
        "curl -X POST https://auth.example.com/oauth/token -d grant_type=client_credentials "
        "-d client_id=abc -d client_secret=s3cr3t-value-123"
    )
    (draft,) = import_curl(command).drafts
    body = json.loads(draft["body"])
    assert body["client_secret"].startswith("{{secret.") and "s3cr3t" not in json.dumps(draft)


@pytest.mark.parametrize(
    "command",
    [
        "curl -d 'a=1&b' https://api.example.com/forms",
        "curl -d 'plain text' https://api.example.com/forms",
        "curl --data-urlencode 'no name' https://api.example.com/forms",
        "curl --data-urlencode '=x' https://api.example.com/forms",
    ],
)
def test_data_that_is_not_fields_is_still_refused(command):
    result = import_curl(command)
    assert not result.drafts and "form fields written name=value" in result.skipped[0].reason


def openapi_doc(base_url: str) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Northwind", "version": "1"},
        "servers": [{"url": base_url}],
        "components": {
            "securitySchemes": {
                "gateway": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {"tokenUrl": "/oauth/token", "scopes": {"callbacks:write": "x"}}
                    },
                },
                "implicit": {
                    "type": "oauth2",
                    "flows": {"implicit": {"authorizationUrl": "https://a.example/auth", "scopes": {}}},
                },
            }
        },
        "paths": {
            "/api/callbacks": {
                "post": {
                    "operationId": "requestCallback",
                    "summary": "Request a callback",
                    "security": [{"gateway": ["callbacks:write"]}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "required": ["phone", "preferred_time"],
                                    "properties": {
                                        "phone": {"type": "string", "example": "+1 555 0100"},
                                        "preferred_time": {
                                            "type": "string",
                                            "enum": ["morning", "afternoon", "evening"],
                                        },
                                        "note": {"type": "string"},
                                    },
                                }
                            }
                        },
                    },
                }
            },
            "/api/orders/{order_id}": {
                "get": {
                    "operationId": "getOrder",
                    "security": [{"implicit": []}],
                    "parameters": [
                        {"name": "order_id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                }
            },
        },
    }


def test_openapi_form_bodies_and_client_credentials(demo_api):
    result = import_openapi(openapi_doc(demo_api.base_url))
    drafts = {d["name"]: d for d in result.drafts}
    callback = drafts["request_callback"]
    assert callback["body_format"] == "form" and callback["auth"] == "northwind_gateway_callbacks_write"
    assert "Authorization" not in callback["headers"] and "Content-Type" not in callback["headers"]
    assert set(json.loads(callback["body"])) == {"phone", "preferred_time", "note"}
    setting, user_flow = result.auth
    assert setting["token_url"] == f"{demo_api.base_url}/oauth/token"  # relative: against the server
    assert setting["scope"] == "callbacks:write"
    assert (setting["client_id_secret"], setting["client_secret_secret"]) == (
        "NORTHWIND_GATEWAY_CLIENT_ID",  # two oauth2 schemes: the scheme's name tells them apart
        "NORTHWIND_GATEWAY_CLIENT_SECRET",
    )
    # other OAuth2 flows need a user: a shared bearer setting whose token is stored
    assert "Authorization" not in drafts["get_order"]["headers"]
    assert drafts["get_order"]["auth"] == user_flow["name"] and user_flow["kind"] == "bearer"
    assert any("NORTHWIND_GATEWAY_CLIENT_SECRET" in n for n in result.notes)
    catalog = result.catalog()
    actions, settings = validate_bundle(catalog, known_auth=set())
    assert [a.name for a in actions] == ["request_callback", "get_order"]
    assert [s.name for s in settings] == ["northwind_gateway_callbacks_write", user_flow["name"]]


async def test_the_imported_form_draft_runs_against_the_demo_api(demo_api):
    result = import_openapi(openapi_doc(demo_api.base_url), operations=["requestCallback"])
    action = validate_action({**result.drafts[0], "enabled": True})
    setting = validate_auth(result.auth[0])
    secrets = StaticSecrets(
        {
            "NORTHWIND_GATEWAY_CLIENT_ID": "northwind-support",
            "NORTHWIND_GATEWAY_CLIENT_SECRET": "demo-client-secret",
        }
    )
    async with ActionExecutor(
        ExecutorSettings(allow_hosts=(demo_api.host,)), secrets, auth=StaticAuth([setting])
    ) as ex:
        outcome = await ex.execute(
            action, {"phone": "+1 555 0100", "preferred_time": "evening", "note": "x=1&y"}
        )
    assert outcome.kind is OutcomeKind.OK, outcome.summary
    assert outcome.data["note"] == "x=1&y" and outcome.data["preferred_time"] == "evening"
