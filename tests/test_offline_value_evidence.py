"""Values as evidence (`agent.offline.value_evidence`): a message made of one tool's arguments,
in values only such arguments take (places, dates, identifiers, a list's own values), calls
that tool though it says none of the tool's words; one value alone fits too many questions."""

from __future__ import annotations

from typing import Any

from agent.catalog.lexical import words
from agent.offline.value_evidence import Typed, says_listed_value, typed_parameters, values_lead
from tests.support.function_catalogs import offline_call as call


def _fn(name: str, description: str, required: list[str], **props: dict[str, Any]) -> dict[str, Any]:
    parameters = {"type": "object", "properties": props, "required": required}
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": parameters},
    }


TRAVEL = [
    _fn(
        "search_trains",
        "Find train connections between two cities",
        ["departure_city", "arrival_city"],
        departure_city={"type": "string", "description": "City of departure"},
        arrival_city={"type": "string", "description": "City of arrival"},
        travel_date={"type": "string", "format": "date", "description": "Travel date"},
    ),
    _fn(
        "get_exchange_rate",
        "Exchange rate between two currencies",
        ["base", "target"],
        base={"type": "string", "description": "Base currency code"},
        target={"type": "string", "description": "Target currency code"},
    ),
]


def test_a_message_made_of_one_tools_values_calls_it() -> None:
    assert call(TRAVEL, "from Leeds to York next Friday") == (
        "search_trains",
        {"departure_city": "Leeds", "arrival_city": "York", "travel_date": "2027-03-05"},
    )


def test_one_value_alone_calls_nothing() -> None:
    assert call(TRAVEL, "York please") == (None, {})
    assert call(TRAVEL, "Is tipping expected in York?") == (None, {})


def test_a_tool_is_led_to_by_typed_values_of_every_required_parameter_and_two_in_all() -> None:
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "ticket": {"type": "string", "pattern": "^TCK-\\d{4}$"},
            "priority": {"type": "string", "enum": ["low", "high"]},
            "note": {"type": "string"},
        },
        "required": ["ticket"],
    }

    def typed_in(text: str) -> Typed:
        def typed(name: str, prop: dict[str, Any]) -> bool:
            if name == "ticket":
                return "TCK-" in text
            return says_listed_value(set(words(text)), prop)  # a free-text note never counts

        return typed

    text = "TCK-1234 is high priority, it still fails"
    assert typed_parameters(parameters, typed_in(text)) == {"ticket", "priority"}
    assert values_lead(parameters, typed_in(text))
    assert not values_lead(parameters, typed_in("TCK-1234 please"))  # one value
    assert not values_lead(parameters, typed_in("high priority, low mood"))  # no ticket
    assert not says_listed_value({"highly"}, parameters["properties"]["priority"])
