"""The offline model answers in words a question about how things work - one with a condition or
a manner ("after it has shipped", "in instalments"), about an operation as its subject ("does
cancelling ... cost anything?"), about what must be done, how long things take or what they cost
in general - unless it gives a value the action takes or the action answers such questions
itself (a quote, an estimate, a requirements look-up)."""

from __future__ import annotations

import pytest

from tests.support.function_catalogs import TEXT, fn, offline_call

ORDER_ID = {"type": "string", "description": "Order number, e.g. ORD-1234", "pattern": "^ORD-\\d{4,}$"}
ORDERS = [
    fn("get_order_status", "Use when the customer asks where their order is.", order_id=ORDER_ID),
    fn("cancel_order", "Use when the customer wants to cancel an order.", order_id=ORDER_ID),
    fn("request_refund", "Use when the customer wants their money back for an order.", order_id=ORDER_ID),
]
QUOTES = [
    fn("get_shipping_quote", "Use when the customer asks the price of shipping a parcel.", postcode=TEXT),
    fn("track_parcel", "Use when the customer asks where their parcel is.", tracking_number=TEXT),
]
TRAVEL = [
    fn("get_visa_requirements", "Look up visa requirements for travelling to a country.", country=TEXT),
    fn("book_flight", "Book a flight to a city.", city=TEXT),
]


@pytest.mark.parametrize(
    "message",
    [
        "can I cancel an order after it has shipped?",
        "Can I get a refund by bank transfer instead?",
        "does cancelling an order cost anything?",
        "will asking for a refund close my account?",
        "do I have to return the item to get a refund?",
        "how long does a refund take to arrive?",
        "how much does it cost to cancel an order?",
        "can someone else cancel my order for me?",
    ],
)
def test_questions_about_the_rules_are_answered_in_words(message: str) -> None:
    assert offline_call(ORDERS, message)[0] is None


@pytest.mark.parametrize(
    ("tools", "message", "tool"),
    [
        (ORDERS, "can I cancel ORD-12345 before it ships?", "cancel_order"),
        (ORDERS, "how long will ORD-12345 take to arrive?", "get_order_status"),
        (QUOTES, "how much does parcel shipping cost?", "get_shipping_quote"),
        (TRAVEL, "Do I need a visa to visit Kenya?", "get_visa_requirements"),
    ],
)
def test_a_value_or_an_answering_action_still_calls(tools: list, message: str, tool: str) -> None:
    assert offline_call(tools, message)[0] == tool


MOBILE = [
    fn("change_tariff", "Use when the customer wants to move to another tariff or plan.", tariff=TEXT),
    fn("get_data_balance", "Use when the customer asks how much data they have left.", phone_number=TEXT),
]
MEMBERSHIP = [
    fn("cancel_membership", "Use when the customer wants to cancel their gym membership.", member_id=TEXT),
    fn("freeze_membership", "Use when the customer wants to pause their membership.", member_id=TEXT),
]


def test_a_how_do_i_question_about_an_operation_no_tool_performs_is_answered_in_words() -> None:
    assert offline_call(MOBILE, "how do I unlock my handset to use another network's sim")[0] is None
    assert offline_call(MEMBERSHIP, "how do i stop my gym membership")[0] == "cancel_membership"


STREAMING = [
    fn("change_streaming_plan", "Use when the customer wants another streaming plan.", plan=TEXT),
    fn(
        "remove_device",
        "Use when the customer wants a device signed out of or removed from their account.",
        device_name={"type": "string", "description": "Name of the device, e.g. Living room TV"},
    ),
]


@pytest.mark.parametrize("message", ["please sign out my old iPad", "sign out our kitchen iPad"])
def test_a_statement_of_the_customers_case_needs_less_evidence(message: str) -> None:
    assert offline_call(STREAMING, message)[0] == "remove_device"


@pytest.mark.parametrize("message", ["can you sign out of an old iPad?", "devices are annoying"])
def test_a_question_or_a_statement_of_nothing_of_the_customers_needs_the_full_threshold(message: str) -> None:
    assert offline_call(STREAMING, message)[0] is None


RENTAL_REF = {"type": "string", "description": "Rental reference, e.g. RNT123456", "pattern": "^RNT\\d{6}$"}
CAR_HIRE = [
    fn("book_rental_car", "Use when the customer wants to hire a car for some dates.", pickup_date=TEXT),
    fn("extend_rental", "Use when the customer wants to keep a hired car for longer.", rental_ref=RENTAL_REF),
    fn("cancel_rental", "Use when the customer wants to cancel a car hire booking.", rental_ref=RENTAL_REF),
]


@pytest.mark.parametrize(
    "message",
    ["I no longer need the car I booked, reference RNT615530", "we won't be able to make it, RNT615530"],
)
def test_saying_something_is_no_longer_needed_speaks_of_cancelling(message: str) -> None:
    assert offline_call(CAR_HIRE, message)[0] == "cancel_rental"


GYM = [
    fn(
        "book_class",
        "Use when the customer wants a place in a fitness class.",
        class_type={"type": "string", "enum": ["spin", "yoga", "pilates"]},
        class_date=TEXT,
    ),
    fn("cancel_membership", "Use when the customer wants to cancel their gym membership.", member_id=TEXT),
]


@pytest.mark.parametrize(
    ("message", "tool"),
    [
        ("Is there space in spin on thursday? I'd like a bike", "book_class"),
        ("do you have anything free in the yoga class this week", "book_class"),
        ("Do you have a swimming pool?", None),
    ],
)
def test_a_question_whether_there_is_room_asks_to_book(message: str, tool: str | None) -> None:
    assert offline_call(GYM, message)[0] == tool


WATER = [
    fn("report_water_leak", "Use when the customer reports leaking or burst water pipes.", postcode=TEXT),
    fn(
        "report_no_water",
        "Use when no water comes out of the taps or the pressure is very low.",
        postcode=TEXT,
    ),
    fn("submit_water_reading", "Use when the customer gives a water meter reading.", reading=TEXT),
]


def test_what_customers_say_of_a_leak_reads_as_a_leak() -> None:
    assert offline_call(WATER, "water pouring through my kitchen ceiling, LS2 9JT")[0] == "report_water_leak"


ORDER_CANCELS = [
    fn("cancel_order", "Use when the customer wants to cancel something they ordered.", order_id=ORDER_ID),
    fn("cancel_appointment", "Use when the customer wants to cancel a booked appointment.", booking_ref=TEXT),
]


def test_a_vague_word_names_no_other_subject() -> None:
    assert (
        offline_call(ORDER_CANCELS, "i want to cancel the thing i ordered this morning")[0] == "cancel_order"
    )


def test_dropping_a_hired_car_off_returns_it_and_cancels_nothing() -> None:
    assert offline_call(CAR_HIRE, "can i drop the car off at a different branch")[0] is None


TARIFFS = [
    fn(
        "change_tariff",
        "Use when the customer wants to move their mobile plan to a different tariff.",
        tariff={"type": "string", "enum": ["sim_only_10gb", "sim_only_50gb", "unlimited"]},
    ),
    fn("get_data_balance", "Use when the customer asks how much data they have left.", phone_number=TEXT),
]


def test_a_statement_that_names_only_a_value_still_asks_the_tool() -> None:
    assert offline_call(TARIFFS, "swap me onto unlimited, im always running out")[0] == "change_tariff"
    assert offline_call(TARIFFS, "is unlimited any good?")[0] is None


def test_a_stated_want_is_a_stated_case() -> None:
    assert offline_call(GYM, "want to try pilates")[0] == "book_class"
