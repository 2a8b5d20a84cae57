"""The SSRF guard, table-driven: every forbidden address is refused before any connection.

Host names are made to resolve to each address through the executor's injected resolver; no
test connects anywhere outside 127.0.0.0/8.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import cast

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

from tests.support.servers import serve
from tools.action import ActionDefinition
from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
from tools.guard import (
    DestinationBlocked,
    GuardPolicy,
    HostNotFound,
    address_problem,
    check_destination,
    parse_ip_literal,
)
from tools.outcome import OutcomeKind

PUBLIC_TEST_IP = "93.184.215.14"

FORBIDDEN = [
    ("127.0.0.1", "loopback"),
    ("127.255.0.9", "loopback"),
    ("10.0.0.1", "private"),
    ("172.16.5.4", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "metadata"),
    ("169.254.10.1", "link-local"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("0.0.0.0", "unspecified"),
    ("224.0.0.1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("168.63.129.16", "metadata"),
    ("198.18.0.1", "benchmarking"),
    ("192.0.2.10", "documentation"),
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("fc00::1", "unique-local"),
    ("fd00:ec2::254", "metadata"),
    ("fe80::1", "link-local"),
    ("ff02::1", "multicast"),
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:169.254.169.254", "metadata"),
    ("::ffff:10.0.0.1", "private"),
    ("64:ff9b::7f00:1", "loopback"),
    ("64:ff9b::a9fe:a9fe", "metadata"),
    ("64:ff9b:1::1", "NAT64"),
    ("2002:7f00:1::", "loopback"),
    ("2002:a00:1::1", "private"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo, client 127.0.0.1
    ("::7f00:1", "IPv4-compatible"),
    ("2001:db8::1", "documentation"),
]


def resolver_for(answers: dict[str, list[str] | list[list[str]]], calls: list[str] | None = None):
    """A resolver answering from a table; a list of lists answers differently on each call."""
    seen: dict[str, int] = {}

    async def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answer = answers[host]
        if answer and isinstance(answer[0], list):
            n = seen[host] = seen.get(host, -1) + 1
            return answer[min(n, len(answer) - 1)]
        return cast(list[str], answer)  # its first item is no list: one answer for every call

    return resolve


POLICY = GuardPolicy()


# -- the address policy ----------------------------------------------------------------------------


@pytest.mark.parametrize(("address", "kind"), FORBIDDEN, ids=[a for a, _ in FORBIDDEN])
async def test_host_resolving_to_a_forbidden_address_is_blocked(address, kind):
    assert address_problem(ipaddress.ip_address(address)) is not None
    with pytest.raises(DestinationBlocked, match=kind):
        await check_destination(
            "https", "api.example.com", None, POLICY, resolver_for({"api.example.com": [address]})
        )


@pytest.mark.parametrize("private", ["127.0.0.1", "10.0.0.1", "::1", "169.254.169.254"])
async def test_one_private_answer_among_public_ones_blocks(private):
    resolve = resolver_for({"mixed.example.com": [PUBLIC_TEST_IP, private]})
    with pytest.raises(DestinationBlocked):
        await check_destination("https", "mixed.example.com", 443, POLICY, resolve)


@pytest.mark.parametrize(
    "address",
    [PUBLIC_TEST_IP, "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "64:ff9b::5db8:d70e", "::ffff:93.184.215.14"],
)
async def test_public_address_passes_the_guard(address):
    dest = await check_destination(
        "https", "www.example.com", None, POLICY, resolver_for({"www.example.com": [address]})
    )
    assert dest.address == str(ipaddress.ip_address(address))
    assert (dest.host, dest.port, dest.allowlisted) == ("www.example.com", 443, False)


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0251.0376.0251.0376", "169.254.169.254"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
        ("10.1", "10.0.0.1"),
    ],
)
def test_legacy_numeric_hosts_are_read_as_the_address_they_are(host, address):
    assert parse_ip_literal(host) == ipaddress.ip_address(address)


@pytest.mark.parametrize("host", ["0x1g.0.0.1", "1.2.3.4.5", "256.1.1.1", "09.1.1.1"])
def test_malformed_numeric_hosts_are_refused(host):
    with pytest.raises(DestinationBlocked, match="not a valid IP address"):
        parse_ip_literal(host)


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "http://0x7f.1/",
        "http://017700000001/",
        "http://127.1/",
        "http://[::1]/",
        "http://[::ffff:7f00:1]/",
        "http://localhost/",
        "http://0/",
    ],
)
async def test_ip_literal_urls_are_blocked_before_any_connection(url):
    calls: list[str] = []
    executor = ActionExecutor(
        ExecutorSettings(), StaticSecrets({}), resolver=resolver_for({"localhost": ["127.0.0.1"]}, calls)
    )
    try:
        outcome = await executor.execute(ActionDefinition(name="a", trigger="t", url=url), {})
    finally:
        await executor.aclose()
    assert outcome.kind is OutcomeKind.BLOCKED, outcome.summary
    assert outcome.attempts == 1 and outcome.status is None


@pytest.mark.parametrize("scheme", ["ftp", "file", "gopher", "ws"])
async def test_only_http_and_https(scheme):
    with pytest.raises(DestinationBlocked, match="only http and https"):
        await check_destination(scheme, "www.example.com", None, POLICY, resolver_for({}))


async def test_dns_failure_is_not_found_not_blocked():
    with pytest.raises(HostNotFound, match="could not resolve"):
        await check_destination("https", "nowhere.invalid", None, POLICY, resolver_for({}))


# -- ports and the allow-list ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("allow", "host", "port", "address", "allowed"),
    [
        (("127.0.0.1:9000",), "127.0.0.1", 9000, "127.0.0.1", True),
        (("127.0.0.1:9000",), "127.0.0.1", 9001, "127.0.0.1", False),  # other port
        (("127.0.0.1",), "127.0.0.1", 8080, "127.0.0.1", True),  # any allowed port
        (("127.0.0.1",), "127.0.0.1", 9000, "127.0.0.1", False),  # host alone opens no port
        (("127.0.0.1:9000",), "localhost", 9000, "127.0.0.1", False),  # names are not aliases
        (("internal.corp",), "internal.corp.evil.com", 443, "10.0.0.5", False),
        (("internal.corp",), "evilinternal.corp", 443, "10.0.0.5", False),
        (("internal.corp",), "INTERNAL.corp.", 443, "10.0.0.5", True),  # case, trailing dot
        (("[::1]:9000",), "::1", 9000, "::1", True),
        (("internal.corp",), "internal.corp", 443, "169.254.169.254", False),  # metadata, always
        ((), "www.example.com", 22, PUBLIC_TEST_IP, False),  # port policy
        (("www.example.com:22",), "www.example.com", 22, PUBLIC_TEST_IP, True),
        ((), "www.example.com", 8443, PUBLIC_TEST_IP, True),
    ],
)
async def test_allow_list_matches_exactly(allow, host, port, address, allowed):
    policy = GuardPolicy(allow_hosts=allow)
    resolve = resolver_for({host.lower().rstrip("."): [address]})
    if allowed:
        dest = await check_destination("http", host, port, policy, resolve)
        assert dest.address == address
    else:
        with pytest.raises(DestinationBlocked):
            await check_destination("http", host, port, policy, resolve)


# -- through the executor, against real local servers ---------------------------------------------


def _recording_app():
    log: list[dict] = []

    async def whoami(request: Request):
        assert request.client is not None
        log.append(
            {
                "client": request.client.host,
                "host": request.headers.get("host"),
                "headers": dict(request.headers),
            }
        )
        return JSONResponse(log[-1])

    async def hop(request: Request):
        assert request.client is not None
        log.append({"client": request.client.host, "path": "/hop"})
        return RedirectResponse(request.query_params["to"], status_code=302)

    app = Starlette(routes=[Route("/whoami", whoami), Route("/hop", hop)])
    return app, log


def _action(url: str, **kw) -> ActionDefinition:
    return ActionDefinition(name="probe", trigger="t", url=url, **kw)


async def test_blocked_address_means_no_connection_at_all():
    app, log = _recording_app()
    with serve(app) as base:
        port = int(base.rsplit(":", 1)[1])
        for answers in (["127.0.0.1"], [PUBLIC_TEST_IP, "127.0.0.1"]):
            executor = ActionExecutor(
                ExecutorSettings(allowed_ports=frozenset({port})),
                StaticSecrets({}),
                resolver=resolver_for({"svc.example.com": answers}),
            )
            outcome = await executor.execute(_action(f"http://svc.example.com:{port}/whoami"), {})
            await executor.aclose()
            assert outcome.kind is OutcomeKind.BLOCKED
            assert "127.0.0.1" in outcome.summary
    assert log == []


async def test_allowlisted_demo_host_is_reachable(demo_api):
    executor = ActionExecutor(ExecutorSettings(allow_hosts=(demo_api.host,)), StaticSecrets({}))
    try:
        outcome = await executor.execute(_action(f"{demo_api.base_url}/api/health"), {})
    finally:
        await executor.aclose()
    assert outcome.kind is OutcomeKind.OK and outcome.data == {"status": "ok"}


async def test_not_allowlisted_demo_host_is_blocked(demo_api):
    executor = ActionExecutor(ExecutorSettings(), StaticSecrets({}))
    try:
        outcome = await executor.execute(_action(f"{demo_api.base_url}/api/health"), {})
    finally:
        await executor.aclose()
    assert outcome.kind is OutcomeKind.BLOCKED


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://2130706433/",
        "file:///etc/passwd",
        "http://10.0.0.1:8080/",
    ],
)
async def test_redirect_to_a_forbidden_address_is_blocked(fresh_demo_log, target):
    demo = fresh_demo_log
    executor = ActionExecutor(
        ExecutorSettings(allow_hosts=(demo.host,)), StaticSecrets({"TOKEN": demo.token})
    )
    action = _action(
        f"{demo.base_url}/api/debug/redirect?to={{{{to}}}}",
        inputs=[{"name": "to"}],
        headers={"Authorization": "Bearer {{secret.TOKEN}}"},
    )
    try:
        outcome = await executor.execute(action, {"to": target})
    finally:
        await executor.aclose()
    assert outcome.kind is OutcomeKind.BLOCKED, outcome.summary
    assert "redirect to" in outcome.summary
    assert [e["path"] for e in demo.request_log] == ["/api/debug/redirect"]
    assert demo.token not in outcome.model_dump_json()


async def test_cross_origin_redirect_drops_credentials():
    first_app, first_log = _recording_app()
    second_app, second_log = _recording_app()
    with serve(first_app) as first, serve(second_app) as second:
        allow = (first.split("://")[1], second.split("://")[1])
        secrets = StaticSecrets({"TOKEN": "tok-abcdef-123", "KEY": "key-987654"})
        executor = ActionExecutor(ExecutorSettings(allow_hosts=allow), secrets)
        action = _action(
            f"{first}/hop?to={{{{to}}}}",
            inputs=[{"name": "to"}],
            headers={
                "Authorization": "Bearer {{secret.TOKEN}}",
                "X-Api-Key": "{{secret.KEY}}",
                "X-Signed": "v1 {{secret.KEY}}",
                "Cookie": "session=fixed",
                "X-Trace": "trace-1",
            },
        )
        try:
            outcome = await executor.execute(action, {"to": f"{second}/whoami"})
        finally:
            await executor.aclose()
    assert outcome.kind is OutcomeKind.OK, outcome.summary
    assert len(first_log) == 1
    received = second_log[0]["headers"]
    for name in ("authorization", "x-api-key", "x-signed", "cookie"):
        assert name not in received
    assert received["x-trace"] == "trace-1"
    assert "tok-abcdef" not in outcome.model_dump_json()


async def test_same_origin_redirect_keeps_credentials():
    app, log = _recording_app()
    with serve(app) as base:
        executor = ActionExecutor(
            ExecutorSettings(allow_hosts=(base.split("://")[1],)), StaticSecrets({"TOKEN": "tok-abcdef-123"})
        )
        action = _action(f"{base}/hop?to=/whoami", headers={"Authorization": "Bearer {{secret.TOKEN}}"})
        try:
            outcome = await executor.execute(action, {})
        finally:
            await executor.aclose()
    assert outcome.kind is OutcomeKind.OK
    assert log[1]["headers"]["authorization"] == "Bearer tok-abcdef-123"
    assert outcome.data["headers"]["authorization"] == "Bearer ***"  # redacted in the result


async def test_dns_answer_is_used_once_and_the_connection_goes_to_the_checked_ip():
    """A rebinding resolver (safe first, another address later) gains nothing."""
    app, log = _recording_app()
    with serve(app) as base:
        port = int(base.rsplit(":", 1)[1])
        host = "api.rebind.test"
        calls: list[str] = []
        resolve = resolver_for({host: [["127.0.0.1"], ["169.254.169.254"]]}, calls)
        executor = ActionExecutor(
            ExecutorSettings(allow_hosts=(f"{host}:{port}",)), StaticSecrets({}), resolver=resolve
        )
        try:
            outcome = await executor.execute(_action(f"http://{host}:{port}/whoami"), {})
        finally:
            await executor.aclose()
    assert outcome.kind is OutcomeKind.OK, outcome.summary
    assert calls == [host]  # resolved exactly once
    assert log == [{"client": "127.0.0.1", "host": f"{host}:{port}", "headers": log[0]["headers"]}]


async def test_guard_returns_the_checked_address_for_the_connection():
    calls: list[str] = []
    resolve = resolver_for({"www.example.com": [[PUBLIC_TEST_IP], ["127.0.0.1"]]}, calls)
    dest = await check_destination("https", "www.example.com", None, POLICY, resolve)
    assert dest.address == PUBLIC_TEST_IP and calls == ["www.example.com"]


async def test_every_checked_address_may_be_tried_in_order():
    """`localhost` may answer ::1 first while the server listens on 127.0.0.1 only."""
    app, log = _recording_app()
    with serve(app) as base:
        port = int(base.rsplit(":", 1)[1])
        resolve = resolver_for({"localhost": ["::1", "127.0.0.1"]})
        executor = ActionExecutor(
            ExecutorSettings(allow_hosts=(f"localhost:{port}",)), StaticSecrets({}), resolver=resolve
        )
        try:
            outcome = await executor.execute(_action(f"http://localhost:{port}/whoami"), {})
        finally:
            await executor.aclose()
    assert outcome.kind is OutcomeKind.OK, outcome.summary
    assert log[0]["host"] == f"localhost:{port}"
