"""Customers see customer words in the agent's forms: an input's format is said by its example
("Like ORD-1001"), never by its regular expression, in the help, under the field and in the
error when a value does not fit. AppTest, real storage, the demo API, a scripted model."""

from __future__ import annotations

import pytest

from agent.wording.inputs import customer_reason
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tests.support.ui_fixtures import app_runtime, by_label, click, open_app, say, shown
from tools.schema import pattern_reason

PATTERNS = [r"^ORD-\d{4}$", r"^(INS|REQ)-\d+$", r"^[A-Z]{2}\)\($", "^a (pattern) with spaces$"]


def unescaped(text: str) -> str:
    """What a person reads: the app's escaped HTML or markdown (`tests.support.ui_fixtures.shown`)."""
    return shown(text)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_pattern_reason_in_customer_words(pattern):
    assert customer_reason(pattern_reason(pattern, "ORD-1001")) == "must look like ORD-1001"
    assert customer_reason(pattern_reason(pattern, None)) == "is not in the expected format"
    assert customer_reason("is required") == "is required"


@pytest.mark.slow
def test_the_question_form_says_the_format_by_example(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(tool_call("order_status"))
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        say(at, "where is my order?")
        field = by_label(at.main.text_input, "Order id *")
        shown = [unescaped(field.help or ""), *(unescaped(c.value) for c in at.main.caption)]
        assert "Like ORD-1001" in shown
        assert "For example: ORD-1001" in shown[0]
        for text in shown:
            assert "^ORD" not in text and "\\d" not in text and "pattern" not in text, text

        field.set_value("1001")
        click(at, "Send answer")
        errors = [unescaped(e.value) for e in at.main.error]
        assert "order id must look like ORD-1001" in errors, errors
        assert not any("pattern" in e or "^ORD" in e for e in errors)


@pytest.mark.slow
def test_an_answer_bubble_shows_labels_and_values_in_words(tmp_path, fresh_demo_log):
    """The customer's answer reads "Answered: Product: heat pump", never
    `product = heat_pump`: when sent, and when the conversation is drawn again from storage."""
    model = ScriptedChatModel().script(
        tool_call(
            "create_installation_request",
            customer_email="dana.whitfield@example.com",
            preferred_date="2031-07-14",
            address="14 Alder Lane, Portland, OR 97205",
        )
    )
    with app_runtime(tmp_path, fresh_demo_log, model) as rt:
        at = open_app(rt)
        say(at, "I'd like an installation")
        by_label(at.main.selectbox, "Product *").set_value("heat_pump")
        click(at, "Send answer")
        assert not at.exception
        bubbles = [unescaped(m.value) for c in at.main.chat_message for m in c.markdown]
        answered = [b for b in bubbles if b.startswith("Answered: ")]
        assert answered == ["Answered: Product: heat pump"], bubbles
        assert not any("heat_pump" in b or " = " in b for b in bubbles)
        at = open_app(rt)  # a fresh page draws the stored conversation
        at.session_state["session_id"] = rt.stores.traces.sessions()[0]["session_id"]
        at.run()
        bubbles = [unescaped(m.value) for c in at.main.chat_message for m in c.markdown]
        assert "Answered: Product: heat pump" in bubbles, bubbles
