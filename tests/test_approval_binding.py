"""A customer's answer to a confirmation always wins, and an approval covers what is sent.

While the question waits, the product team may change anything: switch `requires_confirmation`
off, edit a word of the definition, rotate the value of a secret a header sends, or change the
shared auth setting (its header, the secret it reads, that secret's value, the setting the
action names). For every such change and every kind of answer:

* a reject (a button or typed text) is never a send;
* an approval given for what was shown before the change is not an approval of what would be
  sent now: the question is asked again (saying so), and only the next approval sends;
* an edit goes back through the values and is asked again.

The API is a real local server that records every request with its credential headers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Overwrite
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from agent.graph import build_graph
from agent.turns.service import SupportAgent
from tests.support.agent_fixtures import LocalAPI, make_agent
from tests.support.scripted_model import ScriptedChatModel, tool_call
from tests.support.servers import serve
from tests.test_kill_switch import _context
from tools.auth import validate_auth

NAME = "cancel_order"


def _recording_api(seen: list[dict[str, Any]]) -> Starlette:
    async def cancel(request: Request) -> JSONResponse:
        seen.append(
            {
                "method": request.method,
                "path": request.url.path,
                "authorization": request.headers.get("authorization"),
                "x-api-key": request.headers.get("x-api-key"),
                "x-key": request.headers.get("x-key"),
            }
        )
        return JSONResponse({"status": "cancelled"})

    return Starlette(routes=[Route("/orders/{order_id}/cancel", cancel, methods=["POST", "PUT"])])


def _action(base: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": NAME,
        "title": "Cancel an order",
        "method": "POST",
        "url": base + "/orders/{{order_id}}/cancel",
        "trigger": "Use when the customer asks to cancel an order.",
        "inputs": [{"name": "order_id", "description": "Order", "pattern": "^ORD-[0-9]+$"}],
        "headers": {"X-Api-Key": "{{secret.API_KEY}}"},
        "requires_confirmation": True,
        **extra,
    }


def _edit(agent, **changes: Any) -> None:
    store = agent.stores.actions
    current = store.get(NAME)
    store.update(
        NAME, {**current.definition.model_dump(mode="json"), **changes}, expected_version=current.version
    )


def _setting(**extra: Any) -> dict[str, Any]:
    return {
        "name": "gateway",
        "kind": "api_key_header",
        "header_name": "X-Key",
        "key_secret": "GATEWAY_KEY",
        **extra,
    }


def _save_setting(agent, **extra: Any) -> None:
    store = agent.stores.auth
    version = store.get("gateway").version
    store.save(validate_auth(_setting(**extra)), expected_version=version)


CHANGES: dict[str, Callable[[Any], None]] = {
    "requires_confirmation switched off": lambda a: _edit(a, requires_confirmation=False),
    "title edited": lambda a: _edit(a, title="Cancel the order"),
    "trigger edited": lambda a: _edit(a, trigger="Use when the customer wants an order cancelled."),
    "header secret value rotated": lambda a: a.stores.secrets.set("API_KEY", "key-two"),
    "auth secret value rotated": lambda a: a.stores.secrets.set("GATEWAY_KEY", "gw-two"),
    "auth setting's secret swapped": lambda a: _save_setting(a, key_secret="OTHER_KEY"),
    "auth setting's header changed": lambda a: _save_setting(a, header_name="X-Other-Key"),
    "auth setting swapped on the action": lambda a: _edit(a, auth="gateway2"),
}

REJECTS: dict[str, Any] = {
    "reject button": {"decision": "reject"},
    "typed no": "no, don't do that",
    "unknown decision": {"decision": "maybe"},
}


def _agent(tmp_path, base: str, model):
    return make_agent(
        tmp_path,
        LocalAPI(base),
        model,
        actions=[_action(base, auth="gateway", headers={"X-Api-Key": "{{secret.API_KEY}}"})],
        secrets={"API_KEY": "key-one", "GATEWAY_KEY": "gw-one", "OTHER_KEY": "other-one"},
    )


async def _ask(agent) -> dict[str, Any]:
    agent.stores.auth.save(validate_auth(_setting()))
    agent.stores.auth.save(validate_auth(_setting(name="gateway2", key_secret="OTHER_KEY")))
    first = await agent.send("s1", "please cancel ORD-1001")
    assert first.interrupt and first.interrupt["kind"] == "confirm", first.events
    return first.interrupt


def _model() -> ScriptedChatModel:
    return ScriptedChatModel().script(tool_call(NAME, order_id="ORD-1001"), "Done.", "Done.", "Done.")


@pytest.mark.parametrize("answer", list(REJECTS))
@pytest.mark.parametrize("change", list(CHANGES))
async def test_a_reject_is_never_a_send_whatever_changed_while_it_waited(tmp_path, change, answer):
    seen: list[dict[str, Any]] = []
    with serve(_recording_api(seen)) as base:
        async with _agent(tmp_path, base, _model()) as agent:
            await _ask(agent)
            CHANGES[change](agent)
            result = await agent.resume("s1", REJECTS[answer])
            assert result.interrupt is None, result.interrupt
            assert result.reply and result.reply["text"]
            assert await agent.pending_interrupt("s1") is None
    assert seen == []


@pytest.mark.parametrize("change", list(CHANGES))
async def test_an_approval_given_before_a_change_asks_again(tmp_path, change):
    seen: list[dict[str, Any]] = []
    with serve(_recording_api(seen)) as base:
        async with _agent(tmp_path, base, _model()) as agent:
            shown = await _ask(agent)
            CHANGES[change](agent)
            second = await agent.resume("s1", {"decision": "approve"})
            assert seen == [], "sent without asking again"
            again = second.interrupt
            assert again and again["kind"] == "confirm", second.events
            assert "changed" in again["question"]
            assert shown["question"] != again["question"]
            third = await agent.resume("s1", {"decision": "approve"})
            assert third.interrupt is None and third.reply
    assert len(seen) == 1, seen


@pytest.mark.parametrize(
    "change", ["title edited", "header secret value rotated", "auth setting's header changed"]
)
async def test_a_typed_yes_to_a_changed_request_asks_again_and_a_typed_no_then_ends_it(tmp_path, change):
    seen: list[dict[str, Any]] = []
    with serve(_recording_api(seen)) as base:
        async with _agent(tmp_path, base, _model()) as agent:
            await _ask(agent)
            CHANGES[change](agent)
            again = await agent.resume("s1", "yes")
            assert again.interrupt and again.interrupt["kind"] == "confirm"
            done = await agent.resume("s1", "no")
            assert done.interrupt is None and done.reply
    assert seen == []


@pytest.mark.parametrize("change", ["requires_confirmation switched off", "header secret value rotated"])
async def test_an_edit_answer_to_a_changed_request_is_asked_again_before_sending(tmp_path, change):
    seen: list[dict[str, Any]] = []
    with serve(_recording_api(seen)) as base:
        async with _agent(tmp_path, base, _model()) as agent:
            await _ask(agent)
            CHANGES[change](agent)
            result = await agent.resume("s1", {"decision": "edit", "values": {"order_id": "ORD-1002"}})
            assert seen == []
            assert result.interrupt and result.interrupt["kind"] == "confirm", result.events
            assert "changed" in result.interrupt["question"]
            result = await agent.resume("s1", {"decision": "approve"})
            assert result.interrupt is None and result.reply
    assert [r["path"] for r in seen] == ["/orders/ORD-1002/cancel"]


async def test_an_unchanged_request_is_sent_after_one_approval_with_the_credentials_shown(tmp_path):
    seen: list[dict[str, Any]] = []
    with serve(_recording_api(seen)) as base:
        async with _agent(tmp_path, base, _model()) as agent:
            await _ask(agent)
            agent.stores.secrets.set("UNRELATED", "whatever")  # another secret: nothing this call sends
            result = await agent.resume("s1", {"decision": "approve"})
            assert result.interrupt is None and result.reply
    assert len(seen) == 1 and seen[0]["x-api-key"] == "key-one" and seen[0]["x-key"] == "gw-one"


@pytest.mark.parametrize(
    "change", ["header secret value rotated", "auth secret value rotated", "auth setting's header changed"]
)
async def test_a_credential_changed_between_approval_and_send_asks_again(tmp_path, change):
    """The send step checks the approval once more: a credential changed after the approval
    (a crash, a slow step) is not sent under the old approval."""
    seen: list[dict[str, Any]] = []
    graph = build_graph().compile(checkpointer=InMemorySaver(), interrupt_before=["call_action"])
    config: Any = {"configurable": {"thread_id": "s1"}}
    with serve(_recording_api(seen)) as base:
        async with _agent(tmp_path, base, _model()) as live:
            agent = SupportAgent(replace(live.deps, graph=graph))
            setattr(agent, "stores", live.stores)  # noqa: B010
            await _ask(agent)
            await agent.resume("s1", {"decision": "approve"})  # stops before call_action
            state = await graph.aget_state(config)
            assert state.next == ("call_action",) and state.values["pending"]["approved"]
            CHANGES[change](live)
            await graph.ainvoke(None, config, context=_context(agent))
            after = await graph.aget_state(config)
    assert seen == []
    asked = [i.value for i in after.interrupts]
    assert asked and asked[0]["kind"] == "confirm"


async def test_the_approval_digest_is_shared_by_instances_on_one_key_and_hides_secrets(tmp_path):
    """A question asked by one instance and answered through another binds alike; the digest
    kept in the checkpoint is keyed, so it cannot be matched against guessed secret values."""
    from cryptography.fernet import Fernet

    from agent.wiring.runtime import make_executor
    from agent.wiring.settings import Settings
    from storage.db import init_db, make_engine
    from storage.secrets import SecretStore
    from tools.validation import validate_action

    engines = [make_engine(f"sqlite:///{tmp_path / name}") for name in ("a.db", "b.db")]
    key, other_key = Fernet.generate_key(), Fernet.generate_key()
    for engine, k in zip(engines, (key, other_key), strict=True):
        init_db(engine)
        SecretStore(engine, k).set("API_KEY", "key-one")
    action = validate_action(_action("https://api.example.com"))
    settings = Settings(data_dir=tmp_path)
    digests = []
    for engine, k in ((engines[0], key), (engines[0], key), (engines[1], other_key)):
        async with make_executor(settings, SecretStore(engine, k)) as executor:
            digests.append(await executor.approval_digest(action, {"order_id": "ORD-1"}))
    assert digests[0] == digests[1] != digests[2]
    assert "key-one" not in digests[0]


async def test_a_delete_and_create_while_the_question_waits_asks_again_and_sends_to_the_new_url(tmp_path):
    """The new action has a name the waiting question knows: the approval of the deleted one
    does not carry over, and nothing goes to the deleted definition's URL."""
    seen: list[dict[str, Any]] = []
    with serve(_recording_api(seen)) as base:
        async with _agent(tmp_path, base, _model()) as agent:
            shown = await _ask(agent)
            store = agent.stores.actions
            store.delete(NAME, expected_version=store.get(NAME).version)
            store.create(_action(base, method="PUT", auth="gateway"))
            second = await agent.resume("s1", {"decision": "approve"})
            assert seen == []
            assert second.interrupt and second.interrupt["kind"] == "confirm"
            assert second.interrupt["request"]["method"] == "PUT" != shown["request"]["method"]
            third = await agent.resume("s1", {"decision": "approve"})
            assert third.interrupt is None
    assert [r["method"] for r in seen] == ["PUT"]


@pytest.mark.parametrize(
    "copy",
    {
        "a new idempotency key": {"idempotency_key": "a-new-key"},
        "another call id and key": {"tool_call_id": "call-2", "idempotency_key": "another-key"},
        "other values": {"args": {"order_id": "ORD-2002"}, "idempotency_key": "third-key"},
    }.values(),
    ids=["new idempotency key", "another call", "other values"],
)
async def test_an_approval_copied_in_the_state_sends_nothing_more(tmp_path, copy):
    """An approval is in the thread's state once given (its history is readable where the state
    is, e.g. on LangGraph Server); written back onto another call, another idempotency key or
    other values, it approves nothing: the call is asked about again, and not sent."""
    seen: list[dict[str, Any]] = []
    config: Any = {"configurable": {"thread_id": "s1"}}
    with serve(_recording_api(seen)) as base:
        async with _agent(tmp_path, base, _model()) as agent:
            await _ask(agent)
            await agent.resume("s1", {"decision": "approve"})
            assert [r["path"] for r in seen] == ["/orders/ORD-1001/cancel"]
            graph = agent.deps.graph
            approved = [
                s.values["pending"]
                async for s in graph.aget_state_history(config)
                if (s.values.get("pending") or {}).get("approval")
            ]
            assert approved, "the approval is kept in the state"
            # the repeat rule's record is the state's too: a client can clear it (`Overwrite`)
            forged = {"pending": {**approved[0], **copy}, "sent_fingerprints": Overwrite([])}
            await graph.aupdate_state(config, forged, as_node="confirm")
            await graph.ainvoke(None, config, context=_context(agent))
            after = await graph.aget_state(config)
    assert [r["path"] for r in seen] == ["/orders/ORD-1001/cancel"]
    assert [i.value["kind"] for i in after.interrupts] == ["confirm"], after.values
