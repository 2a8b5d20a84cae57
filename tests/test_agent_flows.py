"""The agent graph end to end: real storage, real executor, the demo API under uvicorn.

Only the chat model is scripted. Every path of the state machine has a test here.
"""

from __future__ import annotations

from tests.support.agent_fixtures import demo_actions, make_agent
from tests.support.scripted_model import ScriptedChatModel, tool_call


def card(title: str, **fields: str):
    return tool_call("Card", title=title, fields=[{"label": k, "value": v} for k, v in fields.items()])


def bound_tools(call: dict) -> list[str]:
    return [t["function"]["name"] for t in call["kwargs"].get("tools") or []]


def sent(demo_api, method: str, path_part: str) -> list[dict]:
    return [r for r in demo_api.request_log if r["method"] == method and path_part in r["path"]]


async def test_plain_turn_costs_one_model_call_and_no_action(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script("Hello! How can I help you today?")
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        result = await agent.send("s1", "hi there")
    assert result.reply["text"] == "Hello! How can I help you today?"
    assert result.interrupt is None
    assert len(model.calls) == 1
    assert result.trace["model_call_count"] == 1
    assert result.trace["path"] == ["agent"]
    assert fresh_demo_log.request_log == []


async def test_action_turn_with_all_values_costs_two_model_calls_and_renders_a_card(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call("order_status", order_id="ORD-1001"),
        card("Order ORD-1001", Status="shipped"),
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        result = await agent.send("s1", "Where is my order ORD-1001?")
    assert len(model.calls) == 2
    # valid as picked and no confirmation: straight from the pick to the call (3 steps)
    assert result.trace["path"] == ["agent", "call_action", "respond"]
    outcome = next(e for e in result.events if e["type"] == "outcome")
    assert outcome["kind"] == "ok" and outcome["status"] == 200
    reply = result.reply
    assert reply["format"] == "card"
    assert reply["card"]["title"] == "Order ORD-1001"
    assert len(sent(fresh_demo_log, "GET", "/api/orders/ORD-1001")) == 1
    # The respond call saw the selected data inside the envelope, and the instructions.
    system = model.calls[1]["messages"][0].content
    assert "<api_result" in system and "apologize" in system.lower()
    assert "order_status" in bound_tools(model.calls[0])


async def test_missing_field_interrupts_with_a_renderable_payload_then_form_values_resume(
    tmp_path, fresh_demo_log
):
    model = ScriptedChatModel().script(tool_call("order_status"), card("Order ORD-1002"))
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        first = await agent.send("s1", "where's my order?")
        payload = first.interrupt
        assert payload["kind"] == "collect_info" and payload["action"] == "order_status"
        assert payload["missing"] == ["order_id"]
        field = payload["fields"][0]
        assert field["name"] == "order_id" and field["pattern"] and field["example"]
        assert "order" in payload["question"].lower()
        assert fresh_demo_log.request_log == []  # never called with incomplete data
        second = await agent.resume("s1", {"values": {"order_id": "ORD-1002"}})
    assert second.interrupt is None
    assert second.reply["format"] == "card"
    assert len(sent(fresh_demo_log, "GET", "/api/orders/ORD-1002")) == 1


async def test_invalid_then_valid_answer(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(tool_call("order_status", order_id="1001"), card("Order"))
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        first = await agent.send("s1", "status of order 1001")
        assert "order_id" in first.interrupt["invalid"]
        second = await agent.resume("s1", {"values": {"order_id": "12"}})
        assert "order_id" in second.interrupt["invalid"]  # still invalid: asked again
        assert fresh_demo_log.request_log == []
        third = await agent.resume("s1", {"values": {"order_id": "ORD-1003"}})
    assert third.reply["format"] == "card"
    assert len(sent(fresh_demo_log, "GET", "/api/orders/ORD-1003")) == 1


async def test_free_text_answer_is_extracted_by_the_model(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call("order_status"),
        tool_call("order_status", order_id="ORD-1004"),  # extraction from the free-text answer
        card("Order ORD-1004"),
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        await agent.send("s1", "where is my order")
        result = await agent.send("s1", "sure, it's ORD-1004")  # typed in the chat box
    extraction = model.calls[1]
    assert extraction["kwargs"]["tool_choice"] == "order_status"
    assert extraction["messages"][-1].content == "sure, it's ORD-1004"
    assert result.reply["format"] == "card"
    assert len(sent(fresh_demo_log, "GET", "/api/orders/ORD-1004")) == 1


async def test_post_needs_confirmation_and_approve_sends_exactly_once(tmp_path, fresh_demo_log):
    args = dict(email="ana@example.com", subject="Broken panel", description="Cracked glass", priority="high")
    model = ScriptedChatModel().script(tool_call("open_support_ticket", **args), "Ticket opened.")
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        first = await agent.send("s1", "please open a ticket ...")
        preview = first.interrupt
        assert preview["kind"] == "confirm"
        assert preview["request"]["method"] == "POST"
        assert preview["request"]["url"].endswith("/api/tickets")
        assert preview["request"]["body"]["priority"] == "high"
        assert fresh_demo_log.token not in str(preview)  # secret masked
        assert sent(fresh_demo_log, "POST", "/api/tickets") == []
        second = await agent.resume("s1", {"decision": "approve"})
    assert second.reply["text"] == "Ticket opened."
    assert len(sent(fresh_demo_log, "POST", "/api/tickets")) == 1


async def test_rejected_confirmation_sends_nothing(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(tool_call("cancel_order", order_id="ORD-1005"))
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        first = await agent.send("s1", "cancel order ORD-1005")
        assert first.interrupt["kind"] == "confirm"
        second = await agent.resume("s1", {"decision": "reject"})
        state = await agent.session_state("s1")
    assert "did not send the request" in second.reply["text"]
    assert sent(fresh_demo_log, "DELETE", "/api/orders") == []
    assert state["run_counts"] == {}
    assert len(model.calls) == 1


async def test_edit_at_confirmation_is_validated_again(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call("update_shipping_address", order_id="ORD-1006", shipping_address="1 Old Road"),
        "Address updated.",
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        first = await agent.send("s1", "change the address of ORD-1006 to 1 Old Road")
        assert first.interrupt["kind"] == "confirm"
        bad = await agent.resume("s1", {"decision": "edit", "values": {"order_id": "nope"}})
        assert bad.interrupt["kind"] == "collect_info" and "order_id" in bad.interrupt["invalid"]
        fixed = await agent.resume("s1", {"values": {"order_id": "ORD-1007"}})
        assert fixed.interrupt["kind"] == "confirm"
        assert "ORD-1007" in fixed.interrupt["request"]["url"]
        done = await agent.resume("s1", {"decision": "approve"})
    assert done.reply["text"] == "Address updated."
    patches = sent(fresh_demo_log, "PATCH", "/api/orders/")
    assert [p["path"] for p in patches] == ["/api/orders/ORD-1007"]


async def test_trigger_limit_is_enforced_and_said_aloud(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call("cancel_order", order_id="ORD-1008"),
        "Cancelled.",
        tool_call("cancel_order", order_id="ORD-1009"),  # the model insists: refused in code
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        await agent.send("s1", "cancel ORD-1008")
        await agent.resume("s1", {"decision": "approve"})
        again = await agent.send("s1", "and cancel ORD-1009 too")
        state = await agent.session_state("s1")
    assert "cancel_order" in bound_tools(model.calls[0])
    # still offered, so the model picks it and the customer hears of the limit (not a wrong action)
    assert "cancel_order" in bound_tools(model.calls[2])
    assert "can't run" in again.reply["text"] and again.interrupt is None
    refused = [e for e in again.events if e["type"] == "refused"]
    assert [(e["action"], e["reason"]) for e in refused] == [("cancel_order", "limit")]
    assert refused[0] in again.trace["events"]
    assert len(sent(fresh_demo_log, "DELETE", "/api/orders")) == 1
    assert state["run_counts"] == {"cancel_order": 1}


async def test_channel_filtering(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script("chat reply", "email reply")
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        await agent.send("chat-1", "send me a copy of invoice INV-5001", channel="chat")
        email = await agent.send("mail-1", "send me a copy of invoice INV-5001", channel="email")
    assert "invoice_copy_email" not in bound_tools(model.calls[0])
    assert "invoice_copy_email" in bound_tools(model.calls[1])
    assert email.reply["email"].startswith("Hello,") and "email reply" in email.reply["email"]


async def test_a_hallucinated_unavailable_action_is_refused_in_code(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(tool_call("invoice_copy_email", invoice_id="INV-5001"))
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        result = await agent.send("chat-1", "invoice INV-5001 please", channel="chat")
    assert result.interrupt is None and "can't run" in result.reply["text"]
    assert fresh_demo_log.request_log == []


async def test_api_error_follows_the_instructions(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call("order_status", order_id="ORD-5000"),
        "I'm sorry, I couldn't look that up. Shall I connect you with our support team?",
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        result = await agent.send("s1", "status of ORD-5000")
    outcome = next(e for e in result.events if e["type"] == "outcome")
    assert outcome["kind"] == "http_error" and outcome["status"] == 500
    respond_system = model.calls[1]["messages"][0].content
    assert "If the API returns an error, apologize" in respond_system
    assert 'outcome="http_error"' in respond_system
    # an error is told in words, not as a card
    assert "Card" not in bound_tools(model.calls[1]) and "Link" not in bound_tools(model.calls[1])
    assert result.reply["format"] == "text"


async def test_api_error_without_instructions_uses_the_default_error_rule(tmp_path, fresh_demo_log):
    actions = demo_actions(fresh_demo_log.base_url)
    order = next(a for a in actions if a["name"] == "order_status")
    order["response_instructions_enabled"] = False
    model = ScriptedChatModel().script(tool_call("order_status", order_id="ORD-5000"), "Sorry.")
    async with make_agent(tmp_path, fresh_demo_log, model, actions=[order]) as agent:
        await agent.send("s1", "status of ORD-5000")
    respond_system = model.calls[1]["messages"][0].content
    assert "No custom instructions" in respond_system and "apologise" in respond_system
    assert "If the API returns an error" not in respond_system


async def test_link_format_takes_the_url_from_the_response_field(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call("shipping_label_link", tracking_number="9400242244887372219343"),
        tool_call("Link", url="https://evil.example/phish", label="Your label"),
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        result = await agent.send("s1", "label for 9400242244887372219343")
    link = result.reply["link"]
    assert result.reply["format"] == "link"
    assert link["url"].startswith("https://labels.northwind.example/")
    assert link["label"] == "Download your return label (PDF)"  # the configured label wins


async def test_text_format(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call("installation_status", request_id="INS-2001"), "Your installation is scheduled."
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        result = await agent.send("s1", "installation INS-2001?")
    assert result.reply == {**result.reply, "format": "text", "text": "Your installation is scheduled."}


async def test_collect_info_off_turns_a_validation_failure_into_a_tool_error(tmp_path, fresh_demo_log):
    actions = demo_actions(fresh_demo_log.base_url)
    order = next(a for a in actions if a["name"] == "order_status")
    order["collect_info_first"] = False
    model = ScriptedChatModel().script(tool_call("order_status"), "I need your order number.")
    async with make_agent(tmp_path, fresh_demo_log, model, actions=[order]) as agent:
        result = await agent.send("s1", "where is my order")
    assert result.interrupt is None
    assert result.trace["path"] == ["agent", "collect_info", "respond"]
    assert 'outcome="config_error"' in model.calls[1]["messages"][0].content
    assert "order_id: missing" in model.calls[1]["messages"][0].content
    assert fresh_demo_log.request_log == []


async def test_cancel_during_collect_info(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(tool_call("order_status"))
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        await agent.send("s1", "where is my order")
        result = await agent.send("s1", "never mind")
    assert result.interrupt is None and "not sent" in result.reply["text"]
    assert fresh_demo_log.request_log == []


async def test_repeated_identical_post_is_refused(tmp_path, fresh_demo_log):
    args = dict(email="ana@example.com", subject="S", description="D", priority="low")
    model = ScriptedChatModel().script(
        tool_call("open_support_ticket", **args),
        "Opened.",
        tool_call("open_support_ticket", **args),
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        await agent.send("s1", "open a ticket")
        await agent.resume("s1", {"decision": "approve"})
        again = await agent.send("s1", "open it again")
    assert "already sent exactly this request" in again.reply["text"]
    assert len(sent(fresh_demo_log, "POST", "/api/tickets")) == 1


async def test_a_failing_model_does_not_crash_the_conversation(tmp_path, fresh_demo_log):
    def boom(messages, kwargs):
        raise RuntimeError("model service unavailable")

    model = ScriptedChatModel().script(boom, "Back again!")
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        failed = await agent.send("s1", "hello")
        assert "something went wrong" in failed.reply["text"]
        assert failed.trace["errors"]
        ok = await agent.send("s1", "hello again")
    assert ok.reply["text"] == "Back again!"


async def test_email_thread_collect_info_becomes_a_reply_and_the_next_email_resumes(tmp_path, fresh_demo_log):
    model = ScriptedChatModel().script(
        tool_call("invoice_copy_email"),
        tool_call("invoice_copy_email", invoice_id="INV-5002"),
        tool_call("Link", url="x", label="Download your invoice"),
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        first = await agent.send("thread-42", "Could you email me a copy of my invoice?", channel="email")
        ask = next(e for e in first.events if e["type"] == "interrupt")
        assert ask["email"].startswith("Hello,") and "invoice" in ask["email"].lower()
        second = await agent.send("thread-42", "Sure, it is INV-5002.\n\nThanks, Ana", channel="email")
    assert second.reply["format"] == "link"
    assert second.reply["link"]["url"].startswith("https://billing.northwind.example/")
    assert second.reply["email"].startswith("Hello,")


async def test_a_call_valid_as_picked_skips_only_the_steps_it_does_not_need(tmp_path, fresh_demo_log):
    """A lookup valid as picked goes straight to the call; a write valid as picked still waits
    for the customer's confirmation; a lookup with a missing value is still asked for."""
    model = ScriptedChatModel().script(
        tool_call("order_status", order_id="ORD-1001"),
        "Shipped.",
        tool_call(
            "open_support_ticket", email="ana@example.com", subject="Broken", description="D", priority="low"
        ),
        tool_call("order_status"),
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        lookup = await agent.send("s1", "Where is ORD-1001?")
        write = await agent.send("s1", "open a ticket")
        await agent.resume("s1", {"decision": "reject"})
        missing = await agent.send("s1", "and my other order?")
    assert lookup.trace["path"] == ["agent", "call_action", "respond"]
    assert write.trace["path"] == ["agent", "confirm", "confirm"] and write.interrupt["kind"] == "confirm"
    assert sent(fresh_demo_log, "POST", "/api/tickets") == []
    assert missing.trace["path"] == ["agent", "collect_info"] and missing.interrupt["kind"] == "collect_info"


async def test_a_write_the_api_refused_may_be_sent_again_one_it_did_may_not(tmp_path, fresh_demo_log):
    """The repeat rule keeps a write from being done twice: a call the API refused (a 4xx, a 503)
    did nothing and may be sent again when the customer asks; one it carried out may not."""
    shipped = dict(order_id="ORD-1003", shipping_address="1 Elm St, Springfield")  # delivered: 409
    open_ = dict(order_id="ORD-1002", shipping_address="1 Elm St, Springfield")  # processing: done
    model = ScriptedChatModel().script(
        tool_call("update_shipping_address", **shipped),
        "It could not be changed.",
        tool_call("update_shipping_address", **shipped),
        "It could not be changed.",
        tool_call("update_shipping_address", **open_),
        "Changed.",
        tool_call("update_shipping_address", **open_),
    )
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        for _ in range(2):
            asked = await agent.send("s1", "ship ORD-1003 to 1 Elm St, Springfield")
            assert asked.interrupt["kind"] == "confirm"
            await agent.resume("s1", {"decision": "approve"})
        assert len(sent(fresh_demo_log, "PATCH", "/api/orders/ORD-1003")) == 2
        asked = await agent.send("s1", "ship ORD-1002 to 1 Elm St, Springfield")
        await agent.resume("s1", {"decision": "approve"})
        again = await agent.send("s1", "ship ORD-1002 to 1 Elm St, Springfield again")
    assert "won't send it again" in again.reply["text"]
    assert len(sent(fresh_demo_log, "PATCH", "/api/orders/ORD-1002")) == 1
