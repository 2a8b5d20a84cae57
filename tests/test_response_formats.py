"""A response format is three files: its value in `tools.action.ResponseFormat`, its presenter
module in `agent/presenters/` (found by the value) and its renderer in `ui/render.py`'s table.
Everything else reads a presentation generically (`agent.presentation`): the format's name, the
plain text and the payload under the key the format names. A forgotten file fails here.

What release 0.1.0 stored still opens: its presentations (`{"format": "card", "text": ...,
"card": {...}, "link": null}`) read as they did, what is written now reads with that release's
own model, and its conversations (tests/data/release_0_1_0) come back with their cards, in the
transcript and on the chat page.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ValidationError

from agent.offline import OfflineChatModel
from agent.presentation import Presentation, payload_of
from agent.presenters import PRESENT_NAMES, PRESENTERS, Shown, find_presenters
from agent.wiring.runtime import open_agent, open_stores
from agent.wiring.settings import Settings
from tests.data.release_0_1_0 import make_data as release
from tests.support.release_data import sqlite_folder
from tests.support.ui_fixtures import open_app, texts
from tools.action import ResponseFormat
from tools.outcome import Outcome, OutcomeKind
from ui.chat import SESSION_KEY
from ui.render import RENDERERS, drawn
from ui.runtime import AgentRuntime

ROOT = Path(__file__).resolve().parent.parent


# -- every format has its three files --------------------------------------------------------------
def test_every_response_format_has_a_presenter_module_and_a_renderer() -> None:
    values = [f.value for f in ResponseFormat]
    assert list(PRESENTERS) == values  # in the enum's order: the final node builds in it
    assert sorted(RENDERERS) == sorted(values)
    for value, presenter in PRESENTERS.items():
        assert (ROOT / "agent" / "presenters" / f"{value}.py").is_file(), value
        assert presenter.format == value
        assert presenter.tool is None or presenter.tool.__name__ in PRESENT_NAMES


def test_a_format_without_its_presenter_module_stops_the_import_naming_it() -> None:
    class Later(str, enum.Enum):
        TEXT = "text"
        TABLE = "table"

    with pytest.raises(ImportError, match="response format 'table' has no presenter"):
        find_presenters(Later)


# -- the stored shape, then and now ------------------------------------------------------------------
class CardField010(BaseModel):
    label: str
    value: str


class Card010(BaseModel):
    title: str
    fields: list[CardField010] = []
    link_url: str | None = None
    link_label: str | None = None
    note: str | None = None


class Link010(BaseModel):
    url: str
    label: str
    note: str | None = None


class Presentation010(BaseModel):
    """How release 0.1.0 reads a stored presentation (its `agent.presentation.Presentation`)."""

    format: Literal["text", "card", "link"]
    text: str
    card: Card010 | None = None
    link: Link010 | None = None


CARD = {
    "title": "Order ORD-1001",
    "fields": [{"label": "Status", "value": "shipped"}],
    "link_url": "https://track.example.com/1",
    "link_label": "Track it",
    "note": None,
}
LINK = {"url": "https://labels.example.com/r/1", "label": "Return label", "note": "Print it."}
STORED_BY_0_1_0 = [
    {"format": "card", "text": "Order ORD-1001\nStatus: shipped", "card": CARD, "link": None},
    {"format": "link", "text": "Print it. Return label: https://...", "card": None, "link": LINK},
    {"format": "text", "text": "Your order has shipped.", "card": None, "link": None},
]


@pytest.mark.parametrize("stored", STORED_BY_0_1_0, ids=lambda s: s["format"])
def test_a_presentation_release_0_1_0_stored_reads_and_what_is_written_reads_with_its_code(stored) -> None:
    read = Presentation.model_validate(stored)
    payload = stored[stored["format"]] if stored["format"] != "text" else None
    assert (read.format, read.text, read.payload) == (stored["format"], stored["text"], payload)
    written = read.model_dump(mode="json")
    # the payload under its format's key, as before; no null key for the other formats
    assert written == {k: v for k, v in stored.items() if v is not None}
    assert Presentation010.model_validate(written) == Presentation010.model_validate(stored)
    assert Presentation.model_validate(written) == read == Presentation.model_validate(read.model_dump())
    assert payload_of(written) == payload_of(stored) == payload


def test_a_payload_never_takes_the_place_of_the_text() -> None:
    """Stored under its format's key, a payload of a format named like a field would overwrite
    that field: refused."""
    with pytest.raises(ValidationError, match="carries no payload"):
        Presentation(format="text", text="words", payload={"title": "x"})


def test_every_presenter_writes_what_release_0_1_0_reads() -> None:
    """What each payload format's presenter builds, dumped, reads with the release's model to
    the same payload and text (a rollback shows today's answers as they were)."""
    outcome = Outcome(
        action="order_status",
        kind=OutcomeKind.OK,
        status=200,
        summary="ok",
        data={"Status": "shipped"},
        link_url="https://track.example.com/1",
    )
    for value, presenter in PRESENTERS.items():
        built = presenter.build(Shown("call_1", None, outcome, value), None)
        written = built.model_dump(mode="json")
        old = Presentation010.model_validate(written)
        assert (old.format, old.text) == (value, built.text)
        if built.payload is not None:
            assert getattr(old, value).model_dump(mode="json") == built.payload


# -- the release's own data ------------------------------------------------------------------------
@pytest.fixture
def release_settings(tmp_path: Path) -> Settings:
    """Settings on a copy of the SQLite data folder release 0.1.0 wrote (upgraded on opening)."""
    return Settings(data_dir=sqlite_folder(tmp_path / "data"), secret_key=release.SECRET_KEY)


def _without_nulls(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if v is not None}


def test_the_release_conversations_come_back_with_their_cards(release_settings: Settings) -> None:
    """The answers in the release's checkpoints read as the release recorded them in its traces
    (less the null key of the format not used), and the chat draws each from its payload."""
    stores = open_stores(release_settings)
    try:
        recorded = [
            e
            for t in stores.traces.turns(release.ORDER_SESSION)
            for e in t["events"]
            if e["type"] == "assistant"
        ]
        assert [e["format"] for e in recorded] == ["card", "card"]
        assert all(drawn(e) and payload_of(e) == e["card"] for e in recorded)

        async def transcript() -> list[dict[str, Any]]:
            async with open_agent(release_settings, stores=stores, model=OfflineChatModel()) as agent:
                return await agent.transcript(release.ORDER_SESSION)

        answers = [
            {k: v for k, v in e.items() if k != "role"}
            for e in asyncio.run(transcript())
            if e["role"] == "assistant"
        ]
        assert answers == [_without_nulls(e) for e in recorded]
        assert [a["card"]["title"] for a in answers] == ["Order status", "Order status"]
    finally:
        stores.engine.dispose()


@pytest.fixture
def release_runtime(release_settings: Settings) -> Iterator[AgentRuntime]:
    runtime = AgentRuntime(
        release_settings, open_stores(release_settings), model=OfflineChatModel(), model_label="offline"
    )
    try:
        yield runtime
    finally:
        runtime.close()


@pytest.mark.slow
def test_the_chat_page_draws_the_release_cards(release_runtime: AgentRuntime) -> None:
    at = open_app(release_runtime, **{SESSION_KEY: release.ORDER_SESSION})
    assert not at.exception
    page = texts(at)
    assert page.count("**Order status**") == 2, page  # each answer drawn as a card: its title in bold
    assert "Tracking number" in page and "9400242244887372219343" in page
    buttons = [(b.proto.label, b.proto.url) for b in at.main.get("link_button")]
    assert [url for _, url in buttons] == [
        "https://track.northwind.example/usps/9400242244887372219343",
        "https://track.northwind.example/fedex/501325840912",
    ]
