"""Draft and live: the preview uses drafts, publish promotes, rollback restores any version."""

from __future__ import annotations

import pytest

from storage.actions import ActionStore
from storage.drafts import DraftStore
from tests.support.storage_fixtures import order_action
from tools.errors import ActionValidationError, ConflictError


def test_a_draft_does_not_touch_live_until_published(engine):
    actions = ActionStore(engine)
    live = actions.create(order_action(), actor="ana")
    drafts = DraftStore(actions)
    drafts.save(order_action(trigger="New trigger text."), live_name=live.name, actor="ben")
    assert actions.get(live.name).definition.trigger != "New trigger text."
    assert {d.trigger for d in drafts.overlay()} == {"New trigger text."}
    published = drafts.publish(live.name, actor="ben")
    assert published.version == 2 and published.definition.trigger == "New trigger text."
    assert drafts.get(live.name) is None
    changes = [e.change for e in actions.history(live.name)]
    assert changes[:3] == ["published", "updated", "draft_saved"]


def test_publish_refuses_a_draft_whose_live_version_moved_on(engine):
    actions = ActionStore(engine)
    live = actions.create(order_action())
    drafts = DraftStore(actions)
    drafts.save(order_action(trigger="Draft edit."), live_name=live.name)
    actions.update(live.name, order_action(trigger="Someone else went live."), expected_version=1)
    with pytest.raises(ConflictError):
        drafts.publish(live.name)
    assert actions.get(live.name).definition.trigger == "Someone else went live."
    assert drafts.get(live.name) is not None  # the draft is kept, nothing lost


def test_new_action_draft_and_invalid_draft(engine):
    actions = ActionStore(engine)
    drafts = DraftStore(actions)
    with pytest.raises(ActionValidationError):
        drafts.save(order_action(trigger=""))
    assert drafts.list() == []
    drafts.save(order_action(name="brand_new"))
    assert [d.name for d in drafts.overlay()] == ["brand_new"] and actions.list() == []
    assert drafts.publish("brand_new").version == 1
    drafts.save(order_action(name="scrap_me"))
    drafts.discard("scrap_me")
    assert drafts.get("scrap_me") is None


def test_rollback_to_any_earlier_version(engine):
    actions = ActionStore(engine)
    actions.create(order_action(trigger="Version one."))
    actions.update("look_up_order", order_action(trigger="Version two."), expected_version=1)
    actions.update("look_up_order", order_action(trigger="Version three."), expected_version=2)
    assert actions.version_definition("look_up_order", 1).trigger == "Version one."
    back = actions.rollback("look_up_order", 1, expected_version=3, actor="ana")
    assert back.version == 4 and back.definition.trigger == "Version one."
    assert actions.history("look_up_order")[0].change == "rolled_back"
    with pytest.raises(ConflictError):
        actions.rollback("look_up_order", 2, expected_version=3)


async def test_preview_chat_uses_drafts_and_live_chat_does_not(tmp_path, fresh_demo_log):
    from agent.wiring.runtime import preview_of
    from tests.support.agent_fixtures import make_agent
    from tests.support.scripted_model import ScriptedChatModel

    model = ScriptedChatModel().script("live answer", "preview answer", "live again")
    async with make_agent(tmp_path, fresh_demo_log, model) as agent:
        live = agent.stores.actions.get("order_status").definition
        DraftStore(agent.stores.actions).save(
            live.model_copy(update={"trigger": "Draft trigger: parcels."}), live_name=live.name
        )
        preview = preview_of(agent)
        await agent.send("live-1", "hello")
        await preview.send("preview-1", "hello")
        DraftStore(agent.stores.actions).publish(live.name)
        await agent.send("live-1", "hello again")

    def description(call):
        tools = {t["function"]["name"]: t["function"] for t in call["kwargs"]["tools"]}
        return tools["order_status"]["description"]

    assert description(model.calls[0]) == live.trigger
    assert description(model.calls[1]) == "Draft trigger: parcels."
    assert description(model.calls[2]) == "Draft trigger: parcels."  # published: live now
