"""cURL import: odd commands as people paste them, each draft valid and free of credentials."""

from __future__ import annotations

import json

import pytest

from agent.cli.main import main
from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
from tools.importers import CurlError, ImportResult, import_curl
from tools.importers.curl import split_command
from tools.validation import validate_action


def one(command: str, **kwargs) -> tuple[dict, str]:
    """The single draft (validated, disabled) and all notes as one text."""
    result = import_curl(command, **kwargs)
    assert not result.skipped, result.skipped
    assert len(result.drafts) == 1
    draft = result.drafts[0]
    assert validate_action(draft).to_json_dict() == draft
    assert draft["enabled"] is False
    return draft, "\n".join(result.notes)


def refused(command: str) -> str:
    result: ImportResult = import_curl(command)
    assert result.drafts == [] and len(result.skipped) == 1
    return result.skipped[0].reason


# -- odd commands -----------------------------------------------------------------------------


def test_multiline_json_post_with_bearer_token():
    draft, notes = one(r"""curl -X POST https://api.example.com/v1/tickets \
      -H 'Content-Type: application/json' \
      -H "Authorization: Bearer sk_live_abcdef123456" \
      --data-raw '{"subject": "Broken panel", "priority": "high", "count": 2}'""")
    assert draft["method"] == "POST" and draft["url"] == "https://api.example.com/v1/tickets"
    assert draft["headers"] == {
        "Content-Type": "application/json",
        "Authorization": "Bearer {{secret.EXAMPLE_TOKEN}}",
    }
    # sample values are inputs typed from the value, the sample an example
    assert json.loads(draft["body"]) == {
        "subject": "{{subject}}",
        "priority": "{{priority}}",
        "count": "{{count}}",
    }
    assert {i["name"]: (i["type"], i["example"]) for i in draft["inputs"]} == {
        "subject": ("string", "Broken panel"),
        "priority": ("string", "high"),
        "count": ("integer", "2"),
    }
    assert "sk_live_abcdef123456" not in json.dumps(draft) + notes
    assert "store the token as secret EXAMPLE_TOKEN" in notes
    assert draft["requires_confirmation"] is True


def test_url_first_then_method_and_an_id_in_the_path():
    draft, notes = one(
        """curl 'https://shop.example.com/api/orders/ORD-1001' -X PATCH """
        """-H 'X-Api-Key: abcd1234efgh' --data '{"shipping_address":"1 Main St"}'"""
    )
    assert draft["method"] == "PATCH"
    assert draft["url"] == "https://shop.example.com/api/orders/{{order_id}}"
    assert draft["inputs"] == [
        {
            "name": "order_id",
            "type": "string",
            "label": None,
            "description": "the order id",
            "required": True,
            "pattern": "^ORD-[0-9]+$",
            "enum_values": None,
            "enum_labels": None,
            "example": "ORD-1001",
            "list_separator": None,
        },
        {
            "name": "shipping_address",
            "type": "string",
            "label": None,
            "description": "the shipping address",
            "required": True,
            "pattern": None,
            "enum_values": None,
            "enum_labels": None,
            "example": "1 Main St",
            "list_separator": None,
        },
    ]
    assert draft["headers"] == {"X-Api-Key": "{{secret.EXAMPLE_API_KEY}}"}
    assert "abcd1234efgh" not in json.dumps(draft)
    assert "store the API key as secret EXAMPLE_API_KEY" in notes


def test_get_with_data_urlencode_and_a_credential_in_the_data():
    draft, notes = one(
        """curl -G https://api.example.com/search --data-urlencode 'q=solar panel' """
        """--data-urlencode "lang=en" -d api_key=SECRET123 -d page=2"""
    )
    assert draft["method"] == "GET" and draft["body"] is None
    # the -G data's sample values are inputs, typed from the value
    assert draft["url"] == "https://api.example.com/search?q={{q}}&lang={{lang}}&page={{page}}"
    assert {i["name"]: (i["type"], i.get("example")) for i in draft["inputs"]} == {
        "q": ("string", "solar panel"),
        "lang": ("string", "en"),
        "page": ("integer", "2"),
    }
    assert "SECRET123" not in json.dumps(draft)
    assert "query parameter 'api_key' refused" in notes and "never put API keys" in notes


def test_ansi_c_quoting_and_bundled_short_flags():
    draft, notes = one(
        r"""curl $'https://api.example.com/items/42?x=1' """
        r"""-H $'X-Note: it\'s \x41\u00e9' -sSLk --compressed"""
    )
    assert draft["url"] == "https://api.example.com/items/{{item_id}}?x=1"
    assert draft["headers"] == {"X-Note": "it's Aé"}
    assert draft["inputs"][0]["pattern"] == "^[0-9]+$" and draft["inputs"][0]["example"] == "42"
    assert "TLS certificate verification cannot be disabled" in notes  # -k
    assert "redirects are followed" in notes  # -L


def test_basic_auth_a_uuid_and_an_unknown_flag():
    draft, notes = one(
        "curl -u admin:hunter2 --frobnicate "
        "https://api.example.com/users/550e8400-e29b-41d4-a716-446655440000"
    )
    assert draft["url"] == "https://api.example.com/users/{{user_id}}"
    assert draft["headers"] == {"Authorization": "Basic {{secret.EXAMPLE_BASIC}}"}
    assert "hunter2" not in json.dumps(draft) + notes
    assert "unknown option --frobnicate ignored" in notes
    assert "base64('user:password') as secret EXAMPLE_BASIC" in notes


def test_url_option_with_credentials_in_userinfo_and_query():
    draft, notes = one('curl --url "https://user:pw@api.example.com/things?api_key=abc&page=2" -XDELETE')
    assert draft["method"] == "DELETE"
    assert draft["url"] == "https://api.example.com/things?page=2"
    assert draft["headers"] == {"Authorization": "Basic {{secret.EXAMPLE_BASIC}}"}
    assert "user:password@host" in notes and "'api_key' refused" in notes


def test_double_quoted_json_with_escapes_and_long_options_with_equals():
    draft, _notes = one(
        r"""curl --request=PUT "https://api.example.com/accounts/ACC-7/preferences" """
        r"""--header="Content-Type: application/json" """
        r'''--data "{\"contact_channel\": \"sms\", \"newsletter\": false}"'''
    )
    assert draft["method"] == "PUT"
    assert draft["url"] == "https://api.example.com/accounts/{{account_id}}/preferences"
    assert json.loads(draft["body"]) == {
        "contact_channel": "{{contact_channel}}",
        "newsletter": "{{newsletter}}",
    }
    assert {i["name"]: i["type"] for i in draft["inputs"]} == {
        "account_id": "string",
        "contact_channel": "string",
        "newsletter": "boolean",
    }


def test_json_option_sets_headers_and_method():
    draft, _ = one("""curl --json '{"email": "ann@example.com"}' https://api.example.com/tickets""")
    assert draft["method"] == "POST"
    assert draft["headers"] == {"Content-Type": "application/json", "Accept": "application/json"}


def test_cookie_header_and_option_become_secrets():
    draft, notes = one("curl -b 'session=abc123secret' -H 'Cookie: sid=zzz999' https://portal.example.com/me")
    assert draft["headers"] == {"Cookie": "{{secret.EXAMPLE_COOKIE}}"}
    assert "abc123secret" not in json.dumps(draft) and "zzz999" not in json.dumps(draft)
    assert "store the cookie as secret EXAMPLE_COOKIE" in notes


def test_pasted_prompt_windows_line_endings_and_reserved_headers():
    draft, notes = one(
        "$ curl -H 'Host: evil.example' -H 'Accept-Encoding: gzip' \\\r\n"
        "  -m 5 https://api.example.com/status"
    )
    assert draft["headers"] == {}
    assert draft["timeout_seconds"] == 5.0
    assert "header Host dropped" in notes


def test_no_scheme_and_a_fragment():
    draft, notes = one("curl api.example.com/orders/123#top")
    assert draft["url"] == "https://api.example.com/orders/{{order_id}}"
    assert "https:// assumed" in notes and "#fragment was dropped" in notes


def test_custom_token_header_and_explicit_name():
    draft, _notes = one(
        "curl -H 'X-Auth-Token: t0k3n-value' https://api.example.com/v2/invoices --oauth2-bearer abc",
        name="List invoices",
        api_name="billing",
    )
    assert draft["name"] == "list_invoices"
    assert draft["headers"] == {
        "Authorization": "Bearer {{secret.BILLING_TOKEN}}",
        "X-Auth-Token": "{{secret.BILLING_X_AUTH_TOKEN}}",
    }


def test_refused_commands_say_why():
    assert "uploads the local file 'x.png'" in refused("curl -F file=@x.png https://api.example.com/upload")
    assert "uploads the local file 'notes.txt'" in refused(
        "curl -F 'text=<notes.txt' https://api.example.com/u"
    )
    assert "cannot send files" in refused("curl -T photo.jpg https://api.example.com/upload")
    assert "form data" in refused("curl -d 'a=1&b' https://api.example.com/forms")  # not all k=v
    assert "cannot have a body" in refused(
        """curl -X GET https://api.example.com/orders/1 -d '{"reason":"x"}'"""
    )
    assert "JSON array" in refused("""curl https://api.example.com/bulk --data '[1, 2]'""")
    assert "local file" in refused("curl -d @body.json https://api.example.com/things")


@pytest.mark.parametrize(
    "text, message",
    [
        ("wget https://example.com", "must start with 'curl'"),
        ("curl -s", "no URL"),
        ("curl 'https://example.com", "check the quotes"),
        ("curl -H", "needs a value"),
    ],
)
def test_not_a_usable_command(text, message):
    with pytest.raises(CurlError, match=message):
        import_curl(text)


def test_split_command_keeps_quotes_of_every_kind():
    assert split_command("""curl -H "A: \\"x\\"" $'b\\tc' 'd e' f\\ g""") == [
        "curl",
        "-H",
        'A: "x"',
        "b\tc",
        "d e",
        "f g",
    ]


# -- a draft from curl, run against the demo API ----------------------------------------------------


async def test_a_curl_draft_runs_against_the_demo_api(demo_api):
    draft, notes = one(
        f"curl -s -H 'Authorization: Bearer {demo_api.token}' '{demo_api.base_url}/api/orders/ORD-1001'",
        api_name="demo api",
    )
    assert demo_api.token not in json.dumps(draft) + notes
    assert draft["headers"] == {"Authorization": "Bearer {{secret.DEMO_API_TOKEN}}"}
    settings = ExecutorSettings(allow_hosts=(demo_api.host,))
    async with ActionExecutor(settings, StaticSecrets({"DEMO_API_TOKEN": demo_api.token})) as ex:
        outcome = await ex.execute(validate_action(draft), {"order_id": "ORD-1002"})
    assert outcome.ok, outcome.summary
    assert outcome.data["order_id"] == "ORD-1002"


def test_cli_import_curl(tmp_path, capsys):
    target = tmp_path / "draft.json"
    code = main(
        [
            "import-curl",
            "curl -H 'Authorization: Bearer abcdefgh1234' https://api.example.com/orders/ORD-1",
            "--out",
            str(target),
        ]
    )
    assert code == 0
    [draft] = json.loads(target.read_text())
    assert draft["name"] == "get_orders" and draft["enabled"] is False
    err = capsys.readouterr().err
    assert "store the token as secret EXAMPLE_TOKEN" in err and "abcdefgh1234" not in err
    assert main(["validate", str(target)]) == 0
    assert main(["import-curl", "curl -F a=@b https://api.example.com/x"]) == 2
    assert main(["import-curl", "http GET example.com"]) == 2
