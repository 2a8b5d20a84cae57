"""Auth settings in the sidebar under AppTest, with real storage: created, edited (kind
changed), secrets written once and never shown back, and picked by an action in the editor."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.scripted_model import ScriptedChatModel
from tests.support.ui_fixtures import app_runtime, by_label, click, open_app, texts
from tools.auth import AuthKind, BearerAuth

pytestmark = pytest.mark.slow

TOKEN = "tok-8c1f-very-secret"
CLIENT_SECRET = "cs-51d0-very-secret"


def value_of(rt, name: str) -> str | None:
    return asyncio.run(rt.stores.secrets.get_secret(name))


def field(at, label: str):
    """A text field of the Auth tab (other tabs have a "Name" too)."""
    return by_label([w for w in at.sidebar.text_input if str(w.key).startswith("auth.")], label)


def shown_values(at) -> list[str]:
    """Every value a text field of the page holds, and every text drawn."""
    return [str(w.value) for w in at.text_input] + [texts(at)]


def test_auth_settings_are_created_edited_and_picked_with_write_only_secrets(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel()) as rt:
        at = open_app(rt)
        assert by_label(at.sidebar.selectbox, "Auth setting to edit").value == ""
        assert by_label(at.sidebar.selectbox, "Kind").options == [
            "Bearer token",
            "API key in a header",
            "Basic (user name and password)",
            "OAuth2 client credentials",
        ]
        field(at, "Name").set_value("orders gateway")
        click(at, "Create auth setting", where=at.sidebar)
        assert any("Token: type its value" in e.value for e in at.sidebar.error), [
            e.value for e in at.sidebar.error
        ] + [x.value for x in at.exception]
        assert rt.stores.auth.list() == []

        field(at, "Name").set_value("orders_gateway")
        field(at, "Token value · not set").set_value(TOKEN)
        click(at, "Create auth setting", where=at.sidebar)
        assert not at.exception and not at.sidebar.error, [e.value for e in at.sidebar.error]
        stored = rt.stores.auth.get("orders_gateway")
        assert isinstance(stored.setting, BearerAuth)
        assert (stored.setting.kind, stored.setting.token_secret) == (AuthKind.BEARER, "ORDERS_GATEWAY_TOKEN")
        assert value_of(rt, "ORDERS_GATEWAY_TOKEN") == TOKEN
        # the saved value is never shown back: the field is empty and says the secret is set
        assert by_label(at.sidebar.selectbox, "Auth setting to edit").value == "orders_gateway"
        assert field(at, "Token value · set").value == ""
        assert not any(TOKEN in v for v in shown_values(at))

        # edited: another kind, its own fields and secrets
        by_label(at.sidebar.selectbox, "Kind").set_value(AuthKind.OAUTH2_CLIENT_CREDENTIALS).run()
        field(at, "Token URL").set_value("https://auth.example.com/oauth/token")
        field(at, "Client ID value · not set").set_value("client-7")
        field(at, "Client secret value · not set").set_value(CLIENT_SECRET)
        click(at, "Save auth setting", where=at.sidebar)
        assert not at.exception and not at.sidebar.error
        stored = rt.stores.auth.get("orders_gateway")
        assert stored.version == 2 and stored.setting.kind is AuthKind.OAUTH2_CLIENT_CREDENTIALS
        assert stored.setting.client_secret_secret == "ORDERS_GATEWAY_CLIENT_SECRET"
        assert value_of(rt, "ORDERS_GATEWAY_CLIENT_SECRET") == CLIENT_SECRET
        assert not any(CLIENT_SECRET in v or TOKEN in v for v in shown_values(at))

        # a save without typing a value keeps the secret; a typed one replaces it
        field(at, "Description").set_value("Orders API, issued by IT")
        field(at, "Client secret value · set").set_value("cs-rotated")
        click(at, "Save auth setting", where=at.sidebar)
        assert rt.stores.auth.get("orders_gateway").version == 3
        assert value_of(rt, "ORDERS_GATEWAY_CLIENT_ID") == "client-7"
        assert value_of(rt, "ORDERS_GATEWAY_CLIENT_SECRET") == "cs-rotated"

        # an action picks it in the editor: a list, not a name to type
        by_label(at.sidebar.selectbox, "Edit action").set_value("account_summary").run()
        pick = by_label(at.sidebar.selectbox, "Auth setting")
        assert pick.options == ["None", "orders_gateway"] and pick.value == ""
        pick.set_value("orders_gateway").run()
        assert by_label(at.sidebar.selectbox, "Auth setting").value == "orders_gateway"


def test_auth_settings_are_behind_the_admin_gate(tmp_path, fresh_demo_log):
    with app_runtime(tmp_path, fresh_demo_log, ScriptedChatModel(), admin_password="open-sesame") as rt:
        at = open_app(rt)
        assert not [s for s in at.sidebar.selectbox if s.label == "Auth setting to edit"]
        field_labels = [w.label for w in at.sidebar.text_input]
        assert field_labels == ["Admin password"]
