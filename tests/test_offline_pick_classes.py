"""Classes of request the offline model used to leave unanswered or give to the wrong neighbour,
each with a fresh message of its own and the near miss beside it that must not change:

- an identifier shown only by example ("fault code, e.g. E47"), no pattern: a message holding a
  value of that shape gives that parameter, as a pattern's value would;
- two neighbours that score alike, one taking a value the message gives that the other takes
  none of (a start time and a head count beside a day both take): the one that takes it;
- an identifier only one tool takes, in a message that says little in that tool's words;
- the present ("today", "now") is no date that only a tool of dates takes;
- a message of few words led by a value only one tool of the catalog takes ("thrillers under
  $15"), while a question that speaks of nobody or asks to know something stays in words;
- a host name is a value, not its words;
- a question what a word means is a defining tool's own;
- "won't be in" speaks of an absence;
- moving is a relocation only when the customer moves.
"""

from __future__ import annotations

from typing import Any

from agent.catalog.lexical import canonical, terms, words
from agent.offline.value_shapes import example_pattern
from tests.support.function_catalogs import TEXT, fn, offline_call

DAY = {"type": "string", "format": "date", "description": "Day"}
CENTRE = {"type": "string", "description": "Which centre", "enum": ["riverside", "hilltop"]}


def required(tool: dict[str, Any], *names: str) -> dict[str, Any]:
    tool["function"]["parameters"]["required"] = list(names)
    return tool


def call(tools: list[dict[str, Any]], message: str) -> str | None:
    return offline_call(tools, message)[0]


MACHINES = [
    required(
        fn(
            "logFault",
            "Log a fault on a machine",
            machine={"type": "string", "description": "machine name"},
            code={"type": "string", "description": "fault code on the display, e.g. E47"},
        ),
        "machine",
    ),
    required(
        fn(
            "getMachineStats",
            "Usage stats for a machine",
            machine={"type": "string", "description": "machine name"},
            period={"type": "string", "enum": ["day", "week"]},
        ),
        "machine",
    ),
]


def test_a_value_shaped_like_a_parameters_example_gives_that_parameter() -> None:
    assert example_pattern("fault code on the display, e.g. E47") == "^[A-Z]\\d{2,4}$"
    assert example_pattern("Postcode, e.g. LS6 2QT") is None  # a value of several words has no shape
    assert example_pattern("Movie genre, e.g. comedy") is None
    assert call(MACHINES, "the dishwasher keeps showing E12 and stops halfway") == "logFault"
    assert call(MACHINES, "the dishwasher keeps stopping halfway") is None  # no value, few words


SPORTS_CENTRE = [
    required(
        fn(
            "book_court",
            "Book a court at a sports centre",
            centre=CENTRE,
            day=DAY,
            start_time={"type": "string", "description": "Start time, HH:MM"},
            players={"type": "integer", "description": "How many people"},
        ),
        "centre",
        "day",
    ),
    required(fn("book_lane", "Book a lane at a sports centre", centre=CENTRE, day=DAY), "centre", "day"),
    required(
        fn(
            "cancel_lane",
            "Cancel a lane booking",
            booking={"type": "string", "description": "Booking, e.g. LN-2041", "pattern": "^LN-\\d{4}$"},
        ),
        "booking",
    ),
]


def test_a_value_only_one_neighbour_takes_settles_a_tie() -> None:
    message = "can we book something at Hilltop on saturday at 18:30 for the four of us?"
    assert call(SPORTS_CENTRE, message) == "book_court"
    # a day and a centre, which both take, settle nothing
    assert call(SPORTS_CENTRE, "can we book something at Hilltop on saturday?") is None
    # a message that cancels keeps to the cancelling tool, whatever else it gives
    assert call(SPORTS_CENTRE, "cancel LN-2041 at Hilltop on saturday at 18:30") == "cancel_lane"


CROSSINGS = [
    required(
        fn(
            "pay_crossing",
            "Use when the customer wants to pay for a bridge crossing they made.",
            plate={"type": "string", "description": "Registration of the car"},
            crossing_date={"type": "string", "format": "date", "description": "Day of the crossing"},
        ),
        "plate",
        "crossing_date",
    ),
    required(
        fn(
            "contest_notice",
            "Use when the customer disagrees with a penalty notice.",
            notice={
                "type": "string",
                "description": "Notice number, e.g. XR4410923",
                "pattern": "^XR\\d{7}$",
            },
            grounds={"type": "string", "description": "Why they disagree"},
        ),
        "notice",
    ),
]


def test_an_identifier_only_one_tool_takes_needs_fewer_of_its_words() -> None:
    # the paying tool scores about as well on "car" and "date"; only the notice number is decisive
    assert (
        call(CROSSINGS, "I want to challenge XR4410923, the car was sold before that date")
        == "contest_notice"
    )


SHARES = [
    required(fn("get_share_price", "Get the current price of a share", symbol=TEXT), "symbol"),
    required(
        fn(
            "get_price_history",
            "Get closing prices of a share between two dates",
            symbol=TEXT,
            start_date={"type": "string", "description": "Start date, YYYY-MM-DD"},
            end_date={"type": "string", "description": "End date, YYYY-MM-DD"},
        ),
        "symbol",
    ),
]


def test_the_present_is_no_date_only_a_tool_of_dates_takes() -> None:
    assert call(SHARES, "how much is one ACME share today?") == "get_share_price"
    assert call(SHARES, "how much is one ACME share on 3 February?") == "get_price_history"


BOOKSHOP = [
    fn(
        "searchBooks",
        "search the catalogue",
        genre={"type": "string"},
        maxPrice={"type": "number", "description": "max price"},
    ),
    required(fn("getAuthorBio", "author biography", author=TEXT), "author"),
]
REMINDERS = [
    required(
        fn("add_reminder", "Add a reminder", text=TEXT, when={"type": "string", "description": "date"}),
        "text",
    ),
    fn("list_reminders", "List reminders", scope={"type": "string", "enum": ["today", "week"]}),
    required(fn("delete_reminder", "Delete a reminder", reminder_id={"type": "integer"}), "reminder_id"),
]


def test_a_value_only_one_tool_takes_leads_a_message_of_few_words() -> None:
    assert call(BOOKSHOP, "thrillers under $15") == "searchBooks"
    assert call(REMINDERS, "water the plants on thursday") == "add_reminder"
    assert call(REMINDERS, "what have we got on this week") == "list_reminders"
    # a question that speaks of nobody, or one to know something, is answered in words
    assert call(BOOKSHOP, "is $15 a lot for a paperback?") is None
    assert call(REMINDERS, "what day of the week was 4 July 1776?") is None


SITES = [
    required(fn("domain_info", "Registration details of a domain", domain=TEXT), "domain"),
    required(fn("resolve_name", "Resolve DNS records", domain=TEXT), "domain"),
    required(fn("find_shops", "Find shops in a town", town=TEXT), "town"),
]


def test_a_host_name_is_a_value_not_its_words() -> None:
    assert "shop" not in words("who is behind shop.example.net?")
    assert call(SITES, "which IP does shop.example.net resolve to?") == "resolve_name"


GLOSSARY = [
    required(
        fn("lookup_term", "Definitions of finance words", term=TEXT, level={"enum": ["basic", "expert"]}),
        "term",
    ),
    required(
        fn("convert_money", "Convert an amount between currencies", amount={"type": "number"}), "amount"
    ),
]


def test_a_question_what_a_word_means_is_a_defining_tools_own() -> None:
    assert call(GLOSSARY, "define amortisation") == "lookup_term"
    assert call(GLOSSARY, "what does 'escrow' mean?") == "lookup_term"
    assert call(GLOSSARY, "meaning of 'yield' at expert level?") == "lookup_term"
    # without a tool that defines words, the same question is answered in words
    assert call(GLOSSARY[1:], "define amortisation") is None


CLUB = [
    required(
        fn(
            "record_absence",
            "Use when the parent says their child will miss football practice.",
            child={"type": "string", "description": "Child's first name"},
            practice_date=DAY,
        ),
        "child",
        "practice_date",
    ),
    required(
        fn(
            "book_extra_practice",
            "Use when the parent wants an extra football practice for their child.",
            child={"type": "string", "description": "Child's first name"},
            practice_date=DAY,
        ),
        "child",
        "practice_date",
    ),
]


def test_saying_someone_will_not_be_in_speaks_of_an_absence() -> None:
    assert call(CLUB, "Priya won't be in on thursday, she has a cold") == "record_absence"
    assert call(CLUB, "Priya can't come on thursday, she has a cold") == "record_absence"


TRACKING = {"type": "string", "description": "Tracking number, e.g. TRK12345678", "pattern": "^TRK\\d{8}$"}
PARCELS = [
    required(
        fn("track_parcel", "Use when the customer asks where their parcel is.", tracking=TRACKING), "tracking"
    ),
    required(
        fn(
            "change_delivery_address",
            "Use when the customer wants a parcel delivered to a different address.",
            tracking=TRACKING,
            address={"type": "string", "description": "New address"},
        ),
        "tracking",
        "address",
    ),
]


def test_moving_is_a_relocation_only_when_the_customer_moves() -> None:
    address = canonical("address")
    assert address in terms("we moved last month")
    assert address in terms("can I move my phone line to a new flat")
    assert address not in terms("can I move my appointment to friday")
    assert call(PARCELS, "my parcel TRK55501234 has not moved since friday, is it lost?") == "track_parcel"
    assert call(PARCELS, "nothing has moved on TRK55501234 for a week") == "track_parcel"
    assert (
        call(PARCELS, "we've just moved house, can TRK55501234 go to 3 Elm Row instead")
        == "change_delivery_address"
    )
