"""Reading a response body takes time linear in its size, whatever its shape.

An error page is reduced to its text for the model (`tools/html_text.py`); a regular expression
that rescans the rest of the body from every `<` (an unclosed tag, a `<script>` without its
end) takes minutes on a page just under the size cap and holds the event loop for every other
conversation. Each adversarial shape below is read at the executor's size cap, through the
real executor and a real local server; the timeout is a hang guard (pytest-timeout ends a
quadratic run), the timings themselves are in `benchmarks/response_parsing.py`.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from benchmarks.adversarial_bodies import ADVERSARIAL_SHAPES
from tests.support.servers import serve
from tools.action import ActionDefinition
from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
from tools.html_text import html_text
from tools.outcome import OutcomeKind

CAP = ExecutorSettings().max_response_bytes

_REFERENCE = re.compile(r"<!\[CDATA\[(.*?)\]\]>|<(script|style)\b.*?</\2>|<[^>]+>", re.S | re.I)
"""What the text extraction means (a CDATA section becomes its content, tags and script/style
elements become a space), written as the regular expression that is quadratic on long bodies:
the reference on short ones."""

_HTMLISH = st.text(alphabet=list("<>/! \n\tabSCRIPTscriptSTYLEstyle_-=\"'x1[]<![CDATA[]]>"), max_size=60)
_CDATA_PARTS = st.lists(
    st.sampled_from(["<![CDATA[", "]]>", "<![cdata[", "<b>", "x<y", "<script>", "</script>"])
)


def _reference(page: str) -> str:
    return _REFERENCE.sub(lambda m: " " if m.group(1) is None else m.group(1), page)


@given(_HTMLISH)
@settings(max_examples=400, deadline=None)
def test_the_text_of_a_page_is_what_the_reference_expression_gives(page: str) -> None:
    assert html_text(page) == _reference(page)


@given(st.lists(_CDATA_PARTS.map("".join) | _HTMLISH, max_size=6).map("".join))
@settings(max_examples=400, deadline=None)
def test_the_text_of_a_page_with_cdata_sections_is_what_the_reference_gives(page: str) -> None:
    assert html_text(page) == _reference(page)


@pytest.mark.parametrize(
    ("page", "text"),
    [
        ("<html><body><h1>Conflict</h1><p>Order shipped</p></body></html>", "Conflict Order shipped"),
        ("<style>p{}</style><SCRIPT>x<y</script>Down", "Down"),
        ("a <script> never closed <b>bold</b>", "a never closed bold"),
        ("x <> y, 1 < 2", "x <> y, 1 < 2"),
        ("unclosed <tag at the end", "unclosed <tag at the end"),
        ("<p>Bad key: p@ss/<![CDATA[w+rd<&>x9]]>!</p>", "Bad key: p@ss/w+rd<&>x9!"),
        ("a <![CDATA[ never closed <b>bold</b>", "a bold"),
    ],
)
def test_known_pages_read_as_their_text(page: str, text: str) -> None:
    assert " ".join(html_text(page).split()) == text


@pytest.mark.timeout(60)
@pytest.mark.parametrize("shape", sorted(ADVERSARIAL_SHAPES))
async def test_an_adversarial_error_page_at_the_size_cap_is_read_in_linear_time(shape: str) -> None:
    body = ADVERSARIAL_SHAPES[shape](CAP - 64)
    assert len(body) <= CAP

    async def page(request: Request) -> Response:
        return Response(body, status_code=502, media_type="text/html")

    with serve(Starlette(routes=[Route("/x", page)])) as base:
        async with ActionExecutor(
            ExecutorSettings(allow_hosts=(base.split("://")[1],)), StaticSecrets({"k": "s3cret-value"})
        ) as ex:
            action = ActionDefinition.model_validate({"name": "probe", "url": f"{base}/x", "trigger": "x"})
            outcome = await ex.execute(action, {})
    assert outcome.kind is OutcomeKind.HTTP_ERROR and outcome.status == 502
    assert not outcome.truncated
    assert isinstance(outcome.data, dict) and len(outcome.data["error"]) <= 601
