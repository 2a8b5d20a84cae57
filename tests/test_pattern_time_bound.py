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
from tests.agent_fixtures import make_agent
from tools.compiler import compile_action
from tools.importers._openapi_schema import example_fits
from tools.patterns import bounded
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
