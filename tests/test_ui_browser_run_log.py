"""The run log and the traces page's flags in a real browser: `streamlit run ui/app.py` (offline
model, SQLite in a temp dir, the demo API under uvicorn, where ORD-5000 answers 500), headless
Chromium through Playwright.

Three conversations (a lookup the API fails, one that works, a question no action answers);
the failed turn is flagged in traces and found by the filter; the run log page shows its rows,
its charts and the unmatched message. Screenshots go to test-artifacts/run-log/ (git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser_app import ROOT, chromium_page, pick, send, settle, streamlit_app

ARTIFACTS = ROOT / "test-artifacts" / "run-log"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def chosen(scope, label: str):
    """The input showing a select box's current choice."""
    return scope.get_by_test_id("stSelectbox").filter(has_text=label).get_by_role("combobox")


def click_cell(page, grid, *, row: int, x: float, appears) -> None:
    """Click a cell of a data grid (drawn on a canvas) until `appears` shows: `row` counts from
    0 under the header, `x` is pixels from the grid's left edge. The grid takes a click once it
    has drawn the pointer over the cell; a click landing during a rerun is lost and repeated."""
    grid.scroll_into_view_if_needed()
    for _ in range(3):
        box = grid.bounding_box()
        assert box is not None
        point = (box["x"] + x, box["y"] + 35 * (row + 1) + 17)
        page.mouse.move(*point)
        page.wait_for_timeout(300)
        page.mouse.click(*point)
        settle(page)
        try:
            appears.first.wait_for(state="visible", timeout=10_000)
            return
        except Exception:  # the click was lost
            continue
    appears.first.wait_for(state="visible")


@pytest.fixture
def app_url(tmp_path: Path, demo_api) -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_app(tmp_path, demo_api, ARTIFACTS / "streamlit.log") as url:
        yield url


def test_failed_turn_flagged_in_traces_and_run_log_charts_in_chromium(app_url, demo_api):
    from playwright.sync_api import expect

    with chromium_page(app_url, ARTIFACTS / "9-last.png", viewport=(1500, 1100)) as page:
        main = page.get_by_role("main")
        messages = main.get_by_test_id("stChatMessage")
        expect(main.get_by_text("Offline model in use")).to_be_visible()

        # three conversations: the API fails one lookup with 500, another works
        send(page, "where is my order ORD-5000")
        expect(messages).to_have_count(2)
        settle(page)
        main.get_by_role("button", name="New conversation").click()
        expect(messages).to_have_count(0)
        send(page, "where is my order ORD-1001")
        expect(messages.filter(has_text="Estimated delivery")).to_have_count(1)
        settle(page)
        main.get_by_role("button", name="New conversation").click()
        expect(messages).to_have_count(0)
        send(page, "Do you sell gift cards?")
        expect(messages).to_have_count(2)
        settle(page)
        assert any("ORD-5000" in r["path"] for r in demo_api.request_log)

        # traces: only conversations with errors; the failed turn says so, nothing green
        main.get_by_text("Traces", exact=True).click()
        settle(page)
        pick(page, main, "Only conversations with", "errors", widget="stMultiSelect")
        page.keyboard.press("Escape")
        settle(page)
        failed = main.get_by_text("This turn failed.")
        expect(failed).to_be_visible()
        expect(main.get_by_text("status 500").first).to_be_visible()
        conversation = chosen(main, "Conversation")
        expect(conversation).to_have_value(re.compile(r"^\[error ×1\] · where is my order ORD-5000 · "))
        expect(chosen(main, "Turn")).to_have_value(re.compile(r"^1: \[error\] message"))
        expect(main.get_by_test_id("stMetric").filter(has_text="Result")).to_contain_text("error")
        expect(main.get_by_text("No errors, limits reached or refusals in this turn.")).to_have_count(0)
        settle(page)
        page.screenshot(path=ARTIFACTS / "1-traces-failed-turn.png", full_page=True)

        # the run log: rows, four charts' places, the unmatched question, the export
        main.get_by_text("Run log", exact=True).click()
        settle(page)
        expect(main.get_by_text("Runs 1–2 of 2, newest first.")).to_be_visible()
        expect(main.get_by_text("Runs per action per day")).to_be_visible()
        expect(main.get_by_text("Outcome classes over time")).to_be_visible()
        expect(main.get_by_text("Latency per action")).to_be_visible()
        expect(main.get_by_text("No limit was reached in this range.")).to_be_visible()
        charts = main.get_by_test_id("stVegaLiteChart")
        expect(charts).to_have_count(3)
        for n in range(3):
            expect(charts.nth(n).locator("canvas, svg").first).to_be_visible()
        expect(main.get_by_role("button", name="Export CSV")).to_be_visible()
        expect(main.get_by_text("Messages that matched no action")).to_be_visible()
        settle(page)
        page.set_viewport_size({"width": 1500, "height": 2100})  # the whole page, charts included
        settle(page)
        page.screenshot(path=ARTIFACTS / "2-run-log.png")
        page.set_viewport_size({"width": 1500, "height": 1100})
        settle(page)

        exported = Path(download_by_click(page, main.get_by_role("button", name="Export CSV"))).read_text()
        lines = exported.strip().splitlines()
        assert lines[0].startswith("at,session_id,turn,channel,action,outcome")
        assert sorted(line.split(",")[5] for line in lines[1:]) == ["http_error", "ok"]

        # the runs are named by their conversation's first message
        grid = main.get_by_test_id("stDataFrame").first
        expect(grid).to_contain_text("where is my order ORD-1001")  # the grid's accessible copy
        # one click on a row (its conversation cell) opens its trace in this tab: the newest row
        click_cell(page, grid, row=0, x=230, appears=main.get_by_text("No errors, limits reached"))
        expect(chosen(main, "Turn")).to_have_value(re.compile("ORD-1001"))
        expect(main.get_by_text("No errors, limits reached or refusals in this turn.")).to_be_visible()
        page.screenshot(path=ARTIFACTS / "3-opened-trace.png", full_page=True)

        # one click on a conversation of the traces page's list opens it: the oldest, which failed
        listed = main.get_by_test_id("stDataFrame").first
        expect(listed).to_contain_text("Do you sell gift cards?")
        click_cell(page, listed, row=2, x=60, appears=main.get_by_text("This turn failed."))
        expect(main.get_by_text("This turn failed.")).to_be_visible()
        expect(chosen(main, "Conversation")).to_have_value(
            re.compile(r"^\[error ×1\] · where is my order ORD-5000")
        )

        # the table's link (a new tab) opens the failed turn's trace
        failed_session = next(line.split(",")[1] for line in lines[1:] if ",http_error," in line)
        linked = page.context.browser.new_page(viewport={"width": 1500, "height": 1100})
        linked.goto(f"{app_url}/?session={failed_session}&turn=1")
        expect(linked.get_by_role("main").get_by_text("This turn failed.")).to_be_visible()
        expect(chosen(linked.get_by_role("main"), "Conversation")).to_have_value(re.compile(failed_session))
        settle(linked)
        linked.screenshot(path=ARTIFACTS / "4-linked-trace.png", full_page=True)


def test_run_log_filters_are_kept_across_pages(app_url, demo_api):
    """An outcome filter set on the run log is still set after a visit to the chat."""
    from playwright.sync_api import expect

    with chromium_page(
        app_url, ARTIFACTS / "9-last-kept.png", viewport=(1280, 800), timeout_ms=120_000
    ) as page:
        main = page.get_by_role("main")
        send(page, "Where is my order ORD-5000?")
        expect(main.get_by_test_id("stChatMessage")).to_have_count(2)
        settle(page)
        send(page, "Where is my order ORD-1001?")
        expect(
            main.get_by_test_id("stChatMessage").filter(has_text="Estimated delivery").last
        ).to_be_visible()
        settle(page)
        main.get_by_text("Run log", exact=True).click()
        settle(page)
        pick(page, main, "Outcome", "HTTP error", widget="stMultiSelect")
        page.keyboard.press("Escape")
        settle(page)
        expect(main.get_by_text("Runs 1–1 of 1, newest first.")).to_be_visible()
        main.get_by_text("Support chat", exact=True).click()
        settle(page)
        expect(main.get_by_test_id("stChatInputTextArea")).to_be_visible()
        main.get_by_text("Run log", exact=True).click()
        settle(page)
        expect(main.get_by_text("Runs 1–1 of 1, newest first.")).to_be_visible()
        expect(main.get_by_test_id("stMultiSelect").filter(has_text="Outcome")).to_contain_text("HTTP error")
        for width, height in ((1280, 800), (1024, 768)):
            page.set_viewport_size({"width": width, "height": height})
            settle(page)
            page.screenshot(path=ARTIFACTS / f"kept-filter-{width}x{height}.png", full_page=True)


def download_by_click(page, button) -> str:
    """The path of the file a click on `button` downloads. On a loaded machine a click that lands
    while a rerun is still replacing the page can be lost (no download starts); it is clicked
    again, at most three times (a second download of the same export changes nothing)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(3):
        try:
            with page.expect_download(timeout=20_000) as download:
                button.click()
            return download.value.path()
        except PlaywrightTimeout:
            settle(page)
    raise AssertionError("three clicks on the export button started no download")
