"""Every outcome class against real servers: the demo API and small apps of the test's own."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import socket
import ssl
import threading
import time
from typing import Any

import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from agent import prompts
from agent.cli.main import build_parser
from agent.cli.trial import run as run_cli
from tests.support.servers import _Server, free_port, serve
from tests.support.waiting import wait_until
from tools.action import ActionDefinition
from tools.errors import ToolArgumentsError
from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
from tools.http_client import make_http_client
from tools.outcome import OutcomeKind
from tools.retry_policy import retry_after_seconds
from tools.trial_run import format_report, run_action_test


@pytest.fixture
async def executor(demo_api):
    ex = ActionExecutor(
        ExecutorSettings(allow_hosts=(demo_api.host,), backoff_seconds=0.01),
        StaticSecrets({"DEMO_API_TOKEN": demo_api.token}),
    )
    yield ex
    await ex.aclose()


def demo_action(demo, path: str, **kw) -> ActionDefinition:
    data = {
        "name": "probe",
        "trigger": "when testing",
        "url": f"{demo.base_url}{path}",
        "headers": {"Authorization": "Bearer {{secret.DEMO_API_TOKEN}}"},
    }
    data.update(kw)
    return ActionDefinition.model_validate(data)


ORDER = dict(
    inputs=[{"name": "order_id"}],
    response_selection={"fields": {"Status": "status", "Carrier": "carrier"}},
)


# -- ok / http_error -------------------------------------------------------------------------------


async def test_ok_returns_only_the_selected_fields(executor, demo_api):
    action = demo_action(demo_api, "/api/orders/{{order_id}}", **ORDER)
    outcome = await executor.execute(action, {"order_id": "ORD-1001"})
    assert outcome.kind is OutcomeKind.OK
    assert outcome.status == 200 and outcome.attempts == 1
    assert set(outcome.data) == {"Status", "Carrier"} and outcome.data["Status"] == "shipped"
    assert outcome.summary == f"GET {demo_api.base_url}/api/orders/ORD-1001 -> 200 OK"
    assert outcome.request.headers["Authorization"] == "Bearer ***"
    assert '"order_id":"ORD-1001"' in outcome.excerpt.replace(" ", "")
    assert demo_api.token not in outcome.model_dump_json()


@pytest.mark.parametrize(("order_id", "status"), [("ORD-9999", 404), ("ORD-5000", 500)])
async def test_http_errors(executor, demo_api, order_id, status):
    action = demo_action(demo_api, "/api/orders/{{order_id}}", **ORDER)
    outcome = await executor.execute(action, {"order_id": order_id})
    assert outcome.kind is OutcomeKind.HTTP_ERROR
    # the API's reason reaches the model as data (here the demo API's {"error": "..."} body)
    assert outcome.status == status and outcome.data == json.loads(outcome.excerpt)
    assert "error" in outcome.data
    phrase = {404: "Not Found", 500: "Internal Server Error"}[status]
    assert outcome.summary.endswith(f"/api/orders/{order_id} -> {status} {phrase}")


async def test_link_field_is_read_from_the_response(executor, demo_api):
    action = demo_action(
        demo_api,
        "/api/debug/echo?u={{u}}",
        inputs=[{"name": "u"}],
        response_format="link",
        response_selection={"fields": {"Method": "method"}, "link_field": "query.u"},
    )
    outcome = await executor.execute(action, {"u": "https://track.example.com/p/1"})
    assert outcome.ok and outcome.data == {"Method": "GET"}
    assert outcome.link_url == "https://track.example.com/p/1"
    unsafe = await executor.execute(action, {"u": "javascript:alert(1)"})
    assert unsafe.ok and unsafe.link_url is None


async def test_secrets_are_scrubbed_from_data_excerpt_and_request(executor, demo_api):
    outcome = await executor.execute(demo_action(demo_api, "/api/debug/echo"), {})
    assert outcome.ok
    assert outcome.data["headers"]["authorization"] == "Bearer ***"
    assert outcome.data["headers"]["accept-encoding"] == "identity"
    assert demo_api.token not in outcome.model_dump_json()


async def test_post_body_and_idempotency_key(executor, fresh_demo_log):
    demo = fresh_demo_log
    action = demo_action(
        demo,
        "/api/debug/echo",
        method="POST",
        send_idempotency_key=True,
        inputs=[{"name": "subject"}],
        body='{"subject": "{{subject}}", "priority": "high"}',
    )
    outcome = await executor.execute(action, {"subject": 'x", "admin": true'}, idempotency_key="k-42")
    assert outcome.ok
    assert outcome.data["body"] == {"subject": 'x", "admin": true', "priority": "high"}
    assert demo.request_log[-1]["headers"]["idempotency-key"] == "k-42"


async def test_preview_makes_no_request(executor, fresh_demo_log):
    demo = fresh_demo_log
    view = await executor.preview(
        demo_action(demo, "/api/orders/{{order_id}}", **ORDER), {"order_id": "../admin"}
    )
    assert view.url == f"{demo.base_url}/api/orders/%2E%2E%2Fadmin"
    assert view.headers["Authorization"] == "Bearer ***"
    assert demo.request_log == []
    with pytest.raises(ToolArgumentsError):
        await executor.preview(demo_action(demo, "/api/orders/{{order_id}}", **ORDER), {})


async def test_path_traversal_reaches_the_server_as_one_segment(executor, fresh_demo_log):
    demo = fresh_demo_log
    action = demo_action(demo, "/api/orders/{{order_id}}", **ORDER)
    for value in ("../debug/echo", "%2e%2e", ".."):
        outcome = await executor.execute(action, {"order_id": value})
        assert outcome.kind is OutcomeKind.HTTP_ERROR and outcome.status == 404
    assert [e["path"] for e in demo.request_log] == [
        "/api/orders/../debug/echo",
        "/api/orders/%2e%2e",
        "/api/orders/..",
    ]  # decoded by the server, but each one segment: no route beyond /api/orders matched


# -- timeout ---------------------------------------------------------------------------------------


async def test_slow_server_times_out_on_the_total_deadline(executor, demo_api):
    action = demo_action(demo_api, "/api/orders/{{order_id}}", timeout_seconds=1, **ORDER)
    started = time.monotonic()
    outcome = await executor.execute(action, {"order_id": "ORD-5001"})
    assert outcome.kind is OutcomeKind.TIMEOUT
    assert time.monotonic() - started < 1.8
    assert "timed out after 1 s" in outcome.summary


async def test_dripping_server_cannot_hold_a_call_past_its_deadline(executor, demo_api):
    action = demo_action(demo_api, "/api/debug/drip?seconds=10", timeout_seconds=2)
    started = time.monotonic()
    outcome = await executor.execute(action, {})
    assert outcome.kind is OutcomeKind.TIMEOUT
    assert time.monotonic() - started < 3


# -- network ---------------------------------------------------------------------------------------


async def test_connection_refused(demo_api):
    port = free_port()
    ex = ActionExecutor(
        ExecutorSettings(allow_hosts=(f"127.0.0.1:{port}",), backoff_seconds=0.01), StaticSecrets({})
    )
    try:
        get = await ex.execute(ActionDefinition(name="a", trigger="t", url=f"http://127.0.0.1:{port}/x"), {})
        post = await ex.execute(
            ActionDefinition(name="a", trigger="t", method="POST", url=f"http://127.0.0.1:{port}/x"), {}
        )
    finally:
        await ex.aclose()
    assert get.kind is OutcomeKind.NETWORK and "connection refused" in get.summary
    assert get.attempts == 3 and post.attempts == 1


async def test_dns_failure():
    async def failing(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    ex = ActionExecutor(ExecutorSettings(), StaticSecrets({}), resolver=failing)
    try:
        outcome = await ex.execute(
            ActionDefinition(name="a", trigger="t", url="https://api.nowhere.invalid/x"), {}
        )
    finally:
        await ex.aclose()
    assert outcome.kind is OutcomeKind.NETWORK
    assert "could not resolve host 'api.nowhere.invalid'" in outcome.summary


async def test_tls_failure_against_plain_http(demo_api):
    ex = ActionExecutor(ExecutorSettings(allow_hosts=(demo_api.host,)), StaticSecrets({}))
    https_url = demo_api.base_url.replace("http://", "https://") + "/api/health"
    try:
        outcome = await ex.execute(ActionDefinition(name="a", trigger="t", url=https_url), {})
    finally:
        await ex.aclose()
    assert outcome.kind is OutcomeKind.NETWORK and "TLS" in outcome.summary
    assert outcome.attempts == 1  # a TLS failure is not retried


async def test_redirect_loop_is_a_network_outcome(executor, demo_api):
    outcome = await executor.execute(demo_action(demo_api, "/api/debug/redirect-loop"), {})
    assert outcome.kind is OutcomeKind.NETWORK and "too many redirects" in outcome.summary


# -- blocked / invalid_response / config_error / truncated -----------------------------------------


async def test_blocked_outcome(executor):
    action = ActionDefinition(name="a", trigger="t", url="http://169.254.169.254/latest/meta-data")
    outcome = await executor.execute(action, {})
    assert outcome.kind is OutcomeKind.BLOCKED and "metadata" in outcome.summary


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/api/debug/not-json", "not JSON (text/html)"), ("/api/debug/bad-utf8", "not valid UTF-8")],
)
async def test_unusable_bodies_are_invalid_responses(executor, demo_api, path, reason):
    outcome = await executor.execute(demo_action(demo_api, path), {})
    assert outcome.kind is OutcomeKind.INVALID_RESPONSE and reason in outcome.summary
    assert outcome.data is None and outcome.excerpt


async def test_selection_failure_is_an_invalid_response(executor, demo_api):
    action = demo_action(
        demo_api,
        "/api/orders/{{order_id}}",
        inputs=[{"name": "order_id"}],
        response_selection={"fields": {"X": "abs(status)"}},
    )
    outcome = await executor.execute(action, {"order_id": "ORD-1001"})
    assert outcome.kind is OutcomeKind.INVALID_RESPONSE and "selection failed" in outcome.summary


async def test_missing_secret_is_a_config_error_naming_the_secret(demo_api):
    ex = ActionExecutor(ExecutorSettings(allow_hosts=(demo_api.host,)), StaticSecrets({}))
    try:
        outcome = await ex.execute(demo_action(demo_api, "/api/health"), {})
    finally:
        await ex.aclose()
    assert outcome.kind is OutcomeKind.CONFIG_ERROR and outcome.request is None
    assert "secret 'DEMO_API_TOKEN' is not set" in outcome.summary


async def test_bad_arguments_are_a_config_error_not_an_exception(executor, demo_api):
    action = demo_action(demo_api, "/api/orders/{{order_id}}", **ORDER)
    with_header = action.model_copy(update={"headers": {**action.headers, "X-Order": "{{order_id}}"}})
    outcome = await executor.execute(with_header, {"order_id": "a\r\nX: 1"})
    assert outcome.kind is OutcomeKind.CONFIG_ERROR and "line breaks" in outcome.summary
    outcome = await executor.execute(action, {})
    assert outcome.kind is OutcomeKind.CONFIG_ERROR and "order_id: is required" in outcome.summary


async def test_huge_body_is_cut_at_the_cap(executor, demo_api):
    outcome = await executor.execute(demo_action(demo_api, "/api/debug/huge"), {})
    assert outcome.truncated and outcome.data is None
    assert outcome.kind is OutcomeKind.INVALID_RESPONSE
    assert "truncated at 256000 bytes" in outcome.summary
    assert len(outcome.excerpt) <= 2_001


# -- retries ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "status", "sent"),
    [
        ("GET", 503, 3),
        ("PUT", 502, 3),
        ("DELETE", 504, 3),
        ("GET", 429, 3),
        ("GET", 500, 1),
        ("POST", 503, 1),
        ("POST", 429, 1),
        ("PATCH", 503, 1),
    ],
)
async def test_only_idempotent_methods_are_retried(executor, fresh_demo_log, method, status, sent):
    demo = fresh_demo_log
    body = '{"a": 1}' if method in ("POST", "PUT", "PATCH") else None
    action = demo_action(demo, f"/api/debug/status/{status}", method=method, body=body)
    outcome = await executor.execute(action, {})
    assert outcome.kind is OutcomeKind.HTTP_ERROR and outcome.status == status
    assert len(demo.request_log) == sent and outcome.attempts == sent


async def test_retry_succeeds_when_the_server_recovers():
    hits = []

    async def flaky(request: Request):
        hits.append(1)
        return JSONResponse({"n": len(hits)}, 503 if len(hits) < 2 else 200)

    with serve(Starlette(routes=[Route("/flaky", flaky)])) as base:
        ex = ActionExecutor(
            ExecutorSettings(allow_hosts=(base.split("://")[1],), backoff_seconds=0.01), StaticSecrets({})
        )
        try:
            outcome = await ex.execute(ActionDefinition(name="a", trigger="t", url=f"{base}/flaky"), {})
        finally:
            await ex.aclose()
    assert outcome.ok and outcome.attempts == 2 and outcome.data == {"n": 2}


@pytest.mark.parametrize(("method", "sent"), [("GET", 2), ("DELETE", 2), ("POST", 1), ("PATCH", 1)])
async def test_retry_after_is_waited_for_and_only_idempotent_methods_retry(method, sent):
    arrivals: list[float] = []

    async def busy(request: Request):
        arrivals.append(time.monotonic())
        if len(arrivals) == 1:
            return JSONResponse({"error": "busy"}, 503, headers={"Retry-After": "1"})
        return JSONResponse({"n": len(arrivals)})

    with serve(Starlette(routes=[Route("/busy", busy, methods=[method])])) as base:
        ex = ActionExecutor(
            ExecutorSettings(allow_hosts=(base.split("://")[1],), backoff_seconds=0.001), StaticSecrets({})
        )
        action = ActionDefinition(name="a", trigger="t", method=method, url=f"{base}/busy")
        try:
            outcome = await ex.execute(action, {})
        finally:
            await ex.aclose()
    assert outcome.attempts == sent == len(arrivals)
    if sent == 2:  # the server asked for one second: the second request came no sooner
        assert outcome.ok and arrivals[1] - arrivals[0] >= 0.95
    else:
        assert outcome.kind is OutcomeKind.HTTP_ERROR and outcome.status == 503


@pytest.mark.parametrize("retry_after", ["5", "31"])
async def test_a_retry_after_past_the_deadline_or_the_cap_is_the_outcome_at_once(
    executor, fresh_demo_log, retry_after
):
    """5 s is past the action's 2 s timeout, 31 s past the 30 s cap: no wait, no timeout."""
    timeout = 2 if retry_after == "5" else 60
    action = demo_action(
        fresh_demo_log, f"/api/debug/status/503?retry_after={retry_after}", timeout_seconds=timeout
    )
    outcome = await executor.execute(action, {})
    assert outcome.kind is OutcomeKind.HTTP_ERROR and outcome.status == 503
    assert outcome.attempts == 1 and len(fresh_demo_log.request_log) == 1


def test_retry_after_is_read_as_seconds_or_an_http_date():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(" 0 ") == 0.0
    later = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=120), usegmt=True)
    assert 100 < (retry_after_seconds(later) or 0) <= 120
    past = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert retry_after_seconds(past) == 0.0
    for unreadable in (None, "", "-1", "soon", "1.5", "Wed, 21 Oct 2015 07:28:00"):
        assert retry_after_seconds(unreadable) is None, unreadable


# -- TLS: connecting by IP still verifies the real host name ---------------------------------------


def _self_signed(tmp_path, name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_server(tmp_path):
    name = "api.tls.test"
    cert_file, key_file = _self_signed(tmp_path, name)

    async def hello(request: Request):
        return JSONResponse({"host": request.headers["host"]})

    port = free_port()
    server = _Server(
        uvicorn.Config(
            Starlette(routes=[Route("/hello", hello)]),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ssl_certfile=str(cert_file),
            ssl_keyfile=str(key_file),
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, "the TLS test server started", timeout=10)
    yield name, port, ssl.create_default_context(cafile=str(cert_file))
    server.should_exit = True
    thread.join(timeout=5)


async def test_https_goes_to_the_checked_ip_and_verifies_the_real_name(tls_server):
    name, port, trust = tls_server

    async def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1"] if host == name else []

    client = make_http_client(verify=trust)
    ex = ActionExecutor(
        ExecutorSettings(allow_hosts=(f"{name}:{port}", f"127.0.0.1:{port}")),
        StaticSecrets({}),
        client=client,
        resolver=resolve,
    )
    try:
        by_name = await ex.execute(
            ActionDefinition(name="a", trigger="t", url=f"https://{name}:{port}/hello"), {}
        )
        by_ip = await ex.execute(
            ActionDefinition(name="a", trigger="t", url=f"https://127.0.0.1:{port}/hello"), {}
        )
    finally:
        await ex.aclose()  # the client was passed in: the executor leaves it open
        assert not client.is_closed
        await client.aclose()
    assert by_name.ok, by_name.summary
    assert by_name.data == {"host": f"{name}:{port}"}
    # the certificate names api.tls.test only: asking for the bare IP must fail verification
    assert by_ip.kind is OutcomeKind.NETWORK and "certificate verification failed" in by_ip.summary


# -- the test report and the CLI -------------------------------------------------------------------


async def test_action_test_report_shows_what_the_model_sees(executor, demo_api):
    action = demo_action(demo_api, "/api/orders/{{order_id}}", **ORDER)
    report = await run_action_test(action, {"order_id": "ORD-1001"}, executor)
    o = report.outcome
    envelope = prompts.data_envelope(
        action=action.name,
        outcome=o.kind.value,
        status=o.status,
        summary=o.summary,
        data=o.data,
        link_url=o.link_url,
    )
    assert report.model_view == prompts.parse_envelope(envelope)
    text = format_report(report)
    for part in ("Outcome:  ok", "Status:   200", "Bearer ***", "What the model sees:", "shipped"):
        assert part in text
    assert demo_api.token not in text


@pytest.fixture
def action_file(tmp_path, demo_api):
    path = tmp_path / "order.json"
    path.write_text(
        json.dumps(
            {
                "name": "order_status",
                "trigger": "order questions",
                "url": f"{demo_api.base_url}/api/orders/{{{{order_id}}}}",
                "headers": {"Authorization": "Bearer {{secret.DEMO_API_TOKEN}}"},
                "inputs": [{"name": "order_id"}],
                "response_selection": {"fields": {"Status": "status"}},
            }
        )
    )
    return path


def cli(argv: list[str], env: dict[str, str] | None = None) -> int:
    return run_cli(build_parser().parse_args(["test", *argv]), env=env or {})


def test_cli_ok_with_secret_option(action_file, demo_api, capsys):
    code = cli(
        [
            str(action_file),
            "--args",
            '{"order_id": "ORD-1001"}',
            "--secret",
            f"DEMO_API_TOKEN={demo_api.token}",
            "--allow-host",
            demo_api.host,
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "Outcome:  ok" in out and '"Status": "shipped"' in out
    assert demo_api.token not in out


def test_cli_json_with_env_secret_and_allow_hosts(action_file, demo_api, capsys):
    env = {"ACTIONS_SECRET_DEMO_API_TOKEN": demo_api.token, "ACTIONS_ALLOW_HOSTS": demo_api.host}
    code = cli([str(action_file), "--args", '{"order_id": "ORD-9999"}', "--json"], env)
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["outcome"]["kind"] == "http_error" and report["outcome"]["status"] == 404
    assert report["model_view"]["outcome"] == "http_error"


def test_cli_blocked_without_allow_host(action_file, demo_api, capsys):
    code = cli(
        [
            str(action_file),
            "--args",
            '{"order_id": "ORD-1001"}',
            "--secret",
            f"DEMO_API_TOKEN={demo_api.token}",
        ]
    )
    assert code == 1 and "Outcome:  blocked" in capsys.readouterr().out


def test_cli_bad_input(tmp_path, action_file, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "1 bad", "url": "ftp://x", "trigger": " ", "timeout_seconds": 0}))
    assert cli([str(bad)]) == 2
    err = capsys.readouterr().err
    for path in ("name:", "url:", "trigger:", "timeout_seconds:"):
        assert path in err
    assert cli([str(action_file), "--args", "not json"]) == 2
    assert cli([str(action_file), "--args", "{}"]) == 2  # order_id is required
    assert cli([str(action_file), "--secret", "no-equals-sign"]) == 2
    assert cli([str(tmp_path / "missing.json")]) == 1  # a missing file: exit 1 (agent.cli.exit_codes)
    assert cli([str(action_file), "--allow-host", "127.0.0.1:http"]) == 2


async def probe_outcome(answer, **action: Any):
    """The outcome of a probe action (GET /x, plus `action`'s fields) against a local server
    whose one route answers with `answer`."""
    with serve(Starlette(routes=[Route("/x", answer)])) as base:
        async with ActionExecutor(
            ExecutorSettings(allow_hosts=(base.split("://")[1],)), StaticSecrets({})
        ) as ex:
            definition = {"name": "probe", "url": f"{base}/x", "trigger": "x", **action}
            return await ex.execute(ActionDefinition.model_validate(definition), {})


ERROR_BODIES = {
    "small json": (
        '{"error": "postcode is invalid", "field": "postcode"}',
        "application/json",
        {"error": "postcode is invalid", "field": "postcode"},
    ),
    "selected field": (
        '{"detail": "already delivered, start a return instead"}',
        "application/json",
        {"Status": None, "Problem": "already delivered, start a return instead"},
    ),
    "html page": (
        "<html><head><style>p{}</style></head><body><h1>Conflict</h1>"
        "<p>Order already shipped</p></body></html>",
        "text/html",
        {"error": "Conflict Order already shipped"},
    ),
    "plain text": ("order locked by another agent", "text/plain", {"error": "order locked by another agent"}),
    "empty": ("", "text/plain", None),
}


@pytest.mark.parametrize("case", list(ERROR_BODIES))
async def test_an_error_bodys_reason_reaches_the_outcome_data(case):
    from starlette.responses import Response

    body, media, expected = ERROR_BODIES[case]

    async def conflict(request):
        return Response(body, status_code=409, media_type=media)

    outcome = await probe_outcome(
        conflict, response_selection={"fields": {"Status": "status", "Problem": "detail"}}
    )
    assert outcome.kind is OutcomeKind.HTTP_ERROR and outcome.status == 409
    assert outcome.data == expected


async def test_a_long_error_body_is_cut_short():
    async def big(request):
        return JSONResponse({"errors": [f"problem number {i}" for i in range(500)]}, status_code=422)

    outcome = await probe_outcome(big)
    assert set(outcome.data) == {"error"} and len(outcome.data["error"]) <= 601
    assert outcome.data["error"].startswith('{"errors":["problem number 0"')


# -- the transport half on its own ------------------------------------------------------------------


async def test_delivery_follows_a_redirect_and_returns_the_raw_body():
    """`transport.Delivery` is the public transport half: a request built here, sent without the
    executor, comes back as the raw bytes (not JSON) after the redirect, with the hop counted."""
    from starlette.responses import PlainTextResponse, RedirectResponse

    from tools.request_builder import build_request
    from tools.transport import Delivery, Received

    async def moved(request: Request):
        return RedirectResponse("/doc.yaml", status_code=302)

    async def doc(request: Request):
        return PlainTextResponse("openapi: 3.0.0\n", media_type="application/yaml")

    app = Starlette(routes=[Route("/old", moved), Route("/doc.yaml", doc)])
    with serve(app) as base:
        action = ActionDefinition.model_validate({"name": "doc", "trigger": "t", "url": f"{base}/old"})
        settings = ExecutorSettings(allow_hosts=(base.split("://")[1],), max_response_bytes=8)
        prepared = await build_request(action, {}, StaticSecrets({}))
        client = make_http_client()
        try:
            delivery = Delivery(client, settings, action, prepared)
            received = await delivery.send(time.monotonic() + 10)
        finally:
            await client.aclose()
    assert isinstance(received, Received)
    assert (received.status, received.redirects, received.final_url) == (200, 1, f"{base}/doc.yaml")
    assert received.body == b"openapi:" and received.truncated  # the cap given in the settings
    assert delivery.attempts == 1 and delivery.hop_url == f"{base}/doc.yaml"


async def test_exchange_keeps_the_raw_response_beside_the_outcome(executor, demo_api):
    """`ActionExecutor.exchange`: the outcome of the one guarded path and what it received; a
    blocked request received nothing."""
    from tools.request_builder import build_request

    action = demo_action(demo_api, "/api/orders/ORD-1001")
    prepared = await build_request(action, {}, executor.secrets)
    sent = await executor.exchange(action, prepared, max_response_bytes=10)
    assert sent.outcome.kind is OutcomeKind.INVALID_RESPONSE and sent.received is not None
    assert sent.received.status == 200 and len(sent.received.body) == 10 and sent.received.truncated
    blocked = ActionDefinition.model_validate({"name": "b", "trigger": "t", "url": "http://10.9.9.9/x"})
    refused = await executor.exchange(blocked, await build_request(blocked, {}, executor.secrets))
    assert refused.outcome.kind is OutcomeKind.BLOCKED and refused.received is None


def test_no_module_imports_the_executors_private_names():
    """The document fetcher (and everything else) uses the public transport seam, not `_Call`."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    offenders = []
    for path in [*root.glob("tools/**/*.py"), *root.glob("agent/**/*.py"), *root.glob("ui/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("executor"):
                offenders += [f"{path.name}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert offenders == []


ERROR_DOCUMENTS_2XX: dict[str, tuple[dict[str, Any], bool]] = {
    "slack": ({"ok": False, "error": "order_not_found"}, True),
    "success false": ({"success": False, "message": "Order is locked"}, True),
    "graphql": ({"data": None, "errors": [{"message": "Order not found"}]}, True),
    "jsend error": ({"status": "error", "message": "Warehouse system unreachable"}, True),
    "jsend fail": ({"status": "fail", "data": {"quantity": "must be at most 5"}}, True),
    "error only": ({"error": "stale_cache", "code": 17}, True),
    "ok false beside data": ({"ok": False, "status": "shipped", "error": "stale_cache"}, True),
    "a failed payment is data": ({"payment_id": "P-1", "status": "failed", "amount": 20}, False),
    "an empty error field is data": ({"status": "shipped", "error": None, "errors": []}, False),
}


@pytest.mark.parametrize("case", list(ERROR_DOCUMENTS_2XX))
async def test_an_error_document_in_a_2xx_answer_is_a_failed_call_never_selected_as_data(case):
    body, is_error = ERROR_DOCUMENTS_2XX[case]

    async def answer(request):
        return JSONResponse(body, status_code=200)

    outcome = await probe_outcome(answer, response_selection={"fields": {"Status": "status"}})
    assert outcome.status == 200
    if is_error:
        # the selection (written for the thing asked for) is not applied: the document is the reason
        assert outcome.kind is OutcomeKind.HTTP_ERROR and outcome.data == body
        assert "error document" in outcome.summary
    else:
        assert outcome.kind is OutcomeKind.OK and outcome.data == {"Status": body["status"]}
