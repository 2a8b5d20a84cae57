"""The Northwind Home demo API over real HTTP: auth, every endpoint, every failure mode, the log.

Read-only checks use the session `demo_api` server; anything that writes gets its own fresh app,
so the shared server keeps its seed data for other test modules.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from demo.api import INJECTION_NOTE, create_app
from demo.data import seed_store
from tests.support.servers import serve

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
FRESH_TOKEN = "fresh-token-91c2"


@pytest.fixture
def client(demo_api) -> Iterator[httpx.Client]:
    auth = {"Authorization": f"Bearer {demo_api.token}"}
    with httpx.Client(base_url=demo_api.base_url, headers=auth, timeout=10) as c:
        yield c


@pytest.fixture
def fresh() -> Iterator[httpx.Client]:
    """A client for a brand-new app instance, for tests that write."""
    with serve(create_app(token=FRESH_TOKEN)) as base_url:
        auth = {"Authorization": f"Bearer {FRESH_TOKEN}"}
        with httpx.Client(base_url=base_url, headers=auth, timeout=10) as c:
            yield c


# -- auth -----------------------------------------------------------------------------------------


def test_health_needs_no_token(demo_api):
    r = httpx.get(f"{demo_api.base_url}/api/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/orders/ORD-1001",
        "/api/orders?email=wei.chen@example.com",
        "/api/accounts/lookup?email=wei.chen@example.com",
        "/api/debug/echo",
        "/api/debug/huge",
    ],
)
@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token", "Basic ZGVtbzpkZW1v", "Bearer", "demo-token"]
)
def test_every_api_path_needs_the_bearer_token(demo_api, path, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    r = httpx.get(demo_api.base_url + path, headers=headers)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert "token" in r.json()["error"]


def test_token_is_checked_before_the_body(demo_api):
    r = httpx.post(f"{demo_api.base_url}/api/tickets", json={"nonsense": True})
    assert r.status_code == 401


def test_default_token_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("DEMO_API_TOKEN", raising=False)
    with serve(create_app()) as base_url:
        assert _order_status_with(base_url, "demo-token") == 200
    monkeypatch.setenv("DEMO_API_TOKEN", "from-env-55")
    with serve(create_app()) as base_url:
        assert _order_status_with(base_url, "from-env-55") == 200
        assert _order_status_with(base_url, "demo-token") == 401


def _order_status_with(base_url: str, token: str) -> int:
    auth = {"Authorization": f"Bearer {token}"}
    return httpx.get(f"{base_url}/api/orders/ORD-1001", headers=auth).status_code


def test_unknown_route_is_a_404_that_names_the_route(client):
    r = client.get("/api/parcels/ORD-1001")
    assert r.status_code == 404
    assert r.json() == {"error": "no route for GET /api/parcels/ORD-1001"}
    r = client.delete("/api/installations/INS-2001")
    assert r.status_code == 405
    assert "not allowed" in r.json()["error"]


# -- seed data ------------------------------------------------------------------------------------


def test_seed_is_deterministic_and_covers_the_id_ranges():
    a, b = seed_store(), seed_store()
    assert a == b
    assert {f"ORD-{n}" for n in range(1001, 1031)} <= set(a.orders)
    assert "INS-2001" in a.installations and "TCK-3001" in a.tickets
    assert "ACC-4001" in a.accounts and "INV-5001" in a.invoices
    statuses = {o["status"] for o in a.orders.values()}
    assert statuses == {"processing", "shipped", "delivered", "cancelled"}


# -- orders ---------------------------------------------------------------------------------------


def test_get_order_has_every_contract_field(client):
    order = client.get("/api/orders/ORD-1001").json()
    assert set(order) == {
        "order_id",
        "status",
        "customer_email",
        "items",
        "total",
        "currency",
        "carrier",
        "tracking_number",
        "tracking_url",
        "estimated_delivery",
        "shipping_address",
    }
    assert order["order_id"] == "ORD-1001" and order["status"] == "shipped"
    assert order["customer_email"].endswith("@example.com")
    assert set(order["items"][0]) == {"sku", "name", "qty", "price"}
    assert order["total"] == round(sum(i["qty"] * i["price"] for i in order["items"]), 2)
    assert order["tracking_url"].startswith("https://") and order["tracking_number"]
    assert len(order["estimated_delivery"]) == 10 and order["estimated_delivery"][4] == "-"


def test_missing_order_is_404_with_its_id(client):
    r = client.get("/api/orders/ORD-9999")
    assert r.status_code == 404
    assert r.json() == {"error": "order ORD-9999 not found"}


def test_list_orders_by_email(client):
    orders = client.get("/api/orders", params={"email": "Wei.Chen@example.com"}).json()["orders"]
    assert orders and {o["customer_email"] for o in orders} == {"wei.chen@example.com"}
    assert client.get("/api/orders", params={"email": "nobody@example.com"}).json() == {"orders": []}
    missing = client.get("/api/orders")
    assert missing.status_code == 422 and "email" in missing.json()["error"]


def test_change_address_only_while_processing(fresh):
    new_address = {"shipping_address": "1 New Rd, Austin, TX 78701"}
    r = fresh.patch("/api/orders/ORD-1002", json=new_address)
    assert r.status_code == 200
    assert r.json()["shipping_address"] == "1 New Rd, Austin, TX 78701"
    assert fresh.get("/api/orders/ORD-1002").json()["shipping_address"].startswith("1 New Rd")
    shipped = fresh.patch("/api/orders/ORD-1001", json={"shipping_address": "1 New Rd, Austin"})
    assert shipped.status_code == 409 and "shipped" in shipped.json()["error"]
    bad = fresh.patch("/api/orders/ORD-1002", json={"address": "1 New Rd, Austin"})
    assert bad.status_code == 422 and "error" in bad.json()


def test_cancel_order(fresh):
    r = fresh.delete("/api/orders/ORD-1006")
    assert r.status_code == 200
    assert r.json() == {"order_id": "ORD-1006", "status": "cancelled"}
    assert fresh.get("/api/orders/ORD-1006").json()["status"] == "cancelled"
    assert fresh.delete("/api/orders/ORD-1006").status_code == 200  # repeat is harmless
    for order_id in ("ORD-1001", "ORD-1003"):  # shipped, delivered
        conflict = fresh.delete(f"/api/orders/{order_id}")
        assert conflict.status_code == 409 and order_id in conflict.json()["error"]
    assert fresh.delete("/api/orders/ORD-9999").status_code == 404


def test_writes_stay_in_their_own_app(fresh):
    assert fresh.delete("/api/orders/ORD-1002").status_code == 200
    with serve(create_app(token=FRESH_TOKEN)) as other:
        r = httpx.get(f"{other}/api/orders/ORD-1002", headers=fresh.headers)
        assert r.json()["status"] == "processing"


# -- installations, tickets -----------------------------------------------------------------------


def test_get_installation(client):
    ins = client.get("/api/installations/INS-2001").json()
    assert {"request_id", "status", "product", "scheduled_date", "technician", "address", "notes"} <= set(ins)
    assert ins["status"] == "scheduled" and ins["technician"]
    assert client.get("/api/installations/INS-9999").status_code == 404


NEW_INSTALLATION = {
    "customer_email": "dana.whitfield@example.com",
    "product": "heat_pump",
    "preferred_date": "2025-07-14",
    "address": "14 Alder Lane, Portland, OR 97205",
}


def test_create_installation(fresh):
    r = fresh.post("/api/installations", json=NEW_INSTALLATION)
    assert r.status_code == 201
    created = r.json()
    assert created["status"] == "received" and created["request_id"] == "INS-2011"
    assert created["product"] == "heat_pump" and created["preferred_date"] == "2025-07-14"
    assert fresh.get("/api/installations/INS-2011").json() == created


@pytest.mark.parametrize(
    "change",
    [
        {"preferred_date": "14/07/2025"},
        {"preferred_date": 1752451200},
        {"product": "sauna"},
        {"customer_email": "not-an-email"},
        {"address": ""},
        {"color": "blue"},
    ],
)
def test_create_installation_rejects_a_bad_body(client, change):
    r = client.post("/api/installations", json={**NEW_INSTALLATION, **change})
    assert r.status_code == 422
    assert r.json()["error"].startswith("invalid request")


def test_create_installation_replays_an_idempotency_key(fresh):
    key = {"Idempotency-Key": "4b1e0c"}
    first = fresh.post("/api/installations", json=NEW_INSTALLATION, headers=key).json()
    again = fresh.post("/api/installations", json=NEW_INSTALLATION, headers=key).json()
    other = fresh.post("/api/installations", json=NEW_INSTALLATION).json()
    assert first == again
    assert other["request_id"] != first["request_id"]


def test_tickets(fresh):
    assert fresh.get("/api/tickets/TCK-3001").json()["status"] == "open"
    assert fresh.get("/api/tickets/TCK-9999").status_code == 404
    body = {
        "email": "wei.chen@example.com",
        "subject": "Inverter error",
        "description": "Display shows E-041.",
        "priority": "high",
    }
    r = fresh.post("/api/tickets", json=body)
    assert r.status_code == 201
    ticket = r.json()
    assert ticket["status"] == "open" and ticket["ticket_id"] == "TCK-3009"
    assert ticket["portal_url"] == "https://support.northwind.example/tickets/TCK-3009"
    assert fresh.post("/api/tickets", json={**body, "priority": "asap"}).status_code == 422


# -- accounts, shipments, invoices ----------------------------------------------------------------


ACCOUNT_FIELDS = {
    "account_id",
    "name",
    "email",
    "plan",
    "balance",
    "currency",
    "next_invoice_date",
    "portal_url",
}


def test_accounts(client):
    account = client.get("/api/accounts/ACC-4002").json()
    assert set(account) == ACCOUNT_FIELDS
    looked_up = client.get("/api/accounts/lookup", params={"email": "M.Oyelaran@example.net"})
    assert looked_up.json() == account
    unknown = client.get("/api/accounts/lookup", params={"email": "x@example.com"})
    assert unknown.status_code == 404
    assert client.get("/api/accounts/ACC-9999").json() == {"error": "account ACC-9999 not found"}


def test_contact_preferences(fresh):
    r = fresh.put("/api/accounts/ACC-4002/preferences", json={"contact_channel": "sms", "newsletter": False})
    assert r.status_code == 200
    assert r.json() == {"account_id": "ACC-4002", "contact_channel": "sms", "newsletter": False}
    as_text = fresh.put(
        "/api/accounts/ACC-4002/preferences", json={"contact_channel": "sms", "newsletter": "false"}
    )
    assert as_text.status_code == 422  # a boolean must arrive as a JSON boolean
    fax = {"contact_channel": "fax", "newsletter": True}
    assert fresh.put("/api/accounts/ACC-4002/preferences", json=fax).status_code == 422
    sms = {"contact_channel": "sms", "newsletter": True}
    assert fresh.put("/api/accounts/ACC-9999/preferences", json=sms).status_code == 404


def test_shipping_label(client):
    tracking = client.get("/api/orders/ORD-1001").json()["tracking_number"]
    label = client.get(f"/api/shipments/{tracking}/label").json()
    assert label["tracking_number"] == tracking
    assert label["label_url"].startswith("https://labels.northwind.example/")
    assert label["label_url"].endswith(".pdf")
    assert client.get("/api/shipments/0000000000/label").status_code == 404


def test_invoice_download(client):
    r = client.get("/api/invoices/INV-5001/download").json()
    assert r["invoice_id"] == "INV-5001"
    assert r["download_url"].startswith("https://billing.northwind.example/")
    assert client.get("/api/invoices/INV-9999/download").status_code == 404


# -- deliberate failure modes ---------------------------------------------------------------------


def test_failing_order_is_a_500(client):
    r = client.get("/api/orders/ORD-5000")
    assert r.status_code == 500
    assert r.json() == {"error": "internal error"}


def test_slow_order_outlasts_a_short_timeout(client):
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        client.get("/api/orders/ORD-5001", timeout=0.5)
    assert 0.4 < time.monotonic() - started < 2.5


def test_huge_response(client):
    r = client.get("/api/debug/huge")
    assert r.headers["content-type"] == "application/json"
    assert 4_500_000 < len(r.content) < 6_500_000
    assert json.loads(r.content)["rows"]


def test_not_json(client):
    r = client.get("/api/debug/not-json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    with pytest.raises(json.JSONDecodeError):
        r.json()


def test_drip_sends_a_byte_at_a_time(client):
    started = time.monotonic()
    with client.stream("GET", "/api/debug/drip", params={"seconds": 10}) as r:
        assert r.status_code == 200
        received = b""
        for chunk in r.iter_raw():
            received += chunk
            if len(received) >= 2:
                break
    assert received[:2] == b".."
    assert 0.4 < time.monotonic() - started < 3


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("code", [200, 400, 404, 409, 422, 429, 500, 502, 503])
def test_status_answers_the_requested_code(client, method, code):
    r = client.request(method, f"/api/debug/status/{code}")
    assert r.status_code == code
    assert r.json()["status"] == code
    if code >= 400:
        assert r.json()["error"].startswith(f"simulated {code}")
    empty = client.request(method, f"/api/debug/status/{code}", params={"empty": 1})
    assert empty.status_code == code and empty.content == b""


def test_status_extras(client):
    assert client.get("/api/debug/status/204").content == b""
    r = client.get("/api/debug/status/503", params={"retry_after": 2})
    assert r.headers["retry-after"] == "2"
    assert client.get("/api/debug/status/99").status_code == 422


def test_redirects(client):
    r = client.get("/api/debug/redirect", params={"to": "http://169.254.169.254/latest/"})
    assert r.status_code == 302 and r.headers["location"] == "http://169.254.169.254/latest/"
    loop = client.get("/api/debug/redirect-loop")
    assert loop.status_code == 302 and loop.headers["location"] == "/api/debug/redirect-loop"
    with pytest.raises(httpx.TooManyRedirects):
        client.get("/api/debug/redirect-loop", follow_redirects=True)


@pytest.mark.parametrize("method", METHODS)
def test_echo(client, method):
    r = client.request(
        method,
        "/api/debug/echo",
        params={"q": "heat pump"},
        json={"newsletter": True},
        headers={"X-Trace": "t-1"},
    )
    echoed = r.json()
    assert echoed["method"] == method and echoed["path"] == "/api/debug/echo"
    assert echoed["query"] == {"q": "heat pump"}
    assert echoed["headers"]["x-trace"] == "t-1"
    assert echoed["body"] == {"newsletter": True}
    as_text = client.request(method, "/api/debug/echo", content=b"plain words").json()
    assert as_text["body"] == "plain words"


def test_bad_utf8(client):
    r = client.get("/api/debug/bad-utf8")
    assert r.headers["content-type"] == "application/json"
    with pytest.raises(UnicodeDecodeError):
        r.content.decode("utf-8")


def test_injection_payload_looks_like_an_order(client):
    r = client.get("/api/debug/injection").json()
    assert r["notes"] == INJECTION_NOTE
    assert "IGNORE ALL PREVIOUS INSTRUCTIONS" in r["notes"]
    assert r["order_id"].startswith("ORD-") and r["status"]


# -- request log ----------------------------------------------------------------------------------


def test_request_log_records_each_request(fresh_demo_log, client):
    client.post(
        "/api/debug/echo?x=1&y=two",
        content=b'{"a": 1}',
        headers={"Content-Type": "application/json", "X-Trace": "T-9"},
    )
    httpx.get(f"{fresh_demo_log.base_url}/api/orders/ORD-1001")  # no token: still logged
    first, second = fresh_demo_log.request_log
    assert first == {
        "method": "POST",
        "path": "/api/debug/echo",
        "query": {"x": "1", "y": "two"},
        "headers": first["headers"],
        "body": '{"a": 1}',
    }
    assert first["headers"]["x-trace"] == "T-9"
    assert first["headers"]["authorization"] == f"Bearer {fresh_demo_log.token}"
    assert all(name == name.lower() for name in first["headers"])
    assert (second["method"], second["path"]) == ("GET", "/api/orders/ORD-1001")
    assert second["body"] == "" and "authorization" not in second["headers"]
