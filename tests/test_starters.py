"""Example messages for an empty chat, from the demo catalog: one per action offered on the
channel, read-only ones first, taken from a test conversation when there is one."""

from __future__ import annotations

import pytest

from agent.wording.starters import sample_values, starters
from tests.support.agent_fixtures import demo_actions
from tools.action import ActionDefinition


@pytest.fixture
def catalog() -> list[ActionDefinition]:
    return [ActionDefinition.model_validate(a) for a in demo_actions("http://127.0.0.1:8765")]


@pytest.mark.parametrize("channel", ["chat", "email"])
def test_one_message_per_offered_action_read_only_first(catalog, channel):
    shown = starters(catalog, channel, limit=100)
    offered = {d.name for d in catalog if d.enabled and d.available_on(channel)}
    assert sorted(s.action for s in shown) == sorted(offered)
    methods = [next(d for d in catalog if d.name == s.action).method.value for s in shown]
    assert methods == sorted(methods, key=lambda m: m != "GET")
    assert all(s.message.strip() for s in shown)
    assert len(starters(catalog, channel)) == min(6, len(offered))


def test_a_message_comes_from_a_test_conversation_that_knows_its_arguments(catalog):
    (order,) = [s for s in starters(catalog, "chat") if s.action == "order_status"]
    cases = next(d for d in catalog if d.name == "order_status").test_conversations
    case = next(c for c in cases if c.message == order.message)
    assert case.expected_action == "order_status" and case.expected_args and not case.answer


def test_without_test_conversations_the_title_and_examples_in_words(catalog):
    bare = [d.model_copy(update={"test_conversations": []}) for d in catalog]
    (booking,) = [s for s in starters(bare, "chat", limit=100) if s.action == "create_installation_request"]
    assert booking.message.startswith("Request an installation: ")
    assert "heat pump" in booking.message and "heat_pump" not in booking.message  # a label, not the value


def test_disabled_actions_give_no_message_or_sample(catalog):
    off = [d.model_copy(update={"enabled": d.name == "order_status"}) for d in catalog]
    assert [s.action for s in starters(off, "chat")] == ["order_status"]
    assert {v.action for v in sample_values(off, "chat")} == {"order_status"}
    assert any(v.value == "ORD-1001" for v in sample_values(off, "chat"))
