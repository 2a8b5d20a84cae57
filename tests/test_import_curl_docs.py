"""cURL commands as popular API documentation prints them: version segments stay literal, the
documentation's placeholders and sample ids become inputs, a placeholder in the host is refused,
and a JSON body's sample values become inputs typed from the value (not constants that would
file every ticket as the documentation's sample customer)."""

from __future__ import annotations

import json

import pytest

from tools.importers import import_curl
from tools.validation import validate_action


def one(command: str) -> tuple[dict, str]:
    result = import_curl(command)
    assert not result.skipped, result.skipped
    (draft,) = result.drafts
    assert validate_action(draft).to_json_dict() == draft
    return draft, "\n".join(result.notes)


@pytest.mark.parametrize(
    ("command", "url", "inputs"),
    [
        (  # Jira Cloud
            "curl --request GET --url 'https://example.atlassian.net/rest/api/3/issue/{issueIdOrKey}' "
            "--user 'email@example.com:<api_token>' --header 'Accept: application/json'",
            "https://example.atlassian.net/rest/api/3/issue/{{issue_id_or_key}}",
            {"issue_id_or_key": "string"},
        ),
        (  # Stripe
            "curl https://api.stripe.com/v1/customers/cus_NffrFeUfNV2Hib -u sk_test_4eC39HqLyjWDarjtT1zdp7dc:",
            "https://api.stripe.com/v1/customers/{{customer_id}}",
            {"customer_id": "string"},
        ),
        (  # Shopify: a dated version segment, an id with a .json suffix
            "curl -X GET 'https://shop.example.com/admin/api/2024-01/orders/450789469.json' "
            "-H 'X-Shopify-Access-Token: {access_token}'",
            "https://shop.example.com/admin/api/2024-01/orders/{{order_id}}.json",
            {"order_id": "string"},
        ),
        (  # X (Twitter): the version first in the path
            "curl 'https://api.x.com/2/tweets/1460323737035677698' -H 'Authorization: Bearer $BEARER_TOKEN'",
            "https://api.x.com/2/tweets/{{tweet_id}}",
            {"tweet_id": "string"},
        ),
        (  # Express-style and angle-bracket placeholders
            "curl https://api.example.com/v2/items/:item_id",
            "https://api.example.com/v2/items/{{item_id}}",
            {"item_id": "string"},
        ),
        (
            "curl https://api.example.com/v1.2/users/<id>/orders",
            "https://api.example.com/v1.2/users/{{user_id}}/orders",
            {"user_id": "string"},
        ),
        (
            "curl https://support.example.com/api/v2/tickets/{ticket_id}/comments.json",
            "https://support.example.com/api/v2/tickets/{{ticket_id}}/comments.json",
            {"ticket_id": "string"},
        ),
    ],
)
def test_versions_stay_literal_and_placeholders_and_ids_are_inputs(command, url, inputs):
    draft, notes = one(command)
    assert draft["url"] == url
    assert "is the input" in notes
    assert {i["name"]: i["type"] for i in draft["inputs"]} == inputs
    assert all(i["required"] for i in draft["inputs"])
    for segment in ("3", "2", "2024-01", "v1", "v2", "v1.2"):  # never an input's example
        assert all(i.get("example") != segment for i in draft["inputs"])
    assert "{" not in draft["url"].replace("{{", "").replace("}}", "")


def test_the_action_name_leaves_versions_out():
    draft, _ = one("curl https://example.atlassian.net/rest/api/3/issue/KEY-12")
    assert draft["name"] == "get_issue"


@pytest.mark.parametrize(
    "host", ["{subdomain}.zendesk.com", "<tenant>.example.com", "%7Bsubdomain%7D.zendesk.com"]
)
def test_a_placeholder_in_the_host_is_refused_with_the_reason(host):
    result = import_curl(f"curl https://{host}/api/v2/tickets.json -u user@example.com/token:abc")
    assert result.drafts == []
    (skipped,) = result.skipped
    assert "documentation placeholder" in skipped.reason and "real host" in skipped.reason


def test_validate_refuses_a_documentation_placeholder_in_the_host():
    from tools.errors import ActionValidationError

    action = {
        "name": "tickets",
        "trigger": "when asked",
        "url": "https://{subdomain}.zendesk.com/api/v2/tickets/{{ticket_id}}.json",
        "inputs": [{"name": "ticket_id"}],
    }
    with pytest.raises(ActionValidationError) as raised:
        validate_action(action)
    assert any(p.path == "url" and "'{subdomain}'" in p.message for p in raised.value.problems)


def test_json_body_samples_become_typed_inputs():
    draft, _ = one(
        """curl -X POST https://support.example.com/api/v2/tickets \\
          -H 'Content-Type: application/json' -u 'agent@example.com/token:abc123' \\
          -d '{"ticket": {"subject": "My printer is on fire!", "priority": 2, "urgent": true,
               "requester": {"name": "The Customer", "email": "thecustomer@example.com"},
               "tags": ["printer"], "due_at": "2024-05-01", "budget": 9.5}}'"""
    )
    body = json.loads(draft["body"])
    ticket = body["ticket"]
    assert ticket["subject"] == "{{ticket_subject}}"
    assert ticket["requester"] == {
        "name": "{{ticket_requester_name}}",
        "email": "{{ticket_requester_email}}",
    }
    assert ticket["tags"] == "{{ticket_tags}}"  # a list of texts is a string[] input
    types = {i["name"]: (i["type"], i.get("example")) for i in draft["inputs"]}
    assert types == {
        "ticket_subject": ("string", "My printer is on fire!"),
        "ticket_priority": ("integer", "2"),
        "ticket_urgent": ("boolean", None),
        "ticket_requester_name": ("string", "The Customer"),
        "ticket_requester_email": ("email", "thecustomer@example.com"),
        "ticket_due_at": ("date", "2024-05-01"),
        "ticket_budget": ("number", "9.5"),
        "ticket_tags": ("string[]", "printer"),
    }
    assert "thecustomer@example.com" not in draft["body"]  # no sample customer in what is sent


def test_a_delete_with_a_body_is_drafted():
    draft, _ = one("""curl -X DELETE https://api.example.com/v1/items/42 -d '{"reason": "duplicate"}'""")
    assert draft["method"] == "DELETE"
    assert json.loads(draft["body"]) == {"reason": "{{reason}}"}


# -- every body and query form, every placeholder docs write ---------------------------------------


@pytest.mark.parametrize(
    ("command", "where"),
    [
        ("curl https://api.example.com/v1/customers -d name='Jenny Rosen' -d plan=gold", "form"),
        (
            "curl https://api.example.com/v1/customers --data-urlencode 'name=Jenny Rosen' -d plan=gold",
            "form",
        ),
        ("curl https://api.example.com/v1/customers -F 'name=Jenny Rosen' -F plan=gold", "form"),
        (
            "curl -G https://api.example.com/v1/customers --data-urlencode 'name=Jenny Rosen' -d plan=gold",
            "query",
        ),
        (
            """curl https://api.example.com/v1/customers --json '{"name": "Jenny Rosen", "plan": "gold"}'""",
            "json",
        ),
    ],
)
def test_sample_values_of_every_body_and_query_form_are_inputs(command, where):
    draft, notes = one(command)
    sent = draft["url"] + (draft["body"] or "")
    assert "Jenny" not in sent and "gold" not in sent
    assert {i["name"]: i.get("example") for i in draft["inputs"]} == {"name": "Jenny Rosen", "plan": "gold"}
    if where == "query":
        assert draft["url"].endswith("?name={{name}}&plan={{plan}}")
    else:
        assert json.loads(draft["body"]) == {"name": "{{name}}", "plan": "{{plan}}"}
        assert draft.get("body_format", "json") == ("json" if where == "json" else "form")
    if "-F" in command:
        assert "not as multipart/form-data" in notes


@pytest.mark.parametrize(
    ("segment", "name"),
    [
        ("$ISSUE_NUMBER", "issue_number"),
        ("${ISSUE_NUMBER}", "issue_number"),
        ("ISSUE_NUMBER", "issue_number"),
        ("OWNER", "owner"),
        ("<issue number>", "issue_number"),
        ("{{issue_number}}", "issue_number"),
        ("YOUR_ISSUE_NUMBER", "issue_number"),
    ],
)
def test_placeholders_in_the_path_are_inputs(segment, name):
    draft, _ = one(f"curl 'https://api.example.com/v3/repos/{segment}/comments'")
    assert draft["url"] == "https://api.example.com/v3/repos/{{" + name + "}}/comments"
    assert [i["name"] for i in draft["inputs"]] == [name]


def test_upper_case_words_of_the_api_itself_stay_literal():
    draft, _ = one("curl https://api.example.com/v1/JSON/items")
    assert draft["url"] == "https://api.example.com/v1/JSON/items" and draft["inputs"] == []


@pytest.mark.parametrize("value", ["{{note}}", "<note text>", "$NOTE", "${NOTE}", "{note}"])
def test_placeholders_in_values_are_inputs_named_by_them(value):
    draft, _ = one(f"curl https://api.example.com/v1/notes --data-urlencode 'note={value}'")
    (inp,) = draft["inputs"]
    assert json.loads(draft["body"]) == {"note": "{{" + inp["name"] + "}}"}
    assert inp["name"] in ("note", "note_text") and inp["example"] is None
    query, _ = one(f"curl 'https://api.example.com/v1/notes?q={value}'")
    assert query["url"].endswith("?q={{" + query["inputs"][0]["name"] + "}}")


@pytest.mark.parametrize("value", ["{{tenant}}", "<tenant id>", "$TENANT", "{tenant}"])
def test_a_placeholder_in_a_header_is_a_secret_never_an_input(value):
    draft, notes = one(f"curl https://api.example.com/v1/notes -H 'X-Tenant: {value}'")
    assert draft["headers"] == {"X-Tenant": "{{secret.EXAMPLE_X_TENANT}}"} and draft["inputs"] == []
    assert "store the value of the X-Tenant header as secret EXAMPLE_X_TENANT" in notes


@pytest.mark.parametrize(
    ("header", "kept"),
    [
        ("Token token=y_NbAkKc66ryYTWUXYEu", "Token token="),
        ("Bot MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ", "Bot "),
        ("token ghp_16C7e42F292c6912E7710c838347Ae178B4a", "token "),
        ("SSWS 00QCjAl4MlV-WPXM", "SSWS "),
    ],
)
def test_an_authorization_scheme_keeps_its_prefix(header, kept):
    draft, _ = one(f"curl https://api.example.com/v1/me -H 'Authorization: {header}'")
    assert draft["headers"]["Authorization"] == kept + "{{secret.EXAMPLE_AUTHORIZATION}}"
    assert header.split()[-1] not in json.dumps(draft)


def test_lists_are_string_list_inputs_and_one_sample_object_is_walked():
    draft, _ = one(
        """curl https://api.example.com/v3/mail -H 'Content-Type: application/json' -d '"""
        """{"to": [{"email": "a@example.com"}], "tags": ["x", "y"], "items": [{"a": 1}, {"a": 2}]}'"""
    )
    body = json.loads(draft["body"])
    assert body["to"] == [{"email": "{{to_email}}"}]
    assert body["tags"] == "{{tags}}" and body["items"] == [{"a": 1}, {"a": 2}]
    types = {i["name"]: i["type"] for i in draft["inputs"]}
    assert types == {"to_email": "email", "tags": "string[]"}


def test_a_repeated_or_bracketed_form_field_is_one_list_input():
    draft, _ = one("curl https://api.example.com/v1/m -F to=a@example.com -F to=b@example.com -d 'ids[]=7'")
    assert json.loads(draft["body"]) == {"to": "{{to}}", "ids[]": "{{ids}}"}
    assert {i["name"]: i["type"] for i in draft["inputs"]} == {"to": "string[]", "ids": "string[]"}


@pytest.mark.parametrize(
    ("option", "shown"),
    [
        ("-F photo=@cat.gif", "'cat.gif'"),
        ("-F 'photo=@cat.gif;type=image/gif'", "'cat.gif'"),
        ("-F 'bio=<bio.txt'", "'bio.txt'"),
    ],
)
def test_a_multipart_file_is_refused_naming_the_file(option, shown):
    result = import_curl(f"curl https://api.example.com/v1/upload -F name=x {option}")
    assert result.drafts == []
    assert f"uploads the local file {shown}" in result.skipped[0].reason
