"""A definition's pattern runs on customer text with a time bound (tools/patterns.py).

Patterns come from product teams and imported documents; customers write the text they run
on. Each class of pattern that backtracks exponentially (nested quantifiers, overlapping
alternations, a quantified group of optional parts) is tried at every place a definition's
pattern meets outside text: the strict check of a value, the identifier search in a message
(production retrieval and the offline model, through a real turn), the example check when a
definition is validated, and an imported document's example check. Without the bound each of
these would hold the event loop for minutes (pytest-timeout would end the run); with it the
value counts as not matching and the pattern is logged once.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from agent.offline import OfflineChatModel
from tests.support.agent_fixtures import make_agent, server_context
from tools.compiler import compile_action
from tools.importers._openapi_schema import example_fits
from tools.patterns import bounded, message_budget
from tools.validation import validate_action

# (pattern, a value that makes a backtracking engine explore exponentially many paths)
CATASTROPHIC = [
    pytest.param(r"^(a+)+$", "a" * 40 + "!", id="nested-quantifier"),
    pytest.param(r"^(a|aa)+$", "a" * 60 + "!", id="overlapping-alternation"),
    pytest.param(r"^(a|a?)+$", "a" * 40 + "!", id="optional-in-repeat"),
    pytest.param(r"^([a-zA-Z0-9]+\s?)*$", "Ab1 " * 12 + "!", id="words-and-spaces"),
    pytest.param(r"^(\d+)*[A-Z]$", "1" * 40 + "!", id="digits-then-letter"),
    pytest.param(r"^(ab|a|b)+$", "ab" * 40 + "!", id="alternation-of-overlapping-words"),
]
UNSHORTCUT = r"^(a|aa)+$"
"""A pattern the engine finds no shortcut for: only the time bound ends its match."""


def _action(pattern: str) -> dict[str, Any]:
    return {
        "name": "look_up_ref",
        "url": "https://api.example.com/refs/{{ref}}",
        "trigger": "Use when the customer asks about a reference.",
        "inputs": [{"name": "ref", "pattern": pattern, "description": "The reference"}],
    }


@pytest.mark.parametrize(("pattern", "value"), [*CATASTROPHIC, (UNSHORTCUT, "a" * 60 + "!")])
def test_the_strict_check_of_a_value_ends_as_not_matching(pattern: str, value: str, caplog) -> None:
    compiled = compile_action(validate_action(_action(pattern)))
    result = compiled.check({"ref": value})
    assert result.invalid == {"ref": f"must match the pattern {pattern}"}
    assert compiled.check({"ref": "ab"}).ok == bool(bounded(pattern).fullmatch("ab"))


def test_a_match_that_runs_out_of_time_is_no_match_and_is_logged_once(caplog) -> None:
    pattern = r"^(aa|a)+$"  # not used by another test here: each pattern is reported once per process
    compiled = compile_action(validate_action(_action(pattern)))
    with caplog.at_level(logging.WARNING, logger="tools.patterns"):
        first = compiled.check({"ref": "a" * 80 + "!"})
        second = compiled.check({"ref": "a" * 90 + "!"})
    assert first.invalid == second.invalid == {"ref": f"must match the pattern {pattern}"}
    warned = [r.getMessage() for r in caplog.records if "ran out of time" in r.getMessage()]
    assert len(warned) == 1 and pattern in warned[0]
    assert compiled.check({"ref": "aaa"}).ok  # an ordinary value still matches


@pytest.mark.parametrize(("pattern", "value"), CATASTROPHIC)
def test_an_example_is_checked_without_hanging_validation(pattern: str, value: str) -> None:
    raw = _action(pattern)
    raw["inputs"][0]["example"] = value
    with pytest.raises(Exception) as caught:
        validate_action(raw)
    assert "does not match the pattern" in str(caught.value)


@pytest.mark.parametrize(("pattern", "value"), CATASTROPHIC)
def test_an_imported_document_s_example_is_checked_without_hanging(pattern: str, value: str) -> None:
    assert example_fits(value, {"type": "string", "pattern": pattern}) is False


@pytest.mark.parametrize(("pattern", "value"), [*CATASTROPHIC, (UNSHORTCUT, "a" * 60 + "!")])
async def test_a_customer_message_is_searched_without_hanging_the_turn(
    pattern: str, value: str, tmp_path, demo_api
) -> None:
    """Retrieval and the offline model search the message for the input's pattern; the turn
    still ends with a message for the customer."""
    action = _action(pattern) | {"url": f"{demo_api.base_url}/orders/{{{{ref}}}}"}
    async with make_agent(tmp_path, demo_api, OfflineChatModel(), actions=[action]) as agent:
        result = await agent.send("s1", f"Please look up my reference {value} {value}")
    reply = result.reply
    assert (reply is not None and reply["text"].strip()) or result.interrupt is not None


def _slow_action(i: int, base: str) -> dict[str, Any]:
    """An action whose input pattern (unique to it) has no shortcut on a run of `a`s."""
    return {
        "name": f"look_up_ref_{i}",
        "url": f"{base}/orders/{{{{ref}}}}",
        "trigger": f"Use when the customer asks about reference kind {i}.",
        "inputs": [{"name": "ref", "pattern": rf"^(a|aa)+(?:#{i}m)?$", "description": "The reference"}],
    }


def test_one_budget_covers_every_pattern_run_on_one_message(caplog) -> None:
    """Sixty slow patterns on one message: once the message's budget is spent, the rest count
    as no match without running (each would otherwise take its own full time bound)."""
    patterns = [bounded(rf"^(a|aa)+(?:#{i}u)?$") for i in range(60)]
    value = "a" * 60 + "!"
    with caplog.at_level(logging.WARNING, logger="tools.patterns"), message_budget() as budget:
        assert not any(p.fullmatch(value) for p in patterns)
        assert list(patterns[0].finditer(value)) == []
    ran_out = [r for r in caplog.records if "ran out of time" in r.getMessage()]
    assert len(ran_out) == 1  # the first pattern spent the budget; none of the others ran
    assert budget.skipped == 60  # 59 fullmatches and the search
    assert [r for r in caplog.records if "budget" in r.getMessage()]  # said once, for the team


def test_budgets_of_different_messages_are_separate() -> None:
    slow = bounded(r"^(a|aa)+(?:#sep)?$")
    with message_budget():
        assert not slow.fullmatch("a" * 60 + "!")
    with message_budget() as fresh:
        assert bounded(r"^a+$").fullmatch("aaa")  # a new message starts with a whole budget
    assert fresh.skipped == 0


async def test_sixty_slow_patterns_cost_one_budget_per_customer_message(tmp_path, demo_api, caplog) -> None:
    actions = [_slow_action(i, demo_api.base_url) for i in range(60)]
    value = "a" * 60 + "b"  # the search for a whole word backtracks through every split
    async with make_agent(tmp_path, demo_api, OfflineChatModel(), actions=actions) as agent:
        with caplog.at_level(logging.WARNING, logger="tools.patterns"):
            result = await agent.send("s1", f"Please look up my reference {value} {value}")
    ran_out = [r for r in caplog.records if "ran out of time" in r.getMessage()]
    assert len(ran_out) <= 1, [r.getMessage() for r in ran_out]
    reply = result.reply
    assert (reply is not None and reply["text"].strip()) or result.interrupt is not None


def test_the_budget_counts_cpu_time_not_time_spent_waiting_for_a_core() -> None:
    """A message's matches on a loaded host wait for a core between and inside them; that wait
    spends nothing, so a benign message never finds its budget spent by the host's load."""
    import time

    from tools.patterns import _spending

    with message_budget() as budget:
        with _spending(budget, 0.05):
            time.sleep(0.08)  # off the CPU, as a thread the scheduler passed over is
        assert budget.left > 0.04
        assert bounded(r"^ORD-\d{4}$").fullmatch("ORD-1001")
    assert budget.skipped == 0


def test_a_match_that_ran_out_is_charged_its_whole_grant() -> None:
    """The engine's clock is the wall clock: a time-out ends the message's budget even when it
    burnt less CPU than it was granted, so exactly one slow pattern runs per message."""
    slow = bounded(r"^(a|aa)+(?:#grant)?$")
    with message_budget() as budget:
        assert not slow.fullmatch("a" * 60 + "!")
        assert budget.left <= 0
        assert not bounded(r"^a+$").fullmatch("aaa")  # not run: counted as no match
    assert budget.skipped == 1


async def test_the_graph_alone_keeps_one_budget_per_run_as_langgraph_server_runs_it(
    tmp_path, demo_api, caplog
) -> None:
    """LangGraph Server hands a run straight to the graph (no service opens a budget): the
    graph keeps one budget per run, by the run id the server puts in its config."""
    import uuid

    from langchain_core.messages import HumanMessage

    actions = [_slow_action(i, demo_api.base_url) for i in range(60)]
    value = "a" * 60 + "b"
    async with make_agent(tmp_path, demo_api, OfflineChatModel(), actions=actions) as agent:
        context = server_context(agent)
        config: Any = {"configurable": {"thread_id": "t"}, "run_id": uuid.uuid4()}
        message = f"Please look up my reference {value} {value}"
        with caplog.at_level(logging.WARNING, logger="tools.patterns"):
            await agent.deps.graph.ainvoke(
                {"messages": [HumanMessage(message)], "channel": "chat"}, config, context=context
            )
    ran_out = [r for r in caplog.records if "ran out of time" in r.getMessage()]
    assert len(ran_out) <= 1, [r.getMessage() for r in ran_out]
    assert [r for r in caplog.records if "budget is spent" in r.getMessage()]
