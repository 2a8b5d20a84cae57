"""Accuracy of the offline model on two labelled sets of realistic customer messages.

`routing_cases.jsonl` is the set the router's rules were tuned on; `routing_cases_unseen.jsonl`
holds new phrasings of the same requests (synonyms, typos, terse and long polite wording,
several values, two requests in one message), written before the rules were generalised. The
tools are built here straight from the action definitions (name, trigger as description, typed
parameters), independent of the project's compiler, so this measures the model alone.

See the report: `./dev test tests/test_offline_accuracy.py -q -s`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage, ToolCall

from agent.offline import OfflineChatModel
from agent.presenters import PRESENTERS
from agent.prompts import (
    AGENT_SYSTEM,
    INSTRUCTIONS_OFF,
    RESPOND_SYSTEM,
    data_envelope,
)
from tools.action import ActionDefinition
from tools.validation import validate_catalog

pytestmark = pytest.mark.slow  # routes two labelled sets of messages

DATA = Path(__file__).parent / "data"
SETS = {"tuned": "routing_cases.jsonl", "unseen": "routing_cases_unseen.jsonl"}
TODAY = date(2027, 3, 1)  # a fixed day keeps relative dates reproducible
JSON_TYPES = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "enum": "string",
    "date": "string",
    "email": "string",
}
ONE_AT_A_TIME = "I can handle one request at a time here"


def tool_dict(action: ActionDefinition) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for item in action.inputs:
        prop: dict[str, Any] = {"type": JSON_TYPES[item.type.value], "description": item.description}
        if item.pattern:
            prop["pattern"] = item.pattern
        if item.enum_values:
            prop["enum"] = item.enum_values
        if item.type.value in ("date", "email"):
            prop["format"] = item.type.value
        properties[item.name] = prop
    return {
        "type": "function",
        "function": {
            "name": action.name,
            "description": action.trigger,
            "parameters": {"type": "object", "properties": properties, "required": []},
        },
    }


@pytest.fixture(scope="module")
def tools() -> list[dict[str, Any]]:
    actions = validate_catalog(json.loads((DATA / "routing_actions.json").read_text()))
    return [tool_dict(a) for a in actions]


def load_cases(name: str = "tuned") -> list[dict[str, Any]]:
    lines = (DATA / SETS[name]).read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@dataclass
class Score:
    """What one labelled set scored; every count comes from the replies of this run."""

    cases: int = 0
    routed: int = 0
    with_args: int = 0
    args_exact: int = 0
    without_args: int = 0
    nothing_invented: int = 0
    nomatch: int = 0
    nomatch_plain: int = 0
    two_requests: int = 0
    second_named: int = 0
    one_request: int = 0
    no_false_note: int = 0
    failures: list[str] = field(default_factory=list)

    @staticmethod
    def share(part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    @property
    def routing(self) -> float:
        return self.share(self.routed, self.cases)

    @property
    def exact(self) -> float:
        """Exact arguments, of the correctly routed cases that have arguments."""
        return self.share(self.args_exact, self.with_args)

    @property
    def exact_all(self) -> float:
        """Exact arguments of every correctly routed tool case, empty ones included."""
        return self.share(self.args_exact + self.nothing_invented, self.with_args + self.without_args)

    @property
    def plain(self) -> float:
        return self.share(self.nomatch_plain, self.nomatch)

    @property
    def named(self) -> float:
        return self.share(self.second_named, self.two_requests)

    @property
    def quiet(self) -> float:
        return self.share(self.no_false_note, self.one_request)

    def lines(self, name: str) -> list[str]:
        return [
            f"-- {SETS[name]} ({self.cases} messages)",
            f"routing accuracy            {self.routing:6.1%}  ({self.routed}/{self.cases})",
            f"exact arguments             {self.exact:6.1%}  ({self.args_exact}/{self.with_args}"
            " correctly routed cases with arguments)",
            f"nothing invented            {self.share(self.nothing_invented, self.without_args):6.1%}"
            f"  ({self.nothing_invented}/{self.without_args} correctly routed cases without)",
            f"no-match answered plainly   {self.plain:6.1%}  ({self.nomatch_plain}/{self.nomatch})",
            f"second request named        {self.named:6.1%}  ({self.second_named}/{self.two_requests}"
            " messages asking for two things)"
            if self.two_requests
            else "second request named           n/a  (no message asks for two things)",
            f"no note on one request      {self.quiet:6.1%}  ({self.no_false_note}/{self.one_request}"
            " answers to messages asking for one thing)",
        ]


def respond_turn(model: Any, tools: list[dict[str, Any]], call: ToolCall, message: str) -> str:
    """The final answer after `call` ran and returned its arguments, with the actions bound as
    the respond step binds them (it may chain)."""
    system = RESPOND_SYSTEM.format(
        action=call["name"],
        label=call["name"].replace("_", " "),
        format="text",
        format_rule=PRESENTERS["text"].rule,
        instructions=INSTRUCTIONS_OFF,
        channel="chat",
    )
    envelope = data_envelope(
        action=call["name"], outcome="ok", status=200, summary="OK", data=dict(call["args"]), link_url=None
    )
    bound = model.bind_tools(tools)
    reply = bound.invoke([SystemMessage(f"{system}\n\n{envelope}"), HumanMessage(message)])
    assert not reply.tool_calls, "the offline model never chains a second call"
    return reply.text


def measure(name: str, tools: list[dict[str, Any]]) -> Score:
    model = OfflineChatModel(today=TODAY)
    agent = model.bind_tools(tools)
    system = SystemMessage(AGENT_SYSTEM.format(channel="chat"))
    score = Score()
    for case in load_cases(name):
        score.cases += 1
        reply = agent.invoke([system, HumanMessage(case["message"])])
        assert len(reply.tool_calls) <= 1, "the offline model calls one action per turn"
        call = reply.tool_calls[0] if reply.tool_calls else None
        got = call["name"] if call else None
        expected = case["expected_tool"]
        if expected is None:
            score.nomatch += 1
            score.nomatch_plain += got is None and bool(reply.text.strip())
        if got != expected:
            score.failures.append(f"route  {case['message']!r}: expected {expected}, got {got}")
            continue
        score.routed += 1
        if call is None:
            continue
        if case["expected_args"]:
            score.with_args += 1
            score.args_exact += call["args"] == case["expected_args"]
        else:
            score.without_args += 1
            score.nothing_invented += call["args"] == {}
        if call["args"] != case["expected_args"]:
            score.failures.append(
                f"args   {case['message']!r}: expected {case['expected_args']}, got {call['args']}"
            )
        answer = respond_turn(model, tools, call, case["message"])
        note = answer[answer.find(ONE_AT_A_TIME) :] if ONE_AT_A_TIME in answer else ""
        if "also" in case:
            score.two_requests += 1
            answered = [str(v) for v in call["args"].values()]
            ok = case["also"] in note and not any(v in note for v in answered)
            score.second_named += ok
            if not ok:
                score.failures.append(f"second {case['message']!r}: {case['also']!r} not named: {answer!r}")
        else:
            score.one_request += 1
            score.no_false_note += not note
            if note:
                score.failures.append(f"note   {case['message']!r}: asks for one thing: {answer!r}")
    return score


@pytest.fixture(scope="module")
def scores(tools: list[dict[str, Any]]) -> dict[str, Score]:
    return {name: measure(name, tools) for name in SETS}


def test_labelled_sets_are_large_and_varied(tools: list[dict[str, Any]]) -> None:
    names = {t["function"]["name"] for t in tools}
    tuned, unseen = load_cases("tuned"), load_cases("unseen")
    assert len(tools) >= 20 and len(tuned) >= 150 and len(unseen) >= 100
    for cases in (tuned, unseen):
        assert sum(c["expected_tool"] is None for c in cases) >= 30
        assert {c["expected_tool"] for c in cases} - {None} <= names
    assert sum("also" in c for c in unseen) >= 8
    # new phrasings only: no message of the unseen set is one the rules were tuned on
    assert not {c["message"].lower() for c in tuned} & {c["message"].lower() for c in unseen}


def test_report(scores: dict[str, Score]) -> None:
    print("\n== offline model accuracy ==")
    for name, score in scores.items():
        print("\n".join(score.lines(name)))
        print(f"failures ({len(score.failures)}):")
        for line in score.failures:
            print("  " + line)
    assert all(s.cases == len(load_cases(n)) for n, s in scores.items())


def test_tuned_set_accuracy(scores: dict[str, Score]) -> None:
    score = scores["tuned"]
    assert score.routing >= 0.90
    assert score.exact_all >= 0.95
    assert score.plain >= 0.90
    assert score.quiet >= 0.95


def test_unseen_set_accuracy(scores: dict[str, Score]) -> None:
    score = scores["unseen"]
    assert score.routing >= 0.90
    assert score.exact >= 0.95
    assert score.plain >= 0.90
    assert score.named >= 0.80
    assert score.quiet >= 0.95
