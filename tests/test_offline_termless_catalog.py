"""Catalogs with no routing terms at all: the offline model and retrieval still answer.

An action's routing document is its name, trigger and inputs after normalisation: stop words,
punctuation, emoji, digits and scripts other than Latin are dropped. When every action of a
catalog loses everything that way (`who_am_i` / "who am I"), the mean document length is zero,
and BM25 divided by it on every message. Each catalog below is such a class member; every
message, the empty one too, must get an answer and no error, through the real agent (with
retrieval in play for the catalog of more than 16 actions) and through the scorers directly.
"""

from __future__ import annotations

import math

import pytest
from langchain_core.messages import HumanMessage

from agent.catalog.retrieval import ActionRetriever, action_doc
from agent.offline import OfflineChatModel
from agent.offline.router import Router
from tests.support.agent_fixtures import make_agent
from tools.compiler import ActionCatalog
from tools.validation import validate_catalog

TERMLESS: dict[str, list[tuple[str, str]]] = {
    "stop words": [("who_am_i", "who am I"), ("do_it", "Do it, please! What would you do?")],
    "punctuation": [("a", "?!... --- ***"), ("i", "(*) / [#] {} ;;")],
    "emoji": [("u", "\U0001f600 \U0001f44d"), ("e", "\u2728\u2728 \U0001f680")],
    "non-Latin scripts": [
        ("you", "\u60a8\u597d\uff0c\u8bf7\u95ee\u6211\u662f\u8c01"),
        ("me", "\u041f\u0440\u0438\u0432\u0435\u0442, \u043a\u0442\u043e \u044f?"),
        ("my", "\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd"),
    ],
    "digits": [("v2", "123 456"), ("x9_y8", "42, 7 and 2024")],
    "more than 16 (retrieval)": [(f"v{n}", "who am I? \U0001f600") for n in range(20)],
    "optional inputs": [("get_it", "Get it?"), ("hi", "\U0001f44b")],
}
OPTIONAL_INPUT = {"name": "it", "description": "\U0001f4e6 ?", "required": False}
"""Only in "optional inputs"; a required input's schema says "(required)", which is a term."""
MESSAGES = [
    "who am I",
    "",
    "   ",
    "hello",
    "\U0001f600",
    "\u60a8\u597d",
    "do it",
    "Where is my order ORD-1001?",
    "v2",
    "?!",
]


def catalog_json(base_url: str, label: str) -> list[dict]:
    with_input = label == "optional inputs"
    url = f"{base_url}/api/orders/ORD-1001" + ("?q={{it}}" if with_input else "")
    inputs = [OPTIONAL_INPUT] if with_input else []
    return [
        {"name": name, "url": url, "trigger": trigger, "inputs": inputs} for name, trigger in TERMLESS[label]
    ]


@pytest.mark.parametrize("label", list(TERMLESS))
def test_the_catalog_really_has_no_terms(label: str) -> None:
    """The premise: nothing of these catalogs survives normalisation."""
    definitions = validate_catalog(catalog_json("https://h.example.com", label))
    catalog = ActionCatalog()
    catalog.sync(definitions)
    router = Router([a.openai_schema() for a in catalog])
    assert [dict(doc.weights) for doc in router.docs] == [{} for _ in definitions]
    assert all(action_doc(d).weights == {} for d in definitions)


@pytest.mark.parametrize("label", list(TERMLESS))
async def test_the_offline_agent_answers_every_message(label, tmp_path, fresh_demo_log) -> None:
    actions = catalog_json(fresh_demo_log.base_url, label)
    async with make_agent(tmp_path, fresh_demo_log, OfflineChatModel(), actions=actions) as agent:
        for n, text in enumerate(MESSAGES):
            result = await agent.send(f"s{n}", text)
            assert result.trace["errors"] == [], (text, result.trace["errors"])
            assert result.reply is not None and result.reply["text"].strip(), (text, result.events)
            assert "went wrong" not in result.reply["text"], text


@pytest.mark.parametrize("label", list(TERMLESS))
def test_router_and_retrieval_score_every_message(label: str) -> None:
    definitions = validate_catalog(catalog_json("https://h.example.com", label))
    catalog = ActionCatalog()
    catalog.sync(definitions)
    compiled = list(catalog)
    router = Router([a.openai_schema() for a in compiled])
    retriever = ActionRetriever()
    k = 8
    for text in MESSAGES:
        route = router.route(text)
        assert route.tool is None  # nothing to go on: no call, an answer in words
        assert all(math.isfinite(score) for _, score in route.ranking)
        picked = retriever.select(compiled, compiled, [HumanMessage(text)], k)
        assert len(picked) == min(k, len(compiled))
        assert all(math.isfinite(s) for _, s in retriever.index(compiled).ranked([(text, 1.0)]))
