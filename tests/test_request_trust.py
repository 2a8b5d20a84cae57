"""Trust at the request and response edges of the executor, class by class:

* a response Python's JSON parser cannot hold (digit limit, NaN) or a store cannot keep (beyond
  64 bits, lone surrogates, NUL) is an outcome, never an exception: the call stays recorded as
  sent and an identical non-idempotent call is not sent again;
* an argument in a header value is data: it cannot add a cookie, a list item or a parameter;
* a redirect reaches an allow-listed private host only when the action's own URL is on it;
* a secret in the body is resolved, masked in every preview, and never follows a redirect to
  another origin.
"""

from __future__ import annotations

import json

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.agent_fixtures import LocalAPI, make_agent
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tests.support.servers import serve
from tests.test_guard import resolver_for
from tools.action import ActionDefinition
from tools.errors import ToolArgumentsError
from tools.executor import ActionExecutor, ExecutorSettings
from tools.outcome import OutcomeKind
from tools.request_builder import StaticSecrets, build_request
from tools.validation import validate_action

HUGE = "9" * 5000
BODIES = {
    "5000-digit integer": '{"refund_id": "R-1", "amount": ' + HUGE + "}",
    "nested too deeply": '{"refund_id": ' + "[" * 100_000 + "]" * 100_000 + "}",
}
STORABLE = {
    "NaN": ('{"refund_id": NaN}', "nan"),
    "Infinity": ('{"refund_id": -Infinity}', "-inf"),
    "beyond a float": ('{"refund_id": 1e999}', "inf"),
    "beyond 64 bits": ('{"refund_id": 123456789012345678901234567890}', "123456789012345678901234567890"),
    "lone surrogate": ('{"refund_id": "R\\ud800-1"}', "R\ufffd-1"),
    "NUL": ('{"refund_id": "R\\u0000-1"}', "R\ufffd-1"),
}


def _api(body: str, log: list) -> Starlette:
    async def refunds(request: Request):
        log.append(await request.body())
        return Response(body, status_code=201, media_type="application/json")

    return Starlette(routes=[Route("/refunds", refunds, methods=["POST"])])


def _refund(base: str) -> dict:
    return {
        "name": "issue_refund",
        "title": "Issue a refund",
        "method": "POST",
        "url": f"{base}/refunds",
        "trigger": "Use when the customer asks for a refund of an order.",
        "inputs": [{"name": "order_id", "description": "Order", "pattern": "^ORD-[0-9]+$"}],
        "body": '{"order_id": "{{order_id}}"}',
        "requires_confirmation": False,
        "response_selection": {"fields": {"refund": "refund_id", "amount": "amount"}},
    }


@pytest.mark.parametrize("case", list(BODIES))
async def test_an_unusable_json_response_is_invalid_response(case):
    log: list = []
    with serve(_api(BODIES[case], log)) as base:
        async with ActionExecutor(
            ExecutorSettings(allow_hosts=(base.split("://")[1],)), StaticSecrets({})
        ) as executor:
            outcome = await executor.execute(
                ActionDefinition.model_validate(_refund(base)), {"order_id": "ORD-1"}
            )
    assert outcome.kind is OutcomeKind.INVALID_RESPONSE, outcome.summary
    assert outcome.status == 201 and len(log) == 1
    json.dumps(outcome.model_dump(mode="json"), allow_nan=False)  # the outcome itself is storable


@pytest.mark.parametrize("case", list(STORABLE))
async def test_values_no_store_could_keep_are_made_storable(case):
    body, expected = STORABLE[case]
    with serve(_api(body, [])) as base:
        async with ActionExecutor(
            ExecutorSettings(allow_hosts=(base.split("://")[1],)), StaticSecrets({})
        ) as executor:
            outcome = await executor.execute(
                ActionDefinition.model_validate(_refund(base)), {"order_id": "ORD-1"}
            )
    assert outcome.kind is OutcomeKind.OK, outcome.summary
    assert outcome.data["refund"] == expected
    json.dumps(outcome.model_dump(mode="json"), allow_nan=False).encode("utf-8")


@pytest.mark.parametrize("case", [*BODIES, *STORABLE])
async def test_in_chat_the_call_is_recorded_and_never_sent_twice(tmp_path, demo_api, case):
    """The turn ends with an answer, the ledger row has its outcome, and the identical refund
    asked again is refused as a repeat instead of being sent a second time."""
    body = BODIES.get(case) or STORABLE[case][0]
    log: list = []
    with serve(_api(body, log)) as base:
        model = ScriptedChatModel().script(
            tool_call("issue_refund", order_id="ORD-7"),
            "I have sent the refund request.",
            tool_call("issue_refund", order_id="ORD-7"),
        )
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        async with (
            AsyncSqliteSaver.from_conn_string(str(tmp_path / "cp.db")) as saver,
            make_agent(tmp_path, LocalAPI(base), model, actions=[_refund(base)], checkpointer=saver) as agent,
        ):
            first = await agent.send("s1", "refund ORD-7 please")
            second = await agent.send("s1", "refund ORD-7 please, again")
            rows = agent.stores.ledger.count(session_id="s1", action="issue_refund")
    assert len(log) == 1, "the refund was sent twice"
    assert first.reply and first.reply["text"], first.events
    assert not any("internal error" in json.dumps(e) for e in first.events)
    outcome = next(e for e in first.events if e["type"] == "outcome")
    assert outcome["kind"] in ("ok", "invalid_response")
    assert second.reply and "already sent" in second.reply["text"], second.events
    assert rows == 1


# -- header values ---------------------------------------------------------------------------


def _header_action(headers: dict) -> ActionDefinition:
    return ActionDefinition.model_validate(
        {
            "name": "prefs",
            "url": "https://api.example.com/prefs",
            "trigger": "Preferences.",
            "inputs": [{"name": "lang", "description": "Language"}],
            "headers": headers,
        }
    )


INJECTIONS = ["en; role=admin", "en;role=admin", "en, fr", "en,session=forged", "a;b", "x,"]
COOKIE_ONLY = ['en "x"', "en x", "en\\x", "en\tx"]


@pytest.mark.parametrize("header", ["Cookie", "Accept-Language", "X-Forwarded-For", "X-Lang", "Prefer"])
@pytest.mark.parametrize("value", INJECTIONS)
async def test_an_argument_cannot_add_items_or_parameters_to_a_header(header, value):
    template = "lang={{lang}}; theme=dark" if header == "Cookie" else "{{lang}}"
    with pytest.raises(ToolArgumentsError, match="lang"):
        await build_request(_header_action({header: template}), {"lang": value}, StaticSecrets({}))


@pytest.mark.parametrize("value", COOKIE_ONLY)
async def test_a_cookie_value_cannot_break_cookie_syntax(value):
    with pytest.raises(ToolArgumentsError, match="cookie"):
        await build_request(_header_action({"Cookie": "lang={{lang}}"}), {"lang": value}, StaticSecrets({}))


@pytest.mark.parametrize("header", ["Cookie", "X-Lang"])
async def test_plain_header_values_still_pass(header):
    prepared = await build_request(
        _header_action({header: "lang={{lang}}"}), {"lang": "en-GB_2"}, StaticSecrets({})
    )
    assert (header, "lang=en-GB_2") in prepared.headers


# -- redirects and the allow-list -----------------------------------------------------------------


def _redirecting(target: str, log: list) -> Starlette:
    async def hop(request: Request):
        log.append(("hop", request.headers.get("host")))
        return Response(status_code=302, headers={"location": target})

    async def landing(request: Request):
        log.append(("landing", request.headers.get("host")))
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/hop", hop), Route("/landing", landing)])


@pytest.mark.parametrize("target_host", ["internal.test", "127.0.0.1"])
async def test_a_redirect_cannot_reach_another_allow_listed_private_host(target_host):
    log: list = []
    landing_app = _redirecting("", log)
    with serve(landing_app) as internal:
        port = int(internal.rsplit(":", 1)[1])
        target = f"http://{target_host}:{port}/landing"
        with serve(_redirecting(target, log)) as front:
            front_port = int(front.rsplit(":", 1)[1])
            resolve = resolver_for({"front.test": ["127.0.0.1"], "internal.test": ["127.0.0.1"]})
            settings = ExecutorSettings(allow_hosts=(f"front.test:{front_port}", f"{target_host}:{port}"))
            async with ActionExecutor(settings, StaticSecrets({}), resolver=resolve) as executor:
                action = ActionDefinition.model_validate(
                    {"name": "probe", "url": f"http://front.test:{front_port}/hop", "trigger": "x"}
                )
                outcome = await executor.execute(action, {})
                direct = await executor.execute(
                    ActionDefinition.model_validate({"name": "probe", "url": target, "trigger": "x"}), {}
                )
    assert outcome.kind is OutcomeKind.BLOCKED, outcome.summary
    assert "redirect" in outcome.summary
    assert direct.kind is OutcomeKind.OK  # the host itself stays reachable by its own actions
    assert [entry[0] for entry in log] == ["hop", "landing"]  # the landing came from `direct`


async def test_a_redirect_within_the_actions_own_host_is_followed():
    log: list = []
    with serve(_redirecting("/landing", log)) as base:
        host = base.split("://")[1]
        async with ActionExecutor(ExecutorSettings(allow_hosts=(host,)), StaticSecrets({})) as ex:
            outcome = await ex.execute(
                ActionDefinition.model_validate({"name": "probe", "url": f"{base}/hop", "trigger": "x"}), {}
            )
    assert outcome.kind is OutcomeKind.OK, outcome.summary


# -- secrets in the body --------------------------------------------------------------------------

BODY_SECRET = "body-secret-4e1f9a"


def _login_action(url: str) -> dict:
    return {
        "name": "create_session",
        "method": "POST",
        "url": url,
        "trigger": "Log in.",
        "inputs": [{"name": "user", "description": "User"}],
        "body": '{"user": "{{user}}", "auth": {"api_key": "{{secret.LOGIN_KEY}}", '
        '"note": "key={{secret.LOGIN_KEY}}"}}',
        "requires_confirmation": False,
    }


def _echo_body(log: list, redirect_to: str | None = None, status: int = 307) -> Starlette:
    async def login(request: Request):
        log.append(await request.body())
        if redirect_to:
            return Response(status_code=status, headers={"location": redirect_to})
        return JSONResponse({"echo": json.loads(await request.body())})

    return Starlette(routes=[Route("/login", login, methods=["POST", "GET"])])


async def test_a_body_secret_is_sent_resolved_and_masked_everywhere_else():
    assert validate_action(_login_action("https://api.example.com/login")).body
    log: list = []
    with serve(_echo_body(log)) as base:
        secrets = StaticSecrets({"LOGIN_KEY": BODY_SECRET})
        async with ActionExecutor(ExecutorSettings(allow_hosts=(base.split("://")[1],)), secrets) as ex:
            action = ActionDefinition.model_validate(_login_action(f"{base}/login"))
            preview = await ex.preview(action, {"user": "ada"})
            outcome = await ex.execute(action, {"user": "ada"})
    sent = json.loads(log[0])
    assert sent == {"user": "ada", "auth": {"api_key": BODY_SECRET, "note": f"key={BODY_SECRET}"}}
    assert preview.body == {"user": "ada", "auth": {"api_key": "***", "note": "key=***"}}
    assert outcome.kind is OutcomeKind.OK
    assert BODY_SECRET not in outcome.model_dump_json()


async def test_a_body_secret_that_is_not_set_is_a_config_error_naming_it():
    async with ActionExecutor(ExecutorSettings(), StaticSecrets({})) as ex:
        action = ActionDefinition.model_validate(_login_action("https://api.example.com/login"))
        outcome = await ex.execute(action, {"user": "ada"})
        preview = await ex.preview(action, {"user": "ada"})
    assert outcome.kind is OutcomeKind.CONFIG_ERROR and "LOGIN_KEY" in outcome.summary
    assert preview.body["auth"]["api_key"] == "***"


@pytest.mark.parametrize("status", [307, 308])
async def test_a_body_secret_never_follows_a_redirect_to_another_origin(status):
    log: list = []
    other_log: list = []
    with serve(_echo_body(other_log)) as other:
        with serve(_echo_body(log, redirect_to=f"{other}/login", status=status)) as base:
            hosts = (base.split("://")[1], other.split("://")[1])
            secrets = StaticSecrets({"LOGIN_KEY": BODY_SECRET})
            async with ActionExecutor(ExecutorSettings(allow_hosts=hosts), secrets) as ex:
                action = ActionDefinition.model_validate(_login_action(f"{base}/login"))
                outcome = await ex.execute(action, {"user": "ada"})
    assert outcome.kind is OutcomeKind.BLOCKED, outcome.summary
    assert other_log == []  # nothing reached the other origin


async def test_a_303_drops_the_body_so_the_redirect_is_followed():
    log: list = []
    other_log: list = []
    with serve(_echo_body(other_log)) as other:
        with serve(_echo_body(log, redirect_to=f"{other}/login", status=303)) as base:
            hosts = (base.split("://")[1], other.split("://")[1])
            async with ActionExecutor(
                ExecutorSettings(allow_hosts=hosts), StaticSecrets({"LOGIN_KEY": BODY_SECRET})
            ) as ex:
                action = ActionDefinition.model_validate(_login_action(f"{base}/login"))
                outcome = await ex.execute(action, {"user": "ada"})
    assert other_log == [b""]  # a GET without the body
    assert outcome.kind is not OutcomeKind.BLOCKED
