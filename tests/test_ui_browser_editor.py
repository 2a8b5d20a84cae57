"""The product team's editor in a real browser: `streamlit run ui/app.py` (offline model, SQLite
in a temp dir, the demo API under uvicorn) driven by headless Chromium through Playwright.

One walk through what issue 14 found broken or confusing: an action created with the per-input
forms (a placeholder typo answered with "did you mean", underscores kept on screen), a Disable
on an out-of-date editor refused and said, a dry run of a write that sends nothing, and an
import previewed with its diff before anything is stored. Screenshots go to
test-artifacts/editor/ (git-ignored).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.wiring.runtime import open_stores
from agent.wiring.settings import Settings
from storage.transfer import export_actions
from tests.support.browser_app import ROOT, chromium_page, click_until, pick, settle, streamlit_app

ARTIFACTS = ROOT / "test-artifacts" / "editor"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def app_url(tmp_path: Path, fresh_demo_log) -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_app(tmp_path / "data", fresh_demo_log, ARTIFACTS / "streamlit.log") as url:
        yield url


def test_create_refused_disable_dry_run_and_import_preview(app_url, tmp_path, fresh_demo_log):
    from playwright.sync_api import expect

    demo_api = fresh_demo_log  # the session's demo API, its request log cleared for this test

    data_dir = tmp_path / "data"
    with chromium_page(app_url, ARTIFACTS / "99-last.png", viewport=(1500, 1400)) as page:
        sidebar = page.get_by_test_id("stSidebar")

        def fill(label: str, value: str, *, area: bool = False) -> None:
            box = sidebar.get_by_label(label, exact=True).filter(visible=True)
            expect(box).to_have_count(1)
            box.fill(value)
            box.press("Tab" if area else "Enter")
            settle(page)

        def shot(name: str, target) -> None:
            """The page with `target` scrolled into view (the sidebar scrolls on its own)."""
            settle(page)
            target.first.scroll_into_view_if_needed()
            page.screenshot(path=ARTIFACTS / name)

        expect(sidebar.get_by_role("button", name="Create action")).to_be_visible()

        # 1. a new action with the per-input forms; the URL has a typo at first
        sidebar.get_by_role("button", name="Create action").click()
        settle(page)
        fill("URL", f"{demo_api.base_url}/api/tickets/{{{{tiket_id}}}}")
        fill(
            "When should the agent run this action?",
            "Use when the customer asks about a ticket.",
            area=True,
        )
        fill("Name (the tool name)", "ticket_status")
        fill("Title", "Look up a support ticket")
        sidebar.get_by_text("Collect info first", exact=True).click()
        click_until(
            page,
            sidebar.get_by_role("button", name="Add input"),
            sidebar.get_by_label("Input name", exact=True),
        )
        fill("Input name", "ticket_id")
        fill("Description (for the model)", "The ticket number, TCK- and four digits", area=True)
        fill("Example", "TCK-3001")
        sidebar.get_by_text("Headers & body", exact=True).click()
        click_until(
            page,
            sidebar.get_by_role("button", name="Add header"),
            sidebar.get_by_label("Header 1", exact=True),
        )
        fill("Header 1", "Authorization")
        fill("Value 1", "Bearer {{secret.DEMO_API_TOKEN}}")
        shot("01-new-action-form.png", sidebar.get_by_label("Value 1", exact=True))
        sidebar.get_by_role("button", name="Create & publish").click()
        # the message as typed: underscores and braces survive the page's markdown
        expect(sidebar.get_by_text("did you mean 'ticket_id'?")).to_be_visible()
        expect(sidebar.get_by_text("unknown placeholder '{{tiket_id}}'")).to_be_visible()
        shot("02-typo-did-you-mean.png", sidebar.get_by_text("did you mean 'ticket_id'?"))
        fill("URL", f"{demo_api.base_url}/api/tickets/{{{{ticket_id}}}}")
        sidebar.get_by_role("button", name="Create & publish").click()
        expect(sidebar.get_by_text("Saved ticket_status (version 1)")).to_be_visible()
        shot("03-created.png", sidebar.get_by_text("Saved ticket_status (version 1)"))

        # 2. someone else saves version 2; Disable on this editor is refused and said
        stores = open_stores(Settings(data_dir=data_dir))
        stored = stores.actions.get("ticket_status")
        stores.actions.update(
            "ticket_status",
            stored.definition.model_copy(update={"title": "Their title"}),
            expected_version=stored.version,
        )
        settle(page)
        sidebar.get_by_role("button", name="Disable").click()
        expect(sidebar.get_by_text("Not disabled: ticket_status changed since you opened it")).to_be_visible()
        expect(sidebar.get_by_role("button", name="Delete")).to_be_visible()  # not vanished
        shot("04-stale-disable-refused.png", sidebar.get_by_role("button", name="Delete"))
        assert stores.actions.get("ticket_status").definition.enabled

        # 3. a dry run of a write: the exact request, nothing sent
        pick(page, sidebar, "Edit action", "open_support_ticket")
        sidebar.get_by_role("tab", name="Test action").click()
        expect(sidebar.get_by_text("Run test sends a real POST")).to_be_visible()
        sidebar.get_by_role("button", name="Dry run").click()
        expect(sidebar.get_by_text("nothing was sent")).to_be_visible()
        expect(sidebar.get_by_text(f"POST {demo_api.base_url}/api/tickets")).to_be_visible()
        shot("05-dry-run.png", sidebar.get_by_text("nothing was sent"))
        assert not [r for r in demo_api.request_log if r["method"] == "POST"]
        assert demo_api.token not in sidebar.inner_text()

        # 4. an import previewed: what it creates and updates, each field before | after
        items = export_actions(stores.actions)
        assert isinstance(items, list)  # no auth settings stored: the definitions alone
        for item in items:
            if item["name"] == "order_status":
                item["title"] = "Where is my parcel"
        catalog = tmp_path / "catalog.json"
        catalog.write_text(json.dumps(items))
        sidebar.get_by_role("tab", name="Import / export").click()
        sidebar.locator("input[type=file]").set_input_files(str(catalog))
        expect(sidebar.get_by_text("Updated: order_status (version 1 → 2) · title")).to_be_visible()
        expect(sidebar.get_by_text("Where is my parcel")).to_be_visible()
        expect(sidebar.get_by_role("button", name="Import")).to_be_disabled()
        shot("06-import-preview.png", sidebar.get_by_role("button", name="Import"))
        assert stores.actions.get("order_status").definition.title == "Look up order status"
        stores.engine.dispose()
    print(f"screenshots: {ARTIFACTS}")


def test_switching_action_with_unsaved_edits_asks_first(app_url, tmp_path):
    """A typed edit, then another action picked: the edit stays until the person chooses."""
    from playwright.sync_api import expect

    with chromium_page(app_url, ARTIFACTS / "99-last-switch.png", viewport=(1500, 1400)) as page:
        sidebar = page.get_by_test_id("stSidebar")
        pick(page, sidebar, "Edit action", "order_status")
        title = sidebar.get_by_label("Title", exact=True).filter(visible=True)
        title.fill("My unsaved title")
        title.press("Enter")
        settle(page)

        pick(page, sidebar, "Edit action", "cancel_order")
        question = sidebar.get_by_text("order_status has unsaved edits. Open cancel_order and drop them")
        expect(question).to_be_visible()
        expect(title).to_have_value("My unsaved title")  # nothing dropped yet
        question.scroll_into_view_if_needed()
        page.screenshot(path=ARTIFACTS / "07-unsaved-edits-asked.png")

        sidebar.get_by_role("button", name="Keep editing order_status").click()
        settle(page)
        expect(question).to_have_count(0)
        expect(title).to_have_value("My unsaved title")

        pick(page, sidebar, "Edit action", "cancel_order")
        sidebar.get_by_role("button", name="Drop my edits, open cancel_order").click()
        settle(page)
        expect(question).to_have_count(0)
        stores = open_stores(Settings(data_dir=tmp_path / "data"))
        try:
            expect(title).to_have_value(stores.actions.get("cancel_order").definition.title or "")
            assert stores.actions.get("order_status").definition.title != "My unsaved title"
        finally:
            stores.engine.dispose()
