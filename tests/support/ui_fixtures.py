"""The Streamlit app under test: a real `AgentRuntime` (SQLite in a temp dir, the demo API,
an injected chat model, or the offline one when none is given) put into the session before the first run, and helpers to drive it."""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast

from langgraph.checkpoint.memory import InMemorySaver
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import AlertBase

from agent.wiring.runtime import open_stores
from tests.support.agent_fixtures import demo_actions, settings_for
from tools.executor import ExecutorSettings
from ui.runtime import RUNTIME_KEY, AgentRuntime, start_runtime

APP = Path(__file__).resolve().parents[2] / "ui" / "app.py"


@contextlib.contextmanager
def app_runtime(
    tmp_path: Path,
    demo_api,
    model,
    *,
    admin_password: str | None = None,
    model_label: str | None = "scripted test model",
    actions: list[dict[str, Any]] | None = None,
) -> Iterator[AgentRuntime]:
    settings = settings_for(tmp_path, demo_api, admin_password=admin_password)
    stores = open_stores(settings)
    stores.secrets.set("DEMO_API_TOKEN", demo_api.token)
    # The demo's test conversations are left out unless a test passes them: publishing a draft
    # runs them on the app's model (the publish guard), which here is a scripted one.
    default = [{**a, "test_conversations": []} for a in demo_actions(demo_api.base_url)]
    for action in actions if actions is not None else default:
        stores.actions.create(action)
    runtime = start_runtime(
        settings,
        stores=stores,
        model=model,
        model_label=model_label if model else None,
        executor_settings=ExecutorSettings(allow_hosts=(demo_api.host,), backoff_seconds=0.01),
        checkpointer=InMemorySaver(),
    )
    try:
        yield runtime
    finally:
        runtime.close()


def open_app(runtime: AgentRuntime, **session: Any) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state[RUNTIME_KEY] = runtime
    for key, value in session.items():
        at.session_state[key] = value
    return at.run()


ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def shown(markdown: str) -> str:
    """Markdown as a person reads it, as far as escapes go: `order\\_status` is `order_status`
    (the app escapes every message that quotes what someone typed, `ui.render.literal`)."""
    text = str(markdown)
    if text.startswith("<div>") and text.endswith("</div>"):  # `ui.render.show_text`: escaped HTML
        text = re.sub(r"</?strong>", "**", text.replace("<br>", "\n"))  # bold read as it is written
        return html.unescape(re.sub(r"</?div>", "", text))
    return ESCAPED.sub(r"\1", text.replace("  \n", "\n"))


def texts(at: AppTest) -> str:
    """Everything written on the page (markdown, captions, alerts, code), for assertions."""
    # as a person reads them: API data, customers' words and replies are escaped (`ui.render.as_text`)
    parts = [shown(m.value) for m in at.markdown] + [shown(c.value) for c in at.caption]
    alerts = [cast(Sequence[AlertBase], at.get(kind)) for kind in ("error", "warning", "info", "success")]
    parts += [shown(e.value) for found in alerts for e in found]
    parts += [c.value for c in at.code]
    return "\n".join(str(p) for p in parts)


def by_label(widgets, label: str):
    matches = [w for w in widgets if w.label == label or w.label.rstrip(" *") == label]
    assert matches, f"no widget labelled {label!r}; have {[w.label for w in widgets]}"
    return matches[0]


def say(at: AppTest, text: str) -> AppTest:
    """The customer types `text` into the chat."""
    return at.chat_input[0].set_value(text).run()


def click(at: AppTest, label: str, *, where: Any = None) -> AppTest:
    """Click the button (or form submit button) labelled `label`, in `where` or the whole page."""
    scope = where or at
    buttons = [*scope.button, *scope.get("form_submit_button")]
    match = [b for b in buttons if b.label == label]
    assert match, f"no button {label!r}; have {[b.label for b in buttons]}"
    return match[0].click().run()
