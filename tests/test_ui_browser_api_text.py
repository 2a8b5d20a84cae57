"""API data is text in the browser: no markdown, HTML, image, link or styling in a value takes
effect, and nothing loads from a host the team did not name.

The app (`streamlit run ui/app.py`) runs on the scripted OpenAI-compatible server and a demo
API of its own; a second local server stands for a foreign host and counts every request it
gets. The model echoes an order's result with hostile text in it, once as a card (title, field
value, note) and once as a plain answer: a markdown image, a markdown link, an autolink, raw
HTML with an image, a Streamlit colour directive and a heading. Headless Chromium records
every request the page makes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.conftest import DemoAPI
from tests.support.browser_app import chromium_page, send, settle, streamlit_app
from tests.support.openai_server import Reply, ScriptedOpenAI, openai_server, tool_call
from tests.support.servers import serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def scripted() -> Iterator[ScriptedOpenAI]:
    with openai_server(api_key="browser-test-key") as srv:
        yield srv


@pytest.fixture
def foreign() -> Iterator[tuple[str, list[str]]]:
    """A host nobody named: its URL, and the paths it was asked for."""
    hits: list[str] = []

    async def anything(request: Request) -> Response:
        hits.append(request.url.path)
        return Response(b"GIF89a", media_type="image/gif")

    with serve(Starlette(routes=[Route("/{path:path}", anything)])) as base:
        yield base, hits


@pytest.fixture
def app_url(tmp_path: Path, private_demo_api: DemoAPI, scripted: ScriptedOpenAI) -> Iterator[str]:
    env = {
        "OPENAI_API_KEY": "browser-test-key",
        "OPENAI_BASE_URL": scripted.openai_base_url,
        "OPENAI_MODEL": "scripted",
    }
    with streamlit_app(tmp_path / "data", private_demo_api, tmp_path / "streamlit.log", env) as url:
        yield url


def hostile(base: str) -> dict[str, str]:
    return {
        "image": f"![pixel]({base}/md-image.png)",
        "link": f"[Reset your password]({base}/phish)",
        "autolink": f"<{base}/autolink>",
        "html": f'<img src="{base}/html-image.png"><b style="color:red">styled</b>',
        "directive": ":red[ALERT] :material/warning:",
        "heading": "# Your account is locked",
    }


def test_api_text_with_markup_renders_as_literal_text_and_loads_nothing(
    app_url, foreign, tmp_path, private_demo_api, scripted
):
    from playwright.sync_api import expect

    base, hits = foreign
    parts = hostile(base)
    value = " ".join(parts.values())
    scripted.script(
        [
            tool_call("order_status", order_id="ORD-1003"),
            Reply(
                tool_calls=(
                    tool_call(
                        "Card",
                        title=f"Order {parts['image']}",
                        fields=[{"label": "Status", "value": value}],
                        note=parts["link"],
                    ),
                )
            ),
            tool_call("order_status", order_id="ORD-1001"),
            f"Here is what the API says:\n{value}\n{parts['heading']}",
        ]
    )
    requested: list[str] = []
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with chromium_page(app_url, shots / "9-last.png", viewport=(1400, 1000), timeout_ms=90_000) as page:
        page.on("request", lambda request: requested.append(request.url))
        main = page.get_by_role("main")
        expect(main.get_by_text("OpenAI-compatible scripted @")).to_be_visible()
        send(page, "What is the status of ORD-1003?")
        card = main.get_by_test_id("stChatMessage").filter(has_text="Details — order_status")
        expect(card).to_have_count(1)
        expect(card.get_by_text(parts["image"], exact=False).first).to_be_visible()
        send(page, "And ORD-1001?")
        answer = main.get_by_test_id("stChatMessage").filter(has_text="Here is what the API says:")
        expect(answer).to_have_count(1)
        settle(page)
        page.wait_for_timeout(1500)  # anything the page would load has had time to be asked for
        page.screenshot(path=shots / "1-api-text.png", full_page=True)

        for name, text in parts.items():  # every piece is on the page, as typed
            expect(main.get_by_text(text, exact=False).first).to_be_visible(), name
        expect(main.locator(f'img[src^="{base}"]')).to_have_count(0)
        expect(main.locator(f'a[href^="{base}"]')).to_have_count(0)
        expect(main.locator("b[style]")).to_have_count(0)
        expect(main.get_by_role("heading", name="Your account is locked")).to_have_count(0)
    assert hits == []  # the foreign host was never asked for anything
    app_origin = app_url.rstrip("/")
    elsewhere = [u for u in requested if u.startswith("http") and not u.startswith(app_origin)]
    assert elsewhere == []
