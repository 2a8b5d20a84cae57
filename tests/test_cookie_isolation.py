"""No request carries a cookie its action's definition did not write.

The executor's HTTP client is shared by every action, session and host, so a cookie jar in it
would carry a `Set-Cookie` from one call into the next: another customer's session, another
action, another host name on the same address, the next hop of a redirect, or a call that was
approved from a preview that did not show it. Each of those is tried against a real local server
that sets a cookie on every response and records the `Cookie` header of every request it gets.
"""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.support.agent_fixtures import LocalAPI, make_agent
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tests.support.servers import serve
from tests.test_guard import resolver_for
from tools.action import ActionDefinition
from tools.auth import StaticAuth, validate_auth
from tools.executor import ActionExecutor, ExecutorSettings
from tools.http_client import make_http_client
from tools.request_builder import StaticSecrets

SET_COOKIE = "sid=from-the-api; Path=/"


def _cookie_api(seen: list[tuple[str, str | None]]) -> Starlette:
    """Every response sets cookies (host-only, domain-wide and expiring far ahead)."""

    def _set(response: Response) -> Response:
        response.headers.append("set-cookie", SET_COOKIE)
        response.headers.append("set-cookie", "wide=1; Path=/; Max-Age=3600")
        return response

    async def record(request: Request) -> Response:
        seen.append((request.url.path, request.headers.get("cookie")))
        if request.url.path == "/login":
            return _set(RedirectResponse("/orders", status_code=302))
        if request.url.path == "/token":
            return _set(JSONResponse({"access_token": "tok-1", "token_type": "bearer", "expires_in": 3600}))
        return _set(JSONResponse({"status": "ok", "order_id": "ORD-1"}))

    return Starlette(
        routes=[Route(p, record, methods=["GET", "POST"]) for p in ("/orders", "/other", "/login", "/token")]
    )


def _action(base: str, path: str = "/orders", **extra) -> ActionDefinition:
    return ActionDefinition.model_validate(
        {
            "name": f"get{path.replace('/', '_')}",
            "title": "Get an order",
            "method": "GET",
            "url": f"{base}{path}",
            "trigger": "Use when the customer asks about an order.",
            "requires_confirmation": False,
            **extra,
        }
    )


def _executor(base: str, **kw) -> ActionExecutor:
    host, port = base.split("://")[1], base.rsplit(":", 1)[1]
    hosts = (host, f"a.test:{port}", f"b.test:{port}")
    return ActionExecutor(ExecutorSettings(allow_hosts=hosts), StaticSecrets({}), **kw)


def _cookies(seen: list[tuple[str, str | None]]) -> list[str | None]:
    return [cookie for _, cookie in seen]


async def test_a_set_cookie_never_comes_back_on_the_same_or_another_action():
    seen: list[tuple[str, str | None]] = []
    with serve(_cookie_api(seen)) as base:
        async with _executor(base) as executor:
            for action in (_action(base), _action(base), _action(base, "/other"), _action(base)):
                assert (await executor.execute(action, {})).kind.value == "ok"
    assert [p for p, _ in seen] == ["/orders", "/orders", "/other", "/orders"]
    assert _cookies(seen) == [None] * 4


async def test_a_cookie_set_for_one_host_name_never_reaches_another_on_the_same_address():
    seen: list[tuple[str, str | None]] = []
    with serve(_cookie_api(seen)) as base:
        port = base.rsplit(":", 1)[1]
        resolve = resolver_for({"a.test": ["127.0.0.1"], "b.test": ["127.0.0.1"]})
        async with _executor(base, resolver=resolve) as executor:
            for host in ("a.test", "b.test", "a.test"):
                outcome = await executor.execute(_action(f"http://{host}:{port}"), {})
                assert outcome.kind.value == "ok", outcome.summary
    assert _cookies(seen) == [None, None, None]


async def test_a_cookie_set_by_a_redirect_is_not_sent_on_the_next_hop():
    seen: list[tuple[str, str | None]] = []
    with serve(_cookie_api(seen)) as base:
        async with _executor(base) as executor:
            outcome = await executor.execute(_action(base, "/login"), {})
            again = await executor.execute(_action(base, "/login"), {})
    assert outcome.kind.value == "ok" and again.kind.value == "ok"
    assert [p for p, _ in seen] == ["/login", "/orders", "/login", "/orders"]
    assert _cookies(seen) == [None] * 4


async def test_only_the_cookie_the_definition_writes_is_sent():
    seen: list[tuple[str, str | None]] = []
    with serve(_cookie_api(seen)) as base:
        action = _action(base, headers={"Cookie": "team=set-by-definition"})
        async with _executor(base) as executor:
            preview = await executor.preview(action, {})
            for _ in range(2):
                await executor.execute(action, {})
    assert [n for n in preview.headers if n.lower() == "cookie"] == ["Cookie"]  # shown (masked)
    assert _cookies(seen) == ["team=set-by-definition"] * 2


async def test_a_client_handed_in_with_its_own_jar_neither_sends_nor_keeps_cookies():
    seen: list[tuple[str, str | None]] = []
    with serve(_cookie_api(seen)) as base:
        host = base.split("://")[1].split(":")[0]
        for client in (httpx.AsyncClient(), make_http_client()):
            client.cookies.set("planted", "1", domain=host)
            async with client, _executor(base, client=client) as executor:
                for _ in range(2):
                    await executor.execute(_action(base), {})
            assert "sid" not in client.cookies
    assert _cookies(seen) == [None] * 4


async def test_a_cookie_set_by_the_token_endpoint_is_not_sent_with_the_call():
    seen: list[tuple[str, str | None]] = []
    with serve(_cookie_api(seen)) as base:
        setting = validate_auth(
            {
                "name": "api",
                "kind": "oauth2_client_credentials",
                "token_url": f"{base}/token",
                "client_id_secret": "CLIENT_ID",
                "client_secret_secret": "CLIENT_SECRET",
            }
        )
        host = base.split("://")[1]
        async with ActionExecutor(
            ExecutorSettings(allow_hosts=(host,)),
            StaticSecrets({"CLIENT_ID": "id", "CLIENT_SECRET": "s3cret-value"}),
            auth=StaticAuth([setting]),
        ) as executor:
            for _ in range(2):
                outcome = await executor.execute(_action(base, auth="api"), {})
                assert outcome.kind.value == "ok", outcome.summary
    assert [p for p, _ in seen] == ["/token", "/orders", "/orders"]
    assert _cookies(seen) == [None] * 3


@pytest.mark.parametrize("confirm", [False, True])
async def test_a_cookie_from_one_session_never_reaches_another_session(tmp_path, confirm):
    """Through the agent: session A's call sets a cookie; session B's call (after its preview
    and approval, when the action asks) carries none, and neither does A's next call."""
    seen: list[tuple[str, str | None]] = []
    with serve(_cookie_api(seen)) as base:
        definition = _action(base).model_dump(mode="json") | {"requires_confirmation": confirm}
        script = [tool_call(definition["name"]), "Done."] * 3
        async with make_agent(
            tmp_path, LocalAPI(base), ScriptedChatModel(replies=script), actions=[definition]
        ) as agent:
            for session in ("session-a", "session-b", "session-a"):
                result = await agent.send(session, "what about my order?")
                if confirm:
                    assert result.interrupt is not None and result.interrupt["kind"] == "confirm"
                    assert "cookie" not in str(result.interrupt["request"]).lower()
                    result = await agent.resume(session, {"decision": "approve"})
                assert result.reply
    assert [p for p, _ in seen] == ["/orders"] * 3
    assert _cookies(seen) == [None] * 3
