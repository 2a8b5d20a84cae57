"""The offline model on catalogs of no labelled set: a message that only thanks, a question about
things in general beside tools that act on one thing of the customer's own, advice questions and
operations no tool performs are answered in words; a verb one tool alone uses, chat spellings,
abbreviated tool names and a tie settled by what the message gives still call the tool; and the
values a message states are read in the tool's own form (times, dates, rates, frequencies,
amounts, kinds, names, text after a colon)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.function_catalogs import TEXT, fn, offline_call

INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
ORDER_ID = {"type": "string", "pattern": "^ORD-\\d{4,6}$", "description": "Order id, e.g. ORD-4821"}
TRACKING = {"type": "string", "pattern": "^TRK\\d{8}$", "description": "Tracking number, e.g. TRK00012345"}
MEMBERSHIP = {"type": "string", "pattern": "^MB-\\d{5}$", "description": "Membership id, e.g. MB-10442"}

REFUNDS = [
    fn("request_refund", "Use when the customer wants their money back for an order.", order_id=ORDER_ID),
    fn(
        "get_refund_status", "Use when the customer asks where a refund they requested is.", order_id=ORDER_ID
    ),
]
PARCELS = [
    fn("track_parcel", "Use when the customer asks where their parcel is.", tracking_number=TRACKING),
    fn(
        "change_delivery_address",
        "Use when the customer wants a parcel delivered to another address.",
        tracking_number=TRACKING,
        new_address=TEXT,
    ),
]
MEMBERSHIPS = [
    fn(
        "get_membership_renewal",
        "Use when the customer asks when their membership renews.",
        membership_id=MEMBERSHIP,
    ),
    fn(
        "pause_membership",
        "Use when the customer wants to pause their membership for some months.",
        membership_id=MEMBERSHIP,
        months=INTEGER,
    ),
    fn("cancel_membership", "Use when the customer wants to end their membership.", membership_id=MEMBERSHIP),
]
STATEMENTS = [
    fn(
        "get_latest_statement",
        "Use when the customer asks for their latest statement.",
        account_number={"type": "string", "pattern": "^\\d{8}$"},
    ),
    fn("report_lost_card", "Use when the customer has lost their card.", last_four=TEXT),
]
STOCKS = [
    fn("get_share_price", "Get the current share price of a listed company", symbol=TEXT),
    fn("get_dividend_history", "Get past dividends paid by a company", symbol=TEXT),
]
LODGING = [
    fn("search_lodging", "Search places to stay in a city", city=TEXT),
    fn("book_lodging", "Book a place to stay", lodging_id=TEXT, nights=INTEGER),
]
CASES = [
    fn("cust_find", "Look up a client record by e-mail", email={"type": "string", "format": "email"}),
    fn("case_new", "Open a support case", headline=TEXT),
]
THEATRE = [
    fn("Theatre_2_FindShows", "Find shows playing in a city", city=TEXT, category=TEXT),
    fn(
        "Theatre_2_GetShowTimes", "Get the times a show plays on a date", show_name=TEXT, city=TEXT, date=TEXT
    ),
    fn("Theatre_2_BuyTickets", "Buy tickets for a show", show_name=TEXT, city=TEXT, tickets=INTEGER),
]
THEATRE[0]["function"]["parameters"]["required"] = ["city"]
THEATRE[1]["function"]["parameters"]["required"] = ["show_name", "city"]
THEATRE[2]["function"]["parameters"]["required"] = ["show_name", "city", "tickets"]
FAN = [
    fn("set_fan_speed", "Set the ceiling fan speed", speed=INTEGER),
    fn("fan_off", "Turn the ceiling fan off"),
]


CLAIM_ID = {"type": "string", "pattern": "^CL-\\d{5}$", "description": "Claim id, e.g. CL-20481"}
CLAIMS = [
    fn(
        "get_claim_progress",
        "Use when the customer asks how their insurance claim is going.",
        claim_id=CLAIM_ID,
    ),
    fn(
        "withdraw_claim", "Use when the customer no longer wants to go ahead with a claim.", claim_id=CLAIM_ID
    ),
    fn("file_claim", "Use when the customer wants to make a new claim.", what_happened=TEXT),
]
DEPOSITS = [
    fn("request_deposit_refund", "Use when the customer asks for their deposit back.", tenancy_id=TEXT),
    fn(
        "get_deposit_refund_status",
        "Use when the customer asks about a deposit refund already requested and when it arrives.",
        tenancy_id=TEXT,
    ),
]
ASSISTANT = [
    fn("transport_taxi", "Order a taxi", destination=TEXT),
    fn("calendar_query", "Query calendar events", date={"type": "string", "format": "date"}),
    fn("weather_query", "Ask for the weather", place=TEXT),
]
ALARMS = [
    fn("alarm_set", "Set an alarm", time={"type": "string", "description": "Alarm time, HH:MM"}),
    fn("alarm_query", "List the alarms that are set"),
]
ROUTER_HELP = [
    fn(
        "report_line_fault",
        "Use when the customer reports a fault with their broadband line.",
        account_number=TEXT,
    ),
    fn(
        "check_area_outage",
        "Use when the customer asks whether there is an outage in an area.",
        postcode=TEXT,
    ),
]


def call(tools: list[dict[str, Any]], message: str) -> str | None:
    return offline_call(tools, message)[0]


@pytest.mark.parametrize(
    ("tools", "message"),
    [
        (REFUNDS, "lovely, thank you for getting that sorted"),
        (REFUNDS, "cheers for the refund!"),
        (PARCELS, "is there a fee for sending a parcel to another address?"),
        (PARCELS, "how long does a parcel usually spend at the depot?"),
        (MEMBERSHIPS, "does pausing a membership cost anything?"),
        (FAN, "what speed should I run the fan at in summer?"),
        (STOCKS, "Sell 40 shares of Tesla for me"),
        (LODGING, "Rent me a bike in Lisbon"),
    ],
)
def test_answered_in_words(tools: list[dict[str, Any]], message: str) -> None:
    assert call(tools, message) is None


@pytest.mark.parametrize(
    ("tools", "message", "tool"),
    [
        (REFUNDS, "thanks! could you check on the refund for ORD-55120 too", "get_refund_status"),
        (PARCELS, "has TRK00918273 moved at all?", "track_parcel"),
        (MEMBERSHIPS, "honestly it costs too much now, i want to cancel my membership", "cancel_membership"),
        (MEMBERSHIPS, "when does r membership renew MB-10442", "get_membership_renewal"),
        (STATEMENTS, "can u send me my latest statement, account 44556677", "get_latest_statement"),
        (LODGING, "Book me 3 nights at lodging L-88", "book_lodging"),
        (CASES, "find the customer with email rita@example.org", "cust_find"),
        (THEATRE, "comedy shows in Fresno", "Theatre_2_FindShows"),
        (DEPOSITS, "refund my deposit pls", "request_deposit_refund"),
        (
            DEPOSITS,
            "I want my deposit refunded, the flat was spotless when we arrived",
            "request_deposit_refund",
        ),
        (CLAIMS, "drop the claim CL-20481, I found the watch", "withdraw_claim"),
        (CLAIMS, "has my claim been looked at yet?", "get_claim_progress"),
        (ASSISTANT, "get me a cab to the airport", "transport_taxi"),
        (ASSISTANT, "what's on my agenda tomorrow", "calendar_query"),
        (ALARMS, "wake me at 6:30 am", "alarm_set"),
        (ROUTER_HELP, "the video keeps buffering and the connection is glitchy", "report_line_fault"),
    ],
)
def test_the_tool_is_called(tools: list[dict[str, Any]], message: str, tool: str) -> None:
    assert call(tools, message) == tool


def test_values_are_read_in_the_tools_form() -> None:
    booking = fn(
        "reserve_table",
        "Reserve a table at a restaurant",
        restaurant_name=TEXT,
        time={"type": "string", "description": "Reservation time, HH:MM"},
        date={"type": "string", "description": "Reservation date"},
        party_size=INTEGER,
    )
    _, args = offline_call([booking], "table at The Ivy for 4 on the 9th at 7:45 pm")
    assert args == {"restaurant_name": "The Ivy", "time": "19:45", "date": "2027-03-09", "party_size": 4}
    savings = fn(
        "compound_growth",
        "Compute the final amount of a deposit with compound interest",
        deposit=NUMBER,
        rate={"type": "number", "description": "Yearly rate as a decimal, e.g. 0.03 for 3%"},
        years=INTEGER,
        compounds_per_year={"type": "integer", "description": "Times interest is compounded per year"},
    )
    _, args = offline_call([savings], "a deposit of 250k at 3% for 7 years, compounded quarterly")
    assert args == {"deposit": 250_000, "rate": 0.03, "years": 7, "compounds_per_year": 4}
    albums = fn("find_albums", "Find music albums", genre=TEXT, year=INTEGER)
    _, args = offline_call([albums], "any heavy metal albums from 1986?")
    assert args == {"genre": "heavy metal", "year": 1986}
    comment = fn("case_comment", "Add a comment to a support case", case_id=INTEGER, comment=TEXT)
    _, args = offline_call([comment], "add a comment to case 88: customer asked for a callback")
    assert args == {"case_id": 88, "comment": "customer asked for a callback"}
    warranty = fn(
        "register_warranty",
        "Register a product for warranty",
        purchase_date={"type": "string", "format": "date"},
    )
    _, args = offline_call([warranty], "register my blender for warranty, bought on 14 February")
    assert args == {"purchase_date": "2027-02-14"}  # a recent day, not next year's
