"""Shared auth settings against the demo API under uvicorn: the four kinds, the OAuth2 token's
fetch, cache, expiry and one refresh on 401, failures as config_error, the guard on the token
URL, and the token and client secret kept out of everything the executor returns."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from demo.api import create_app
from tests.support.servers import serve
from tools.auth import AuthKind, AuthSetting, AuthValidationError, StaticAuth, validate_auth
from tools.errors import ActionValidationError
from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
from tools.outcome import OutcomeKind
from tools.validation import validate_action

TOKEN = "static-token-0e1d"
CLIENT_ID = "northwind-support"
CLIENT_SECRET = "cs_9f8e&7d=6c%5b"  # form-special characters: they must survive the encodings
LIFETIME = 600


class Api:
    def __init__(self, base_url: str, app):
        self.base_url, self.app = base_url, app
        self.host = base_url.split("://", 1)[1]

    @property
    def oauth(self):
        return self.app.state.oauth


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    app = create_app(TOKEN, oauth_clients={CLIENT_ID: CLIENT_SECRET}, token_lifetime=LIFETIME)
    with serve(app) as base_url:
        yield Api(base_url, app)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


SECRETS = {
    "CLIENT_ID": CLIENT_ID,
    "CLIENT_SECRET": CLIENT_SECRET,
    "STATIC_TOKEN": TOKEN,
    "KEY": "k3y-value-77",
}


def oauth_setting(api: Api, **extra) -> AuthSetting:
    return validate_auth(
        {
            "name": "gateway",
            "kind": "oauth2_client_credentials",
            "token_url": f"{api.base_url}/oauth/token",
            "client_id_secret": "CLIENT_ID",
            "client_secret_secret": "CLIENT_SECRET",
            "scope": "orders:read",
            **extra,
        }
    )


def action(api: Api, path: str = "/api/debug/echo", method: str = "GET", auth: str = "gateway", **extra):
    return validate_action(
        {
            "name": "probe",
            "trigger": "when testing auth",
            "method": method,
            "url": f"{api.base_url}{path}",
            "auth": auth,
            **extra,
        }
    )


def make_executor(
    api: Api, settings: list[AuthSetting], clock=None, secrets=None, hosts=None
) -> ActionExecutor:
    return ActionExecutor(
        ExecutorSettings(allow_hosts=hosts or (api.host,), backoff_seconds=0.01),
        StaticSecrets(secrets or SECRETS),
        auth=StaticAuth(settings),
        **({"clock": clock} if clock else {}),
    )


@pytest.fixture(autouse=True)
def fresh_tokens(api: Api) -> None:
    api.oauth.tokens.clear()
    api.oauth.token_requests = 0


def live_token(api: Api) -> str:
    (token,) = api.oauth.tokens
    return token


# -- definitions -----------------------------------------------------------------------------------


def test_every_problem_of_a_setting_is_listed_with_its_field():
    with pytest.raises(AuthValidationError) as err:
        validate_auth(
            {
                "name": "Bad Name",
                "kind": "oauth2_client_credentials",
                "token_url": "ftp://user:pw@tokens.example/{{x}}",
                "client_id_secret": "lower-case",
                "header_name": "X-Key",
            }
        )
    paths = err.value.by_path()
    assert {"name", "token_url", "client_id_secret", "client_secret_secret", "header_name"} <= set(paths)
    assert "auth setting" in str(err.value)
    with pytest.raises(AuthValidationError) as err:
        validate_auth(
            {"name": "k", "kind": "api_key_header", "header_name": "Content-Type", "key_secret": "K"}
        )
    assert "header_name" in err.value.by_path()
    with pytest.raises(AuthValidationError) as err:
        validate_auth({"name": "k", "kind": "magic"})
    assert "kind" in err.value.by_path()


def test_an_action_names_a_setting_and_does_not_also_set_its_header(api):
    assert action(api).auth == "gateway"
    with pytest.raises(ActionValidationError) as err:
        action(api, headers={"Authorization": "Bearer {{secret.STATIC_TOKEN}}"})
    assert "headers.Authorization" in err.value.by_path()
    with pytest.raises(ActionValidationError) as err:
        action(api, auth="Not A Name")
    assert "auth" in err.value.by_path()


# -- the static kinds -----------------------------------------------------------------------------


async def test_bearer_api_key_and_basic_headers(api):
    settings = [
        validate_auth({"name": "b", "kind": "bearer", "token_secret": "STATIC_TOKEN"}),
        validate_auth(
            {"name": "k", "kind": "api_key_header", "header_name": "X-Api-Key", "key_secret": "KEY"}
        ),
        validate_auth(
            {
                "name": "basic",
                "kind": "basic",
                "username_secret": "CLIENT_ID",
                "password_secret": "CLIENT_SECRET",
            }
        ),
    ]
    async with make_executor(api, settings) as ex:
        ok = await ex.execute(action(api, "/api/orders/ORD-1001", auth="b"), {})
        assert ok.kind is OutcomeKind.OK and ok.data["order_id"] == "ORD-1001"
        assert ok.request is not None
        assert ok.request.headers["Authorization"] == "Bearer ***"
        keyed = await ex.execute(action(api, auth="k"), {})
        basic = await ex.execute(action(api, auth="basic"), {})
    sent = [e for e in api.app.state.request_log if e["path"] == "/api/debug/echo"]
    assert sent[-2]["headers"]["x-api-key"] == "k3y-value-77"
    assert keyed.request is not None
    assert keyed.request.headers["X-Api-Key"] == "***"
    scheme, _, value = sent[-1]["headers"]["authorization"].partition(" ")
    assert scheme == "Basic" and base64.b64decode(value).decode() == f"{CLIENT_ID}:{CLIENT_SECRET}"
    # the echo holds the sent header; none of the values leaves the executor
    for outcome in (keyed, basic):
        dumped = outcome.model_dump_json()
        assert "k3y-value-77" not in dumped and value not in dumped and CLIENT_SECRET not in dumped


async def test_an_api_key_in_authorization_keeps_its_prefix(api):
    setting = validate_auth(
        {
            "name": "pd",
            "kind": "api_key_header",
            "header_name": "Authorization",
            "key_secret": "KEY",
            "value_prefix": "Token token=",
        }
    )
    async with make_executor(api, [setting]) as ex:
        keyed = await ex.execute(action(api, auth="pd"), {})
    sent = [e for e in api.app.state.request_log if e["path"] == "/api/debug/echo"]
    assert sent[-1]["headers"]["authorization"] == "Token token=k3y-value-77"
    assert keyed.request is not None and keyed.request.headers["Authorization"] == "Token token=***"
    assert "k3y-value-77" not in keyed.model_dump_json()


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ({"kind": "bearer", "token_secret": "T", "value_prefix": "Bot "}, "only applies to api_key_header"),
        (
            {"kind": "api_key_header", "header_name": "X-K", "key_secret": "K", "value_prefix": "a\nb"},
            "printable",
        ),
    ],
)
def test_a_value_prefix_is_checked(setting, problem):
    with pytest.raises(ActionValidationError) as err:
        validate_auth({"name": "x", **setting})
    assert problem in str(err.value)


async def test_a_missing_setting_or_secret_is_a_config_error_and_nothing_is_sent(api):
    async with make_executor(api, [oauth_setting(api)], secrets={"CLIENT_ID": CLIENT_ID}) as ex:
        before = len(api.app.state.request_log)
        unknown = await ex.execute(action(api, auth="nowhere"), {})
        unset = await ex.execute(action(api), {})
    assert unknown.kind is OutcomeKind.CONFIG_ERROR and "'nowhere' does not exist" in unknown.summary
    assert unset.kind is OutcomeKind.CONFIG_ERROR and "'CLIENT_SECRET'" in unset.summary
    assert len(api.app.state.request_log) == before


# -- OAuth2 client credentials ----------------------------------------------------------------------


async def test_the_token_is_fetched_once_cached_and_used(api):
    async with make_executor(api, [oauth_setting(api)]) as ex:
        first = await ex.execute(action(api, "/api/orders/ORD-1001"), {})
        second = await ex.execute(
            action(
                api,
                "/api/callbacks",
                "POST",
                body_format="form",
                body='{"phone": "5550100", "preferred_time": "morning"}',
            ),
            {},
        )
        many = await asyncio.gather(*(ex.execute(action(api, "/api/orders/ORD-1001"), {}) for _ in range(5)))
    assert first.kind is second.kind is OutcomeKind.OK, (first.summary, second.summary)
    assert all(o.kind is OutcomeKind.OK for o in many)
    assert api.oauth.token_requests == 1
    token_call = next(e for e in api.app.state.request_log if e["path"] == "/oauth/token")
    assert token_call["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert api.oauth.last_form == {"grant_type": "client_credentials", "scope": "orders:read"}
    user, _, password = (
        base64.b64decode(token_call["headers"]["authorization"].split()[1]).decode().partition(":")
    )
    assert (user, password) == (CLIENT_ID, "cs_9f8e%267d%3D6c%255b")  # form-encoded, RFC 6749 2.3.1


async def test_client_credentials_in_the_body(api):
    async with make_executor(
        api, [oauth_setting(api, client_auth="body", scope=None, audience="orders")]
    ) as ex:
        outcome = await ex.execute(action(api, "/api/orders/ORD-1001"), {})
    assert outcome.kind is OutcomeKind.OK, outcome.summary
    assert api.oauth.last_form == {
        "grant_type": "client_credentials",
        "audience": "orders",
        "client_id": CLIENT_ID,
    }


async def test_an_expired_token_is_fetched_again_before_use(api):
    clock = Clock()
    async with make_executor(api, [oauth_setting(api)], clock=clock) as ex:
        await ex.execute(action(api, "/api/orders/ORD-1001"), {})
        clock.now += LIFETIME - 61  # inside the lifetime, outside the safety margin (30 s)
        await ex.execute(action(api, "/api/orders/ORD-1001"), {})
        assert api.oauth.token_requests == 1
        clock.now += 40  # within 30 s of the expiry: treated as expired
        outcome = await ex.execute(action(api, "/api/orders/ORD-1001"), {})
    assert outcome.kind is OutcomeKind.OK
    assert api.oauth.token_requests == 2


async def test_a_401_replaces_the_token_once_then_the_request_is_sent_again(api, demo_api):
    async with make_executor(api, [oauth_setting(api)]) as ex:
        assert (await ex.execute(action(api, "/api/orders/ORD-1001"), {})).kind is OutcomeKind.OK
        api.oauth.tokens.clear()  # the gateway rotated its keys: the cached token is refused
        before = len(api.app.state.request_log)
        outcome = await ex.execute(action(api, "/api/orders/ORD-1001"), {})
        assert outcome.kind is OutcomeKind.OK, outcome.summary
        assert api.oauth.token_requests == 2
        paths = [e["path"] for e in api.app.state.request_log[before:]]
        assert paths == ["/api/orders/ORD-1001", "/oauth/token", "/api/orders/ORD-1001"]
        # an API that keeps answering 401: one refresh, then the 401 is the outcome
        refused = await ex.execute(action(api, "/api/debug/status/401"), {})
    assert refused.kind is OutcomeKind.HTTP_ERROR and refused.status == 401
    assert api.oauth.token_requests == 3


async def _broken_token_endpoint(request: Request) -> Response:
    """Token endpoints that answer wrongly, one per path."""
    kind = request.path_params["kind"]
    if kind == "500":
        return JSONResponse({"error": "server_error"}, 500)
    if kind == "html":
        return Response("<html>login</html>", media_type="text/html")
    if kind == "mac":
        return JSONResponse({"access_token": "mac-tok-123456", "token_type": "mac"})
    if kind == "echo-secret":  # an error that quotes the credentials it was sent
        return JSONResponse({"error": "bad", "got": request.headers.get("authorization", "")}, 400)
    if kind == "jwt":  # a token carrying the client id, base64-encoded, as JWTs do
        return JSONResponse({"access_token": JWT_LIKE, "token_type": "bearer", "expires_in": 60})
    return JSONResponse({"token_type": "Bearer", "expires_in": 60})


JWT_LIKE = "eyJhbGciOiJub25lIn0." + base64.b64encode(CLIENT_ID.encode()).decode() + ".c2ln"


SEEN: list[str] = []


async def _seen_authorization(request: Request) -> Response:
    SEEN.append(request.headers.get("authorization", ""))
    return JSONResponse({"seen": request.headers.get("authorization", "")})


@pytest.fixture(scope="module")
def broken() -> Iterator[str]:
    app = Starlette(
        routes=[
            Route("/seen", _seen_authorization, methods=["GET"]),
            Route("/{kind}", _broken_token_endpoint, methods=["POST"]),
        ]
    )
    with serve(app) as base_url:
        yield base_url


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"client_secret_secret": "KEY"}, "401 Unauthorized (invalid_client)"),
        ({"token_url": "{broken}/500"}, "500 Internal Server Error (server_error)"),
        ({"token_url": "{broken}/html"}, "not JSON"),
        ({"token_url": "{broken}/mac"}, "only bearer tokens"),
        ({"token_url": "{broken}/none"}, "no usable access_token"),
        ({"token_url": "{broken}/echo-secret"}, "400 Bad Request"),
        ({"token_url": "http://169.254.169.254/latest/meta-data/iam"}, "blocked"),
        ({"token_url": "http://10.0.0.7/oauth/token"}, "blocked"),
        ({"token_url": "http://127.0.0.1:1/oauth/token"}, "blocked"),
    ],
)
async def test_every_token_failure_is_a_config_error_without_secrets(api, broken, change, expected):
    change = {k: v.format(broken=broken) for k, v in change.items()}
    before = len([e for e in api.app.state.request_log if e["path"] == "/api/orders/ORD-1001"])
    hosts = (api.host, broken.split("://", 1)[1])
    async with make_executor(api, [oauth_setting(api, **change)], hosts=hosts) as ex:
        outcome = await ex.execute(action(api, "/api/orders/ORD-1001"), {})
    assert outcome.kind is OutcomeKind.CONFIG_ERROR, outcome.summary
    assert expected in outcome.summary and "auth setting 'gateway'" in outcome.summary
    dumped = outcome.model_dump_json()
    basic = base64.b64encode(f"{CLIENT_ID}:cs_9f8e%267d%3D6c%255b".encode()).decode()
    assert CLIENT_SECRET not in dumped and "k3y-value-77" not in dumped and basic not in dumped
    # the action's own request was never sent
    assert before == len([e for e in api.app.state.request_log if e["path"] == "/api/orders/ORD-1001"])


async def test_the_token_never_leaves_the_executor(api):
    """The echo endpoint returns the request's headers, the token among them, in every field
    an outcome can carry: data, excerpt, error text. None of them holds it."""
    async with make_executor(api, [oauth_setting(api)]) as ex:
        echoed = await ex.execute(action(api), {})
        failing = await ex.execute(action(api, "/api/debug/echo", "POST", body='{"a": 1}'), {})
        preview = await ex.preview(action(api), {})
        token = live_token(api)
        mask = await ex.redactor()
        assert mask.text(f"x {token} y") == "x *** y"  # every later outcome masks it too
    assert echoed.kind is OutcomeKind.OK
    assert echoed.data["headers"]["authorization"] == "Bearer ***"
    for outcome in (echoed, failing):
        dumped = outcome.model_dump_json()
        assert token not in dumped and CLIENT_SECRET not in dumped
    assert preview.headers["Authorization"] == "***" and token not in preview.model_dump_json()
    assert api.oauth.token_requests == 1  # a preview never fetches a token
    assert token not in repr(ex.auth) and token not in repr(oauth_setting(api))


async def test_a_rotated_client_secret_gets_its_own_token(api):
    secrets = StaticSecrets(dict(SECRETS))
    async with ActionExecutor(
        ExecutorSettings(allow_hosts=(api.host,)), secrets, auth=StaticAuth([oauth_setting(api)])
    ) as ex:
        await ex.execute(action(api, "/api/orders/ORD-1001"), {})
        secrets._values["CLIENT_SECRET"] = "cs_wrong_now"
        outcome = await ex.execute(action(api, "/api/orders/ORD-1001"), {})
    assert outcome.kind is OutcomeKind.CONFIG_ERROR and "invalid_client" in outcome.summary
    assert api.oauth.token_requests == 2


def test_settings_carry_secret_names_only():
    setting = validate_auth(
        {"name": "g", "kind": "basic", "username_secret": "USER_NAME", "password_secret": "USER_PASSWORD"}
    )
    assert setting.secret_names() == {"USER_NAME", "USER_PASSWORD"}
    assert json.loads(setting.model_dump_json())["password_secret"] == "USER_PASSWORD"


# -- the demo's auth catalog ------------------------------------------------------------------------


async def test_the_demo_auth_catalog_runs_against_the_demo_api(api):
    """demo/auth_actions.json: the shared OAuth2 setting and the form action using it, sent as
    `api-actions demo` seeds them (its URLs pointed at this test's port)."""
    from pathlib import Path

    from storage.transfer import validate_bundle

    text = (Path(__file__).resolve().parents[1] / "demo" / "auth_actions.json").read_text()
    actions, settings = validate_bundle(text.replace("http://127.0.0.1:8765", api.base_url), known_auth=set())
    (callback,) = actions
    assert callback.auth == "northwind_gateway" and callback.body_format.value == "form"
    secrets = {"DEMO_CLIENT_ID": CLIENT_ID, "DEMO_CLIENT_SECRET": CLIENT_SECRET}
    async with make_executor(api, settings, secrets=secrets) as ex:
        args = {i.name: i.example for i in callback.inputs}
        outcome = await ex.execute(callback, args)
        again = await ex.execute(callback, {**args, "note": "a&note=1"})
    assert outcome.kind is OutcomeKind.OK, outcome.summary
    assert outcome.data == {
        "Reference": api.app.state.callbacks[-2]["callback_id"],
        "Phone": "+1 555 0100",
        "Time of day": "morning",
        "Status": "scheduled",
    }
    assert again.kind is OutcomeKind.OK and api.app.state.callbacks[-1]["note"] == "a&note=1"
    assert api.oauth.token_requests == 1 and api.oauth.last_form["scope"] == "callbacks:write"


# -- end to end: the agent with stored settings ---------------------------------------------------


async def test_the_token_reaches_no_store_no_trace_and_not_the_model(api, tmp_path):
    """A conversation runs an OAuth2 action whose API echoes the request headers back: the
    model inputs, events, traces, transcript, checkpoints and every database file hold
    neither the token nor the client secret, and the catalog export names secrets only."""
    from pathlib import Path

    from agent.wiring.runtime import open_agent, open_stores
    from storage import export_json
    from tests.support.agent_fixtures import LocalAPI, settings_for
    from tests.support.scripted_model import ScriptedChatModel, tool_call

    settings = settings_for(tmp_path, LocalAPI(api.base_url))
    stores = open_stores(settings)
    for name, value in SECRETS.items():
        stores.secrets.set(name, value)
    stores.auth.save(oauth_setting(api))
    stores.actions.create(
        {
            "name": "echo_headers",
            "url": f"{api.base_url}/api/debug/echo",
            "trigger": "When the customer asks to see the headers.",
            "auth": "gateway",
        }
    )
    model = ScriptedChatModel().script(tool_call("echo_headers"), "Here they are.")
    async with open_agent(
        settings, model=model, stores=stores, executor_settings=ExecutorSettings(allow_hosts=(api.host,))
    ) as agent:
        result = await agent.send("s1", "show me the headers")
        transcript = await agent.transcript("s1")
        traces = agent.turns("s1")
        export = export_json(stores.actions)
    stores.engine.dispose()
    token = live_token(api)
    assert any(e["type"] == "outcome" and e["kind"] == "ok" for e in result.events), result.events
    model_inputs = json.dumps([[m.content for m in c["messages"]] for c in model.calls])
    assert "Bearer ***" in model_inputs  # the echoed header reached the model, masked
    places = {
        "model inputs": model_inputs,
        "events": json.dumps(result.events, default=str),
        "traces": json.dumps(traces, default=str),
        "transcript": json.dumps(transcript),
        "export": export,
    }
    for db in sorted(Path(tmp_path).glob("*.db*")):
        places[db.name] = db.read_bytes().decode("latin-1")
    assert "checkpoints.db" in " ".join(places)
    leaked = [where for where, text in places.items() if token in text or CLIENT_SECRET in text]
    assert leaked == []
    assert json.loads(export)["auth"][0]["client_secret_secret"] == "CLIENT_SECRET"


def test_the_cli_test_command_uses_a_catalog_files_auth_settings(api, tmp_path, capsys):
    """`api-actions test FILE --name ...` with `{"auth", "actions"}`: the setting's secrets come
    from --secret / ACTIONS_SECRET_<NAME>, the token is fetched and masked in the report."""
    from agent.cli.main import build_parser
    from agent.cli.trial import run as run_cli

    text = (Path(__file__).resolve().parents[1] / "demo" / "auth_actions.json").read_text()
    path = tmp_path / "catalog.json"
    path.write_text(text.replace("http://127.0.0.1:8765", api.base_url))
    argv = ["test", str(path), "--name", "request_callback", "--allow-host", api.host]
    argv += ["--args", '{"phone": "+1 555 0100", "preferred_time": "evening"}', "--json"]
    env = {"ACTIONS_SECRET_DEMO_CLIENT_ID": CLIENT_ID, "ACTIONS_SECRET_DEMO_CLIENT_SECRET": CLIENT_SECRET}
    code = run_cli(build_parser().parse_args(argv), env=env)
    out = capsys.readouterr().out
    report = json.loads(out)
    assert code == 0, out
    assert (
        report["outcome"]["kind"] == "ok"
        and report["outcome"]["request"]["headers"]["Authorization"] == "Bearer ***"
    )
    assert live_token(api) not in out and CLIENT_SECRET not in out


async def test_a_token_that_spells_the_client_id_is_sent_intact(api, broken):
    """The client id is an identifier a token may carry (a JWT's `azp`): the token read from
    the endpoint is never masked, so the API receives it whole."""
    setting = oauth_setting(api, token_url=f"{broken}/jwt")
    host = broken.split("://", 1)[1]
    async with make_executor(api, [setting], hosts=(api.host, host)) as ex:
        outcome = await ex.execute(
            action(api, auth="gateway").model_copy(update={"url": f"{broken}/seen"}), {}
        )
    assert outcome.kind is OutcomeKind.OK, outcome.summary
    assert SEEN[-1] == f"Bearer {JWT_LIKE}"
    assert outcome.data["seen"] == "Bearer ***"  # masked on the way back
    assert JWT_LIKE not in outcome.model_dump_json()


# -- one class per kind (a discriminated union) -------------------------------------------------------


def test_each_kind_is_its_own_class_and_earlier_shapes_still_load():
    """`kind` picks the class; a setting as earlier releases wrote it (every kind's fields, the
    others null) loads to that class, and is written back in exactly that shape."""
    from typing import get_args

    from tools.auth import ApiKeyHeaderAuth, BearerAuth, OAuth2ClientCredentialsAuth, parse_auth

    release_0_1_0 = (
        '{"name":"northwind_gateway","kind":"oauth2_client_credentials","description":"d",'
        '"token_secret":null,"header_name":null,"key_secret":null,"username_secret":null,'
        '"password_secret":null,"token_url":"http://127.0.0.1:8765/oauth/token",'
        '"client_id_secret":"DEMO_CLIENT_ID","client_secret_secret":"DEMO_CLIENT_SECRET",'
        '"scope":"callbacks:write","audience":null,"client_auth":"basic"}'
    )
    loaded = parse_auth(release_0_1_0)
    assert isinstance(loaded, OAuth2ClientCredentialsAuth)
    assert loaded.secret_names() == {"DEMO_CLIENT_ID", "DEMO_CLIENT_SECRET"}
    assert loaded.to_json_dict() == {**json.loads(release_0_1_0), "value_prefix": None}
    assert isinstance(parse_auth({"name": "b", "kind": "bearer", "token_secret": "T"}), BearerAuth)
    assert len(get_args(get_args(AuthSetting)[0])) == len(AuthKind)  # one class per kind

    # what approval digests and the token cache key on is unchanged from the flat model
    key = validate_auth(
        {
            "name": "orders_gateway",
            "kind": "api_key_header",
            "header_name": "X-API-Key",
            "key_secret": "ORDERS_KEY",
            "value_prefix": "Token ",
            "description": "Orders – API",
        }
    )
    assert isinstance(key, ApiKeyHeaderAuth) and key.header == "X-API-Key"
    assert key.content_hash() == "ecd9b07db15491aa60ea46efc46c19e9"  # as the flat model hashed it
    with pytest.raises(AuthValidationError, match="only applies to api_key_header"):
        validate_auth({"name": "b", "kind": "bearer", "token_secret": "T", "header_name": "X-Key"})
