"""Accuracy of the offline model on a labelled set of realistic customer messages.

The tools are built here straight from the action definitions (name, trigger as description,
typed parameters), independent of the project's compiler, so this measures the model alone.
Run with `-s` to see the report.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from agent.offline import OfflineChatModel
from agent.prompts import AGENT_SYSTEM
from tools.action import ActionDefinition
from tools.validation import validate_catalog

DATA = Path(__file__).parent / "data"
JSON_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean",
              "enum": "string", "date": "string", "email": "string"}  # fmt: skip


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


def load_cases() -> list[dict[str, Any]]:
    lines = (DATA / "routing_cases.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_labelled_set_is_large_and_varied(tools: list[dict[str, Any]]) -> None:
    cases = load_cases()
    names = {t["function"]["name"] for t in tools}
    assert len(tools) >= 20 and len(cases) >= 150
    assert sum(c["expected_tool"] is None for c in cases) >= 30
    assert {c["expected_tool"] for c in cases} - {None} <= names


def test_routing_and_argument_accuracy(tools: list[dict[str, Any]]) -> None:
    # A fixed day keeps relative dates reproducible; the cases use absolute dates.
    model = OfflineChatModel(today=date(2027, 3, 1)).bind_tools(tools)
    system = SystemMessage(AGENT_SYSTEM.format(channel="chat"))
    cases = load_cases()
    routed_ok = args_total = args_ok = nomatch_total = nomatch_ok = 0
    failures: list[str] = []
    for case in cases:
        reply = model.invoke([system, HumanMessage(case["message"])])
        call = reply.tool_calls[0] if reply.tool_calls else None
        got = call["name"] if call else None
        expected = case["expected_tool"]
        if expected is None:
            nomatch_total += 1
            nomatch_ok += got is None
        if got != expected:
            failures.append(f"route  {case['message']!r}: expected {expected}, got {got}")
            continue
        routed_ok += 1
        if expected is not None and case.get("expected_args") is not None:
            args_total += 1
            if call["args"] == case["expected_args"]:
                args_ok += 1
            else:
                failures.append(
                    f"args   {case['message']!r}: expected {case['expected_args']}, got {call['args']}"
                )
    routing = routed_ok / len(cases)
    exact = args_ok / args_total if args_total else 1.0
    nomatch = nomatch_ok / nomatch_total if nomatch_total else 1.0
    print("\n== offline model accuracy ==")
    print(f"routing accuracy     {routing:6.1%}  ({routed_ok}/{len(cases)})")
    print(f"exact arguments      {exact:6.1%}  ({args_ok}/{args_total} correctly routed cases)")
    print(f"no-match precision   {nomatch:6.1%}  ({nomatch_ok}/{nomatch_total} answered without a tool)")
    print(f"failures ({len(failures)}):")
    for line in failures:
        print("  " + line)
    assert routing >= 0.90
    assert exact >= 0.95
    assert nomatch >= 0.90
