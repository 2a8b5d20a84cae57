"""Small renderers: assistant answers (in their response format, or as email), request
previews, outcomes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import streamlit as st

from agent.presentation import payload_of
from tools.action import ResponseFormat

OUTCOME_LABELS = {
    "ok": "OK",
    "http_error": "HTTP error",
    "timeout": "Timed out",
    "network": "Network error",
    "blocked": "Blocked by the guard",
    "invalid_response": "Unusable response",
    "config_error": "Not sent (configuration or arguments)",
}


_MARKUP = re.compile(r"([\\`*\[\]<>$|~])")


def plain(text: str) -> str:
    """`text` escaped for Streamlit markdown, so that a name the model chose (an action it
    called that does not exist, say) shows as written and never becomes a link, code, HTML,
    math or a table. Underscores are left alone: every action name has them inside words,
    where markdown keeps them as they are."""
    return _MARKUP.sub(r"\\\1", text)


_ANY_MARKUP = re.compile(r"([!-/:-@\[-`{-~])")


def literal(text: str) -> str:
    """`text` escaped so that Streamlit markdown shows every character as typed: each ASCII
    punctuation mark gets a backslash (CommonMark's escape), so `_x_` stays `_x_` rather than
    turning italic, `:red[...]` stays text, and `{{secret.NAME}}` keeps its braces. For
    messages that quote what the team typed (validation problems, refusals)."""
    return _ANY_MARKUP.sub(r"\\\1", str(text))


def as_text(text: Any) -> str:
    """`text` escaped for a widget label (which Streamlit reads as markdown): every ASCII
    punctuation mark escaped, line breaks kept. Labels hold names and our own words; API data,
    customers' words and replies are drawn with `show_text`."""
    return "  \n".join(literal(line) for line in str(text).split("\n"))


_INERT = {ord(c): f"&#{ord(c)};" for c in "&<>\"':[]()$*_`~\\|!{}#"}
"""HTML's special characters, and those of markdown, Streamlit directives (`:red[...]`, `:material/...:`) and math, as
character references: the page shows them, no text processing sees them."""


def show_text(text: Any, *, where: Any = None, caption: bool = False, bold: bool = False) -> None:
    """Draw `text` exactly as written: everything that carries API data, a customer's words or
    a model's reply built from them. Markdown escapes are not enough (Streamlit turns a bare
    URL into a link after they are read), so the text goes out HTML-escaped inside one `<div>`
    on one line (`<br>` for line breaks): a single raw HTML block, which markdown leaves alone.
    No markdown, HTML, image, link, autolink, colour or icon directive in it takes effect, so
    it never loads anything, never becomes a link and never styles the page."""
    body = str(text).translate(_INERT).replace("\r\n", "\n").replace("\r", "\n")
    body = body.replace("\n", "<br>")
    if bold:
        body = f"<strong>{body}</strong>"
    target = where if where is not None else st
    (target.caption if caption else target.markdown)(f"<div>{body}</div>", unsafe_allow_html=True)


def web_link(url: Any) -> str | None:
    """`url` when it is an http(s) link (the only kind the UI makes clickable), else None."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return url
    return None


def words(event: dict[str, Any]) -> None:
    """A text response: the answer's words, as written."""
    show_text(event.get("text") or "")


def card(event: dict[str, Any]) -> None:
    """A card response: a bordered container with a title, labelled fields and a link. (The
    event's text is the card flattened, for email and transcripts.)"""
    data = payload_of(event) or {}
    with st.container(border=True):
        show_text(data.get("title") or "Result", bold=True)
        for f in data.get("fields") or []:
            left, right = st.columns([2, 3])
            show_text(f.get("label", ""), where=left, caption=True)
            show_text(f.get("value", ""), where=right)
        if url := web_link(data.get("link_url")):
            st.link_button(as_text(data.get("link_label") or "Open link"), url)
        if data.get("note"):
            show_text(data["note"], caption=True)


def link(event: dict[str, Any]) -> None:
    """A link response: its sentence, a button to the URL (http(s) only) and the URL itself."""
    data = payload_of(event) or {}
    if data.get("note"):
        show_text(data["note"])
    url = web_link(data.get("url"))
    if url is None:  # never a clickable javascript:, data: or file: link
        show_text(data.get("url") or "")
        return
    st.link_button(as_text(data.get("label") or url), url, icon=":material/open_in_new:")
    show_text(url, caption=True)


RENDERERS: dict[str, Callable[[dict[str, Any]], None]] = {
    ResponseFormat.TEXT.value: words,
    ResponseFormat.CARD.value: card,
    ResponseFormat.LINK.value: link,
}
"""How the chat draws an answer, by response format: the one table of them. A renderer gets
the assistant event; a format with a payload reads it with `payload_of` (stored under the
format's key: `"card": {...}`)."""


def drawn(event: dict[str, Any]) -> bool:
    """Whether the answer is drawn from its format's payload rather than shown as its words."""
    return event.get("format") in RENDERERS and bool(payload_of(event))


def email(body: str, *, heading: str, headers: str | None = None) -> None:
    """An email as the customer receives it, as plain text (never markdown): its header lines
    (From, To, Subject) when it is a reply, then greeting, body and signature."""
    with st.container(border=True):
        st.caption(heading)
        if headers:
            st.text(headers)
            st.divider()
        st.text(body)


def reply_email(event: dict[str, Any]) -> None:
    """The reply email of an answer or a question on the email channel."""
    email(event["email"], heading="Reply email", headers=event.get("email_headers"))


def assistant(event: dict[str, Any], *, channel: str = "chat") -> None:
    """The agent's answer in its response format; on the email channel, as the reply email."""
    if channel == "email" and event.get("email"):
        reply_email(event)
    elif drawn(event):
        RENDERERS[event["format"]](event)
    else:  # words, or a format this page does not know (from another release): its plain text
        words(event)


def values_summary(summary: list[dict[str, str]] | None) -> None:
    """The customer's values in words ("Product: heat pump"), above the exact request."""
    for item in summary or []:
        left, right = st.columns([2, 3])
        left.caption(item.get("label", ""))
        right.text(item.get("value", ""))  # as typed: a value is never read as markdown


def request_preview(request: dict[str, Any] | None) -> None:
    """Method, URL, headers and body of a request (secrets are already masked)."""
    if not request:
        st.caption("The request was not sent.")
        return
    st.code(f"{request.get('method', '')} {request.get('url', '')}", language="http")
    headers = request.get("headers") or {}
    if headers:
        st.table([{"header": k, "value": v} for k, v in headers.items()])
    if request.get("body") is not None:
        st.json(request["body"], expanded=True)


def pretty_excerpt(excerpt: str) -> tuple[str, str]:
    """A response excerpt pretty-printed when it is JSON; (text, language)."""
    try:
        return json.dumps(json.loads(excerpt), indent=2, ensure_ascii=False), "json"
    except (json.JSONDecodeError, TypeError):
        return excerpt or "(empty body)", "text"


def outcome_line(outcome: dict[str, Any]) -> str:
    kind = OUTCOME_LABELS.get(outcome.get("kind", ""), outcome.get("kind", ""))
    status = outcome.get("status")
    parts = [kind, f"status {status}" if status is not None else "no status"]
    parts.append(f"{outcome.get('latency_ms', 0):.0f} ms")
    return " · ".join(parts)


def refusal(line: str) -> None:
    """A call the agent did not run: one small warning line for staff (see `ui.refusals`)."""
    st.caption(f":orange[:material/block: {plain(line)}]")


def outcome_details(outcome: dict[str, Any]) -> None:
    """The redacted outcome of an API call, folded away under "Details — <action>"."""
    error = outcome.get("kind") != "ok"
    label = f"Details — {outcome.get('action') or 'action'}"  # a catalog action: only those run
    with st.expander(label, icon=":material/error:" if error else ":material/info:"):
        st.markdown(f"**{as_text(outcome.get('action', ''))}** — {as_text(outcome_line(outcome))}")
        show_text(outcome.get("summary", ""), caption=True)
        request_preview(outcome.get("request"))
        if outcome.get("excerpt"):
            text, language = pretty_excerpt(outcome["excerpt"])
            st.code(text, language=language)
