"""What an import would do, worked out before it is done (`storage.transfer.plan_import`), and
catalog problems named by action (`problem_text`); on SQLite and PostgreSQL. Also the
validation hint for a placeholder typo, and the field-by-field diff the app draws."""

from __future__ import annotations

import pytest

from storage import ActionStore, init_db
from storage.drafts import DraftStore
from storage.transfer import import_actions, parse_catalog, plan_import, problem_text
from tests.support.storage_fixtures import order_action, refund_action
from tools.errors import ActionValidationError
from tools.validation import validate_action
from ui.diff_view import changes


@pytest.fixture
def stores(engine) -> tuple[ActionStore, DraftStore]:
    init_db(engine)
    actions = ActionStore(engine)
    return actions, DraftStore(actions)


def test_the_plan_matches_what_the_import_then_does(stores) -> None:
    actions, drafts = stores
    actions.create(order_action())
    actions.create(refund_action())
    drafts.save(order_action(title="Draft"), live_name="look_up_order")
    drafts.save(order_action(name="new_one"))  # a new action's draft, named like an import
    items = [
        order_action(title="Changed"),
        refund_action(),
        order_action(name="new_one"),
        order_action(name="brand_new"),
    ]
    plan = plan_import(actions, drafts, items)
    assert plan.created == ["new_one", "brand_new"]
    assert [(u.name, u.version, u.diff) for u in plan.updated] == [
        ("look_up_order", 1, {"title": ["Look up order status", "Changed"]})
    ]
    assert plan.unchanged == ["request_refund"]
    why = {d.name: d.why for d in plan.drafts}
    assert "version 1 becomes 2" in why["look_up_order"] and "refused" in why["look_up_order"]
    assert "the import takes the name" in why["new_one"]
    assert actions.get("look_up_order").version == 1  # planning stores nothing

    digest = plan.digest()
    assert plan_import(actions, drafts, items).digest() == digest  # same catalog, same plan
    report = import_actions(actions, items)
    assert report.created == plan.created and report.updated == ["look_up_order"]
    assert plan_import(actions, drafts, items).digest() != digest  # now nothing would change


def test_an_invalid_file_is_planned_as_every_problem(stores) -> None:
    actions, drafts = stores
    with pytest.raises(ActionValidationError) as info:
        plan_import(actions, drafts, b'[{"name": "x"}, 5]')
    items = parse_catalog(b'[{"name": "x"}, 5]')
    texts = [problem_text(items, p) for p in info.value.problems]
    assert any(t.startswith("x (item 1): ") for t in texts)
    assert any(t.startswith("item 2: ") for t in texts)  # no name to give


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("tiket_id", "ticket_id"),  # a letter left out
        ("ticket_di", "ticket_id"),  # two swapped
        ("Ticket_ID", "ticket_id"),  # case
        ("ticket_idd", "ticket_id"),  # one too many
    ],
)
def test_a_placeholder_typo_names_the_input_meant(typed: str, meant: str) -> None:
    definition = order_action(
        url=f"https://orders.example.com/tickets/{{{{{typed}}}}}",
        inputs=[{"name": "ticket_id", "description": "Ticket"}, {"name": "order_id", "description": "Order"}],
    )
    with pytest.raises(ActionValidationError) as info:
        validate_action(definition)
    url = [p.message for p in info.value.problems if p.path == "url"]
    assert url == [
        f"unknown placeholder '{{{{{typed}}}}}': did you mean {meant!r}? (or declare an input named {typed!r})"
    ]


def test_an_unrelated_placeholder_gets_no_guess() -> None:
    with pytest.raises(ActionValidationError) as info:
        validate_action(order_action(url="https://orders.example.com/x/{{customer}}"))
    url = [p.message for p in info.value.problems if p.path == "url"]
    assert url == ["unknown placeholder '{{customer}}': declare an input named 'customer'"]


def test_changes_go_down_to_the_field_that_changed() -> None:
    old = validate_action(order_action()).to_json_dict()
    new = validate_action(
        order_action(
            inputs=[{"name": "order_id", "description": "Order number", "pattern": r"\d{7}"}],
            headers={"Authorization": "Bearer {{secret.ORDERS_TOKEN}}", "Accept": "application/json"},
        )
    ).to_json_dict()
    diff = {k: [old[k], new[k]] for k in old if old[k] != new[k]}
    assert changes(diff) == [
        ("inputs[order_id].pattern", r"\d{6}", r"\d{7}"),
        ("headers.Accept", None, "application/json"),
    ]
    moved = {"response_selection": [{"fields": {"a": "x", "b": "y"}}, {"fields": {"b": "y", "a": "x"}}]}
    assert changes(moved) == [("response_selection.fields (order)", ["a", "b"], ["b", "a"])]
