"""No literal credential survives an import: every one becomes a `{{secret.NAME}}` reference (or
is dropped) with a note naming the secret, and the value is in no draft, note, output or store.

The body cases cover the class, not one key: case and separator variants (`apiKey`, `API-KEY`,
`client_secret`), nested objects, arrays of objects, form-like keys (`user[password]`),
`{"name": "password", "value": ...}` pairs, values under a credential-looking object, numbers,
and values whose shape alone gives them away (a JWT, `Bearer ...`, `sk_live_...`). The other
places a cURL command carries credentials are covered too: the query string, `-G` data,
`-u`, the URL's user part, cookies, headers, and text that only reaches a note.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.scripted_model import ScriptedChatModel
from tests.support.ui_fixtures import app_runtime, by_label, open_app, texts
from tools.importers import DocumentError, ImportResult, import_curl, import_openapi
from tools.placeholders import find_placeholders
from tools.validation import validate_action

ROOT = Path(__file__).resolve().parents[1]
URL = "https://api.example.com/v1/login"


def curl_with_body(body: dict) -> str:
    return f"curl -X POST {URL} -H 'Content-Type: application/json' -d '{json.dumps(body)}'"


def everything(result: ImportResult) -> str:
    """All an import hands back: drafts, notes and skip reasons."""
    return json.dumps([result.drafts, result.notes, [s.reason for s in result.skipped]])


def secret_at(draft: dict, *path) -> str:
    """The secret name the body holds at `path` (the value must be exactly one reference)."""
    node = json.loads(draft["body"])
    for key in path:
        node = node[key]
    (placeholder,) = find_placeholders(node)
    assert placeholder.is_secret and node == "{{" + placeholder.raw + "}}", node
    return placeholder.name


# (body, [(path to a credential, literal, secret name)]); every literal is unique to its case
BODY_CASES: list[tuple[dict[str, Any], list[tuple[tuple[str | int, ...], str, str]]]] = [
    ({"password": "Lit-pass-01"}, [(("password",), "Lit-pass-01", "EXAMPLE_PASSWORD")]),
    ({"apiKey": "Lit-key-02"}, [(("apiKey",), "Lit-key-02", "EXAMPLE_API_KEY")]),
    ({"API-KEY": "Lit-key-03"}, [(("API-KEY",), "Lit-key-03", "EXAMPLE_API_KEY")]),
    (
        {"client_secret": "Lit-cs-04", "client_id": "app-1"},
        [(("client_secret",), "Lit-cs-04", "EXAMPLE_CLIENT_SECRET")],
    ),
    (
        {"grant_type": "refresh_token", "refresh_token": "Lit-rt-05", "access_token": "Lit-at-06"},
        [
            (("refresh_token",), "Lit-rt-05", "EXAMPLE_REFRESH_TOKEN"),
            (("access_token",), "Lit-at-06", "EXAMPLE_ACCESS_TOKEN"),
        ],
    ),
    (
        {"passwd": "Lit-07", "pwd": "Lit-08", "secret": "Lit-09", "private_key": "Lit-10"},
        [
            (("passwd",), "Lit-07", "EXAMPLE_PASSWD"),
            (("pwd",), "Lit-08", "EXAMPLE_PWD"),
            (("secret",), "Lit-09", "EXAMPLE_SECRET"),
            (("private_key",), "Lit-10", "EXAMPLE_PRIVATE_KEY"),
        ],
    ),
    (
        {"user[password]": "Lit-form-11", "Password_Confirmation": "Lit-form-11"},
        [
            (("user[password]",), "Lit-form-11", "EXAMPLE_USER_PASSWORD"),
            (("Password_Confirmation",), "Lit-form-11", "EXAMPLE_PASSWORD_CONFIRMATION"),
        ],
    ),
    (
        {"auth": {"client": {"clientSecret": "Lit-nest-12"}}, "X-Auth-Token": "Lit-13"},
        [
            (("auth", "client", "clientSecret"), "Lit-nest-12", "EXAMPLE_CLIENT_SECRET"),
            (("X-Auth-Token",), "Lit-13", "EXAMPLE_X_AUTH_TOKEN"),
        ],
    ),
    # arrays of objects: two different passwords get two names
    (
        {"users": [{"name": "ann", "password": "Lit-arr-14"}, {"name": "bob", "password": "Lit-arr-15"}]},
        [
            (("users", 0, "password"), "Lit-arr-14", "EXAMPLE_PASSWORD"),
            (("users", 1, "password"), "Lit-arr-15", "EXAMPLE_USERS_PASSWORD"),
        ],
    ),
    (
        {"api_keys": ["Lit-list-16", "Lit-list-17"]},
        [
            (("api_keys", 0), "Lit-list-16", "EXAMPLE_API_KEYS"),
            (("api_keys", 1), "Lit-list-17", "EXAMPLE_API_KEYS_2"),
        ],
    ),
    # a form as name/value pairs
    (
        {"fields": [{"name": "username", "value": "ann"}, {"name": "Password", "value": "Lit-18"}]},
        [(("fields", 1, "value"), "Lit-18", "EXAMPLE_PASSWORD")],
    ),
    # everything under a credential-looking object
    (
        {"credentials": {"user": "Lit-19", "pass": "Lit-20"}},
        [
            (("credentials", "user"), "Lit-19", "EXAMPLE_CREDENTIALS_USER"),
            (("credentials", "pass"), "Lit-20", "EXAMPLE_PASS"),
        ],
    ),
    # a number is a credential too when its name says so (sent as text from the secret)
    (
        {"pin": 480213, "otp": 551177},
        [(("pin",), "480213", "EXAMPLE_PIN"), (("otp",), "551177", "EXAMPLE_OTP")],
    ),
    # the shape gives it away, whatever the name
    (
        {
            "data": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.Lit21sig",
            "note": "Bearer Lit-22-abcdefgh",
            "stripe": "sk_live_Lit23abcdefghijkl",
        },
        [
            (("data",), "Lit21sig", "EXAMPLE_DATA"),
            (("note",), "Lit-22-abcdefgh", "EXAMPLE_NOTE"),
            (("stripe",), "Lit23abcdefghijkl", "EXAMPLE_STRIPE"),
        ],
    ),
]
NOT_CREDENTIALS = {
    "token_type": "bearer",
    "max_tokens": 100,
    "grant_type": "password",
    "username": "ann",
    "is_secret": True,
    "email": "ann@example.com",
    "shipping": "express",
    "keyword": "refund",
    "password_min_length": 12,
    "tokens_used": 7,
}


def test_every_credential_looking_body_value_becomes_a_secret_reference():
    problems: list[tuple[object, ...]] = []
    for body, expected in BODY_CASES:
        result = import_curl(curl_with_body({**body, **NOT_CREDENTIALS}))
        if result.skipped or len(result.drafts) != 1:
            problems.append((body, "no draft", result.skipped))
            continue
        draft = result.drafts[0]
        assert validate_action(draft).to_json_dict() == draft  # body secrets are valid
        notes = "\n".join(result.notes)
        for path, literal, secret in expected:
            got = None
            with contextlib.suppress(AssertionError, ValueError, TypeError):
                got = secret_at(draft, *path)
            if got != secret:
                problems.append((path, f"is {got!r}, not the secret {secret}"))
            if f"as secret {secret} " not in notes:
                problems.append((path, f"no note names the secret {secret}"))
            if literal in everything(result):
                problems.append((path, f"the literal {literal!r} is still in the import"))
        # not credentials: an input of the same name (its sample an example) or, past the
        # input cap, the sample itself; never a secret
        body_now = json.loads(draft["body"])
        examples = {i["name"]: i.get("example") for i in draft["inputs"]}
        for key, value in NOT_CREDENTIALS.items():
            if body_now.get(key) not in ("{{" + key + "}}", value):
                problems.append(("not credentials", key, body_now.get(key)))
            elif body_now[key] != value and not isinstance(value, bool) and examples[key] != str(value):
                problems.append(("not credentials", key, "example", examples[key]))
    assert not problems, "\n".join(map(str, problems))


def test_the_same_credential_keeps_its_name_and_a_different_one_gets_another():
    command = (
        f"curl {URL} -H 'X-Api-Key: Lit-same-31' -d "
        """'{"api_key": "Lit-same-31", "backup": {"api_key": "Lit-other-32"}}'"""
    )
    result = import_curl(command)
    (draft,) = result.drafts
    assert draft["headers"]["X-Api-Key"] == "{{secret.EXAMPLE_API_KEY}}"
    assert secret_at(draft, "api_key") == "EXAMPLE_API_KEY"  # the header's, same value
    assert secret_at(draft, "backup", "api_key") == "EXAMPLE_BACKUP_API_KEY"
    assert "Lit-same-31" not in everything(result) and "Lit-other-32" not in everything(result)


# the other places a command carries credentials: (command, literals, what the draft must show)
OTHER_PLACES: list[tuple[str, list[str], dict[str, Any]]] = [
    # query string: every spelling of a credential key is removed, the rest kept
    (
        f"curl '{URL}?api_key=Lit-q-41&apiKey=Lit-q-42&API-KEY=Lit-q-43&refresh_token=Lit-q-44"
        "&client_secret=Lit-q-45&X-Amz-Security-Token=Lit-q-46&page=2'",
        ["Lit-q-41", "Lit-q-42", "Lit-q-43", "Lit-q-44", "Lit-q-45", "Lit-q-46"],
        {"url": f"{URL}?page=2"},
    ),
    # -G data, plain and url-encoded
    (
        f"curl -G {URL} --data-urlencode 'client_secret=Lit-g-47' --data-urlencode "
        "'privateKey=Lit-g-48' -d 'passwd=Lit-g-49&q=shoes'",
        ["Lit-g-47", "Lit-g-48", "Lit-g-49"],
        {"url": f"{URL}?q={{{{q}}}}"},
    ),
    # -u and the URL's user part
    (
        f"curl -u 'ann:Lit-u-50' {URL}",
        ["Lit-u-50"],
        {"headers": {"Authorization": "Basic {{secret.EXAMPLE_BASIC}}"}},
    ),
    (
        "curl 'https://ann:Lit-u-51@api.example.com/v1/me'",
        ["Lit-u-51"],
        {"headers": {"Authorization": "Basic {{secret.EXAMPLE_BASIC}}"}},
    ),
    # cookies, by option and by header
    (
        f"curl -b 'sid=Lit-c-52; theme=dark' {URL}",
        ["Lit-c-52"],
        {"headers": {"Cookie": "{{secret.EXAMPLE_COOKIE}}"}},
    ),
    # headers the old word list missed
    (
        f"curl {URL} -H 'X-Private-Key: Lit-h-53' -H 'X-Client-Pwd: Lit-h-54'",
        ["Lit-h-53", "Lit-h-54"],
        {
            "headers": {
                "X-Private-Key": "{{secret.EXAMPLE_X_PRIVATE_KEY}}",
                "X-Client-Pwd": "{{secret.EXAMPLE_X_CLIENT_PWD}}",
            }
        },
    ),
    # text that used to be quoted in a note: a header without its colon, an unquoted token, a
    # second URL with a key in it, a -G value without a name
    (
        f"curl {URL} -H 'Authorization Bearer Lit-n-55' Lit-n-56 -H 'sk_live_Lit-n-59' "
        "'https://backup.example.com/v1?api_key=Lit-n-57' -G --data-urlencode 'Lit-n-58'",
        ["Lit-n-55", "Lit-n-56", "Lit-n-57", "Lit-n-58", "Lit-n-59"],
        {"url": URL},
    ),
    # a JSON body sent with --json
    (f"""curl --json '{{"session_token": "Lit-j-60"}}' {URL}""", ["Lit-j-60"], {}),
]


def test_credentials_elsewhere_in_the_command_never_reach_the_draft_or_the_notes():
    problems: list[tuple[object, ...]] = []
    for command, literals, shown in OTHER_PLACES:
        result = import_curl(command)
        text = everything(result)
        problems += [(command, f"{lit!r} is still in the import") for lit in literals if lit in text]
        if len(result.drafts) != 1:
            problems.append((command, "no draft", result.skipped))
            continue
        draft = result.drafts[0]
        for field, value in shown.items():
            got = draft[field] if field != "headers" else {k: draft[field].get(k) for k in value}
            if got != value:
                problems.append((command, field, got))
        if "secret." in json.dumps(draft) and "as secret EXAMPLE_" not in "\n".join(result.notes):
            problems.append((command, "a secret reference without a note naming it"))
    assert not problems, "\n".join(map(str, problems))


# -- the command line and the stores ---------------------------------------------------------------

COMMAND = (
    f"curl -X POST '{URL}?apiKey=Lit-cli-61' -u 'ann:Lit-cli-62' -H 'Content-Type: "
    """application/json' -d '{"username": "ann", "password": "Lit-cli-63", """
    """"client": {"clientSecret": "Lit-cli-64"}, "pin": 731905}'"""
)
COMMAND_LITERALS = ["Lit-cli-61", "Lit-cli-62", "Lit-cli-63", "Lit-cli-64", "731905"]


@pytest.mark.slow
def test_cli_output_and_the_saved_store_hold_no_literal(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ADMIN_PASSWORD")}
    env["ACTIONS_DATA_DIR"] = str(tmp_path / "data")
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "agent.cli", "import-curl", COMMAND, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    printed = run()
    assert printed.returncode == 0, printed.stderr
    (draft,) = json.loads(printed.stdout)
    assert json.loads(draft["body"]) == {
        "username": "{{username}}",
        "password": "{{secret.EXAMPLE_PASSWORD}}",
        "client": {"clientSecret": "{{secret.EXAMPLE_CLIENT_SECRET}}"},
        "pin": "{{secret.EXAMPLE_PIN}}",
    }
    for secret in ("EXAMPLE_PASSWORD", "EXAMPLE_CLIENT_SECRET", "EXAMPLE_PIN"):
        assert "store the body's" in printed.stderr and f"as secret {secret} " in printed.stderr
    saved = run("--save")
    assert saved.returncode == 0, saved.stderr
    assert "stored 1 draft(s), all disabled" in saved.stderr
    database = (tmp_path / "data" / "api_actions.db").read_bytes()
    for literal in COMMAND_LITERALS:
        assert literal not in printed.stdout + printed.stderr + saved.stdout + saved.stderr
        assert literal.encode() not in database, literal
    assert b"{{secret.EXAMPLE_PASSWORD}}" in database  # the store is the one that was read


def test_the_import_tab_shows_and_saves_no_literal(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        by_label(at.sidebar.radio, "Import from").set_value("cURL command").run()
        by_label(at.sidebar.text_area, "cURL command").set_value(COMMAND).run()
        assert not at.exception
        shown = texts(at) + json.dumps([j.value for j in at.sidebar.json])
        assert "as secret EXAMPLE_PASSWORD" in shown and "{{secret.EXAMPLE_PIN}}" in shown
        button = next(b for b in at.sidebar.button if b.label == "Save as draft")
        button.click().run()
        assert not at.exception
        (draft,) = rt.drafts.list()
        stored = json.dumps(draft.definition.to_json_dict())
        assert "{{secret.EXAMPLE_PASSWORD}}" in stored
        for literal in COMMAND_LITERALS:
            assert literal not in shown and literal not in stored and literal not in texts(at)


# -- the OpenAPI importer meets the same ------------------------------------------------------


def test_openapi_credential_body_fields_are_secrets_not_inputs_and_examples_are_dropped():
    token_body = {
        "type": "object",
        "required": ["client_id", "client_secret"],
        "properties": {
            "client_id": {"type": "string", "example": "app-1"},
            "client_secret": {"type": "string", "example": "Lit-oa-71"},
            "refreshToken": {"type": "string", "example": "Lit-oa-72"},
            "login": {
                "type": "object",
                "properties": {
                    "user": {"type": "string"},
                    "Password": {"type": "string", "example": "Lit-oa-73"},
                },
            },
        },
    }
    doc = {
        "openapi": "3.0.0",
        "info": {"title": "Acme", "version": "1"},
        "servers": [{"url": "https://api.acme.example"}],
        "paths": {
            "/token": {
                "post": {
                    "operationId": "get_token",
                    "responses": {},
                    "parameters": [{"name": "refresh-token", "in": "query", "schema": {"type": "string"}}],
                    "requestBody": {"content": {"application/json": {"schema": token_body}}},
                }
            }
        },
    }
    result = import_openapi(doc)
    (draft,) = result.drafts
    assert validate_action(draft).to_json_dict() == draft
    assert secret_at(draft, "client_secret") == "ACME_CLIENT_SECRET"
    assert secret_at(draft, "refreshToken") == "ACME_REFRESH_TOKEN"
    assert secret_at(draft, "login", "Password") == "ACME_LOGIN_PASSWORD"
    assert [i["name"] for i in draft["inputs"]] == ["client_id", "login_user"]
    assert "refresh-token" not in draft["url"]  # a credential query parameter is left out
    notes = "\n".join(result.notes)
    assert "sent from the secret ACME_CLIENT_SECRET" in notes
    for literal in ("Lit-oa-71", "Lit-oa-72", "Lit-oa-73"):
        assert literal not in everything(result)


def test_openapi_extra_headers_with_a_literal_credential_are_refused_without_echo():
    doc = {
        "openapi": "3.0.0",
        "info": {"title": "Acme", "version": "1"},
        "servers": [{"url": "https://api.acme.example"}],
        "paths": {"/me": {"get": {"operationId": "me", "responses": {}}}},
    }
    for headers in (
        {"X-Auth-Token": "Lit-hdr-81"},
        {"Authorization": "Bearer Lit-hdr-82"},
        {"X-Custom": "sk_live_Lit83abcdefghijkl"},
    ):
        try:
            import_openapi(doc, headers=headers)
        except DocumentError as exc:
            assert "holds a literal credential" in str(exc)
            assert next(iter(headers.values())) not in str(exc)
        else:
            raise AssertionError(f"{headers} was accepted")
    ok = import_openapi(doc, headers={"X-Auth-Token": "{{secret.ACME_TOKEN}}", "X-Tenant": "eu"})
    assert ok.drafts[0]["headers"] == {"X-Auth-Token": "{{secret.ACME_TOKEN}}", "X-Tenant": "eu"}
