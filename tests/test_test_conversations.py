"""Test conversations: written with the action, versioned, exported, run, and guarding publish.

Real parts throughout: the real graph with the offline model or the real `ChatOpenAI` client
against the local OpenAI-compatible server, the demo API under uvicorn (its request log proves
what was and was not sent), SQLite and PostgreSQL stores.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import Field

from agent.evaluation import (
    Case,
    cases_of,
    evaluate,
    guard_publish,
    suite_problems,
    suites_from_data,
)
from agent.offline import OfflineChatModel
from agent.wiring.llm import make_chat_model
from agent.wiring.settings import Settings
from storage.actions import ActionStore
from storage.drafts import DraftStore
from storage.transfer import export_actions, import_actions
from tests.support.agent_fixtures import demo_actions
from tests.support.openai_server import tool_call
from tools.action import ActionDefinition
from tools.compiler import compile_action
from tools.conversation_case import TestConversation
from tools.errors import ActionValidationError
from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
from tools.outcome import OutcomeKind
from tools.validation import validate_action, validate_catalog

DEMO = Path(__file__).resolve().parents[1] / "demo" / "actions.json"


def demo_catalog() -> list[ActionDefinition]:
    return validate_catalog(json.loads(DEMO.read_text()))


def order_status(**overrides: Any) -> dict[str, Any]:
    raw = next(a for a in json.loads(DEMO.read_text()) if a["name"] == "order_status")
    return {**raw, **overrides}


def problems_of(exc: pytest.ExceptionInfo[ActionValidationError]) -> dict[str, list[str]]:
    return exc.value.by_path()


# -- the definition ------------------------------------------------------------------------------


def test_the_demo_seeds_five_messages_per_action_and_no_match_messages() -> None:
    catalog = demo_catalog()
    assert len(catalog) == 10
    for action in catalog:
        own = [c for c in action.test_conversations if c.expected_action == action.name]
        assert len(own) >= 5, action.name
        assert any(c.expected_action is None for c in action.test_conversations), action.name
    assert suite_problems(catalog) == []


def test_examples_leave_the_compiled_tool_and_its_hash_alone() -> None:
    plain = validate_action(order_status(test_conversations=[]))
    seeded = validate_action(order_status())
    assert seeded.test_conversations and seeded.content_hash() == plain.content_hash()
    assert compile_action(seeded).openai_schema() == compile_action(plain).openai_schema()
    # but a real change still changes it
    edited = validate_action(order_status(trigger="Use for orders."))
    assert edited.content_hash() != plain.content_hash()


@pytest.mark.parametrize(
    ("case", "path", "words"),
    [
        ({"message": "  ", "expected_action": "order_status"}, "test_conversations[0].message", "empty"),
        (
            {"message": "hi", "expected_action": "no such!"},
            "test_conversations[0].expected_action",
            "action name",
        ),
        ({"message": "hi"}, "test_conversations[0].expected_action", "required"),
        (
            {"message": "hi", "expected_action": None, "expected_args": {"order_id": "ORD-1001"}},
            "test_conversations[0].expected_args",
            "no action",
        ),
        (
            {"message": "hi", "expected_action": None, "answer": "ORD-1"},
            "test_conversations[0].answer",
            "no action",
        ),
        (
            {"message": "hi", "expected_action": "order_status", "answer": " "},
            "test_conversations[0].answer",
            "empty",
        ),
        (
            {"message": "hi", "expected_action": "order_status", "expected_args": {"orderid": "ORD-1001"}},
            "test_conversations[0].expected_args.orderid",
            "no input",
        ),
        (
            {"message": "hi", "expected_action": "order_status", "expected_args": {"order_id": "1001"}},
            "test_conversations[0].expected_args.order_id",
            "ORD-",
        ),
        (
            {"message": "hi", "expected_action": "order_status", "expected_outcome": "fine"},
            "test_conversations[0].expected_outcome",
            "",
        ),
        ({"message": "hi", "expected_action": "order_status", "extra": 1}, "test_conversations[0].extra", ""),
    ],
)
def test_a_bad_test_conversation_is_refused_with_its_field_path(case: dict, path: str, words: str) -> None:
    with pytest.raises(ActionValidationError) as exc:
        validate_action(order_status(test_conversations=[case]))
    found = problems_of(exc)
    assert path in found, found
    assert any(words in m for m in found[path]), found[path]


def test_the_catalog_refuses_a_case_naming_an_unknown_action_or_its_unknown_input() -> None:
    raw = json.loads(DEMO.read_text())
    raw[0]["test_conversations"].append({"message": "x", "expected_action": "order_statuz"})
    raw[1]["test_conversations"].append(
        {"message": "x", "expected_action": "cancel_order", "expected_args": {"order": "ORD-1001"}}
    )
    with pytest.raises(ActionValidationError) as exc:
        validate_catalog(raw)
    found = problems_of(exc)
    assert "[0].test_conversations[6].expected_action" in found
    assert "[1].test_conversations[6].expected_args.order" in found
    assert len(exc.value.problems) == 2


def test_a_suite_file_is_checked_against_the_catalog_with_paths() -> None:
    catalog = demo_catalog()
    data = {
        "order_statuz": [],
        "order_status": [
            {"message": "where is ORD-1001", "expected_action": "order_status"},
            {"message": "", "expected_action": "order_status"},
            {"message": "x", "expected_action": "cancel_order", "expected_args": {"order_id": "nope"}},
        ],
        "cancel_order": "not a list",
    }
    with pytest.raises(ActionValidationError) as exc:
        suites_from_data(data, catalog)
    found = problems_of(exc)
    assert set(found) == {"order_statuz", "order_status[1].message", "cancel_order"}
    # once the shape is right, the cross-action check names the argument
    data = {"order_status": [data["order_status"][2]]}
    with pytest.raises(ActionValidationError) as exc:
        suites_from_data(data, catalog)
    assert set(problems_of(exc)) == {"order_status[0].expected_args.order_id"}
    good = suites_from_data({"order_status": [{"message": "hi", "expected_action": None}]}, catalog)
    assert [c.suite for c in cases_of(good)] == ["order_status"]
    with pytest.raises(ActionValidationError):
        suites_from_data(["not", "an", "object"], catalog)


# -- versioned, audited, exported with the action ----------------------------------------------


def test_writing_a_test_conversation_is_a_new_version_in_the_audit_history(engine) -> None:
    store = ActionStore(engine)
    first = store.create(order_status(test_conversations=[]), actor="ana")
    case = {
        "message": "Where is ORD-1002?",
        "expected_action": "order_status",
        "expected_args": {"order_id": "ORD-1002"},
    }
    second = store.update(
        "order_status", order_status(test_conversations=[case]), expected_version=first.version, actor="ben"
    )
    assert second.version == first.version + 1
    assert second.definition.test_conversations == [TestConversation.model_validate(case)]
    entry = store.history("order_status")[0]
    assert entry.actor == "ben" and "test_conversations" in entry.diff
    old, new = entry.diff["test_conversations"]
    assert old == [] and new[0]["message"] == "Where is ORD-1002?"
    assert store.version_definition("order_status", first.version).test_conversations == []
    rolled = store.rollback("order_status", first.version, expected_version=second.version, actor="ana")
    assert rolled.definition.test_conversations == []


def test_export_and_import_carry_the_test_conversations(engine, tmp_path) -> None:
    store = ActionStore(engine)
    for action in json.loads(DEMO.read_text()):
        store.create(action)
    exported = export_actions(store)
    assert isinstance(exported, list)  # no auth settings stored: the definitions alone
    assert sum(len(a["test_conversations"]) for a in exported) == sum(
        len(a.test_conversations) for a in demo_catalog()
    )
    for stored in store.list():
        store.delete(stored.name, expected_version=stored.version)
    import_actions(store, json.dumps(exported))
    assert [s.definition for s in store.list()] == [validate_action(a) for a in exported]


# -- running -------------------------------------------------------------------------------------


async def test_every_seeded_demo_suite_passes_with_the_offline_model() -> None:
    report = await evaluate(demo_catalog(), OfflineChatModel())
    assert len(report.results) == 60
    assert report.ok, [(r.suite, r.message, r.problems) for r in report.failed]
    answered = [r for r in report.results if r.asked]
    assert answered and all(r.passed for r in answered)


async def test_failures_say_what_was_picked_instead_and_which_arguments_differ() -> None:
    cases = [
        TestConversation(message="Please cancel order ORD-1002", expected_action="order_status"),
        TestConversation(
            message="Where is my order ORD-1001?",
            expected_action="order_status",
            expected_args={"order_id": "ORD-1003"},
        ),
        TestConversation(message="Where is my order ORD-1001?", expected_action="order_status"),
        TestConversation(message="Where is my order ORD-1001?", expected_action=None),
        TestConversation(message="What are your opening hours?", expected_action="order_status"),
        TestConversation(
            message="where is my order?", expected_action="order_status", answer="no idea, sorry"
        ),
    ]
    report = await evaluate(
        demo_catalog(), OfflineChatModel(), cases=[Case("t", i, c) for i, c in enumerate(cases)]
    )
    stolen, wrong_arg, invented, unexpected, missed, unanswered = report.results
    assert not any(r.passed for r in report.results)
    assert stolen.picked == ["cancel_order"] and stolen.stolen_by == "cancel_order"
    assert wrong_arg.args_differ == {"order_id": {"expected": "ORD-1003", "got": "ORD-1001"}}
    assert invented.args_differ == {"order_id": {"expected": None, "got": "ORD-1001"}}
    assert unexpected.stolen_by == "order_status" and "expected no action" in unexpected.problems[0]
    assert missed.picked == [] and missed.stolen_by is None and missed.answer_text
    assert unanswered.asked == ["order_id"] and "still asks for order_id" in unanswered.problems[0]
    assert all(r.seconds > 0 for r in report.results)


async def test_nothing_is_sent_and_gets_only_on_request(fresh_demo_log) -> None:
    api = fresh_demo_log
    catalog = validate_catalog(demo_actions(api.base_url))
    settings = ExecutorSettings(allow_hosts=(api.host,), backoff_seconds=0.01)
    async with ActionExecutor(settings, StaticSecrets({"DEMO_API_TOKEN": api.token})) as executor:
        quiet = await evaluate(catalog, OfflineChatModel(), executor=executor)
        assert quiet.ok and api.request_log == []
        sent = await evaluate(catalog, OfflineChatModel(), executor=executor, send_get=True)
    methods = {e["method"] for e in api.request_log}
    assert methods == {"GET"}, api.request_log
    assert sent.ok, [(r.message, r.problems) for r in sent.failed]  # the seeded expected_outcome holds
    outcomes = {(r.suite, r.outcome) for r in sent.results if r.outcome}
    assert ("order_status", "ok") in outcomes
    # every call sent is answered, and the answer is kept beside its outcome
    answered = [r for r in sent.results if r.outcome]
    assert answered and all(r.answer_text.strip() for r in answered), [
        (r.message, r.outcome) for r in answered if not r.answer_text.strip()
    ]
    gets = {a.name for a in catalog if a.method.value == "GET"}
    assert {s for s, _ in outcomes} <= gets
    # a ready write is never sent, even with sending on
    writes = [r for r in sent.results if r.suite == "cancel_order" and r.passed and r.args]
    assert writes and all(r.outcome is None for r in writes)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
async def test_the_executor_given_to_the_graph_refuses_every_write(fresh_demo_log, method: str) -> None:
    from agent.evaluation import _SendOnlyGet

    api = fresh_demo_log
    action = validate_action(
        {"name": "write", "method": method, "url": f"{api.base_url}/api/orders/ORD-1001", "trigger": "x"}
    )
    settings = ExecutorSettings(allow_hosts=(api.host,))
    async with ActionExecutor(settings, StaticSecrets({})) as executor:
        outcome = await _SendOnlyGet(executor, send_get=True).execute(action, {})
    assert outcome.kind.value == "config_error" and api.request_log == []


async def test_expected_outcome_is_checked_when_a_get_is_sent(fresh_demo_log) -> None:
    api = fresh_demo_log
    catalog = validate_catalog(demo_actions(api.base_url))
    cases = [
        TestConversation(
            message="Where is my order ORD-1001?",
            expected_action="order_status",
            expected_args={"order_id": "ORD-1001"},
            expected_outcome=OutcomeKind.OK,
        ),
        TestConversation(
            message="Where is my order ORD-1001?",
            expected_action="order_status",
            expected_args={"order_id": "ORD-1001"},
            expected_outcome=OutcomeKind.HTTP_ERROR,
        ),
    ]
    settings = ExecutorSettings(allow_hosts=(api.host,), backoff_seconds=0.01)
    async with ActionExecutor(settings, StaticSecrets({"DEMO_API_TOKEN": api.token})) as executor:
        report = await evaluate(
            catalog,
            OfflineChatModel(),
            cases=[Case("t", i, c) for i, c in enumerate(cases)],
            executor=executor,
            send_get=True,
        )
    ok, wrong = report.results
    assert ok.passed and ok.outcome == "ok"
    assert not wrong.passed and "outcome ok, expected http_error" in wrong.problems


async def test_runs_with_chat_openai_against_the_local_server(openai_srv) -> None:
    def by_message(body: dict) -> Any:
        last = [m for m in body["messages"] if m["role"] == "user"][-1]["content"]
        if "ORD-1001" in last:
            return tool_call("order_status", order_id="ORD-1001")
        if "cancel" in last:
            return tool_call("account_summary")
        return "Happy to help!"

    openai_srv.script([by_message] * 3)
    choice = make_chat_model(
        Settings(
            openai_api_key="test-key", openai_base_url=openai_srv.openai_base_url, openai_model="scripted"
        )
    )
    assert not choice.is_offline
    cases = [
        TestConversation(
            message="Where is ORD-1001?",
            expected_action="order_status",
            expected_args={"order_id": "ORD-1001"},
        ),
        TestConversation(message="Please cancel my order", expected_action="cancel_order"),
        TestConversation(message="Hello", expected_action=None),
    ]
    report = await evaluate(
        demo_catalog(), choice.model, cases=[Case("t", i, c) for i, c in enumerate(cases)], concurrency=1
    )
    routed, stolen, plain = report.results
    assert routed.passed and routed.args == {"order_id": "ORD-1001"}
    assert not stolen.passed and stolen.stolen_by == "account_summary"
    assert plain.passed and plain.answer_text == "Happy to help!"
    assert len(openai_srv.requests) == 3
    assert all("order_status" in r.tool_names for r in openai_srv.requests)


# -- the publish guard ---------------------------------------------------------------------------

GREEDY_TRIGGER = (
    "Use when the user asks how to pay, whether they can pay by credit card, or about their plan, "
    "balance, next invoice or account details."
)
"""An edit of account_summary's trigger that takes "Can I pay by credit card?", a message
cancel_order's suite says no action should take."""


async def test_publish_guard_catches_a_regression_caused_by_another_actions_trigger(engine) -> None:
    store = ActionStore(engine)
    for action in json.loads(DEMO.read_text()):
        store.create(action)
    drafts = DraftStore(store)
    greedy = store.get("account_summary").definition.model_copy(update={"trigger": GREEDY_TRIGGER})
    drafts.save(greedy, live_name="account_summary")
    live = [s.definition for s in store.list()]
    after = drafts.after_publishing("account_summary")
    assert [d.trigger for d in after if d.name == "account_summary"] == [GREEDY_TRIGGER]
    report = await guard_publish(live, after, OfflineChatModel())
    assert not report.ok and report.changed_triggers == ["account_summary"]
    assert report.before.ok
    hit = {(r.after.suite, r.after.stolen_by) for r in report.regressions}
    assert hit == {("cancel_order", "account_summary")}, hit
    assert all(r.before.passed and not r.after.passed for r in report.regressions)
    assert any(r.stolen_by_edit for r in report.regressions)
    assert "fail after publishing" in report.summary()
    # the guard only reads: live is untouched until someone publishes
    assert store.get("account_summary").definition.trigger != GREEDY_TRIGGER


async def test_publish_guard_passes_a_harmless_edit(engine) -> None:
    store = ActionStore(engine)
    for action in json.loads(DEMO.read_text()):
        store.create(action)
    drafts = DraftStore(store)
    title = store.get("account_summary").definition.model_copy(update={"title": "Account overview"})
    drafts.save(title, live_name="account_summary")
    report = await guard_publish(
        [s.definition for s in store.list()], drafts.after_publishing("account_summary"), OfflineChatModel()
    )
    assert report.ok and report.regressions == [] and report.changed_triggers == []
    assert "No regressions" in report.summary()


async def test_publish_guard_runs_nothing_when_the_agent_sees_the_same_tools(engine) -> None:
    """A title or response edit cannot change routing: no model call is made for it."""
    store = ActionStore(engine)
    for action in json.loads(DEMO.read_text()):
        store.create(action)
    drafts = DraftStore(store)
    edit = store.get("account_summary").definition.model_copy(
        update={"title": "Account overview", "response_instructions": "Be brief."}
    )
    drafts.save(edit, live_name="account_summary")

    class Counting(OfflineChatModel):
        calls: list[int] = Field(default_factory=list)

        async def _agenerate(self, *args: Any, **kwargs: Any) -> Any:
            self.calls.append(1)
            return await super()._agenerate(*args, **kwargs)

    live = [s.definition for s in store.list()]
    model = Counting()
    report = await guard_publish(live, drafts.after_publishing("account_summary"), model)
    assert report.ok and report.same_tools and report.before.results == []
    assert model.calls == []
    # a trigger edit is not the same tools: then it runs
    drafts.save(edit.model_copy(update={"trigger": GREEDY_TRIGGER}), live_name="account_summary")
    report = await guard_publish(live, drafts.after_publishing("account_summary"), model)
    assert not report.same_tools and len(report.after.results) == 60 and model.calls


async def test_publish_guard_is_not_ok_when_the_model_cannot_run(engine) -> None:
    """A model that fails makes every case fail before and after: no regression, but no
    evidence either, so the guard says it could not run them instead of clearing the publish."""
    store = ActionStore(engine)
    for action in json.loads(DEMO.read_text()):
        store.create(action)
    drafts = DraftStore(store)
    edit = store.get("account_summary").definition.model_copy(update={"trigger": GREEDY_TRIGGER})
    drafts.save(edit, live_name="account_summary")

    class Broken(OfflineChatModel):
        async def _agenerate(self, *args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("model endpoint unreachable")

    live = [s.definition for s in store.list()]
    report = await guard_publish(live, drafts.after_publishing("account_summary"), Broken(), concurrency=16)
    assert report.regressions == [] and not report.ok
    assert "could not run 60 test conversations" in report.summary()
    assert "model endpoint unreachable" in report.summary()


def _token_and_orders_api(seen: list[tuple[str, str]]):
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def record(request: Request) -> JSONResponse:
        seen.append((request.method, request.url.path))
        if request.url.path == "/token":
            return JSONResponse({"access_token": "tok", "token_type": "bearer", "expires_in": 600})
        return JSONResponse({"status": "shipped"})

    return Starlette(routes=[Route(p, record, methods=["GET", "POST"]) for p in ("/token", "/orders")])


@pytest.mark.parametrize("allowed", [False, True])
async def test_a_get_that_needs_an_oauth2_token_request_is_sent_only_when_that_is_allowed(allowed) -> None:
    """The token request is a POST: "send GET" alone never makes it."""
    from agent.evaluation import _SendOnlyGet
    from tests.support.servers import serve
    from tools.auth import StaticAuth, validate_auth

    seen: list[tuple[str, str]] = []
    with serve(_token_and_orders_api(seen)) as base:
        setting = validate_auth(
            {
                "name": "gateway",
                "kind": "oauth2_client_credentials",
                "token_url": f"{base}/token",
                "client_id_secret": "ID",
                "client_secret_secret": "SECRET",
            }
        )
        action = validate_action(
            {"name": "status", "method": "GET", "url": f"{base}/orders", "trigger": "x", "auth": "gateway"}
        )
        settings = ExecutorSettings(allow_hosts=(base.removeprefix("http://"),))
        secrets = StaticSecrets({"ID": "client", "SECRET": "s3cret"})
        async with ActionExecutor(settings, secrets, auth=StaticAuth([setting])) as executor:
            only_get = _SendOnlyGet(executor, send_get=True, allow_token_request=allowed)
            outcome = await only_get.execute(action, {})
    if allowed:
        assert outcome.kind.value == "ok" and seen == [("POST", "/token"), ("GET", "/orders")]
    else:
        assert outcome.kind.value == "config_error" and seen == []
        assert "token" in outcome.summary
