"""The offline model answers in words when no bound tool serves the request: a cancel or another
operation the catalog does not offer beside tools that only look things up or create, opinion and
advice questions, comparisons, "what does X stand for", asks to be told or taught something, and
questions about which service a tool uses, a message met only through words related to a tool's
subject beside several words no tool knows - while the tools' own requests still call them."""

from __future__ import annotations

from typing import Any

import pytest

from agent.offline.router import Router
from tests.support.function_catalogs import TEXT, fn, offline_call

PARKING = [
    fn("findParkingSpots", "Finds free parking spots near an address", address=TEXT),
    fn(
        "Parking_1_PayForSpot",
        "Pay for a parking spot for a number of hours",
        spot_id=TEXT,
        hours={"type": "integer"},
    ),
]
GARDEN = [
    fn("plant_lookup", "Look up care instructions for a plant species", species=TEXT),
    fn("get_watering_schedule", "Get the watering schedule of a plant in the garden", plant_name=TEXT),
]
GYM = [
    fn("Fitness_2_FindClasses", "Find fitness classes at a gym by type", class_type=TEXT, city=TEXT),
    fn("Fitness_2_GetClassTimes", "Get the times of a fitness class on a date", class_name=TEXT, date=TEXT),
]


def call(tools: list[dict[str, Any]], message: str) -> str | None:
    return offline_call(tools, message)[0]


CLASSES = [
    fn("Fitness_2_BookClass", "Book a place in a fitness class", class_name=TEXT, date=TEXT),
    fn("Fitness_2_FindClasses", "Find fitness classes at a gym by type", class_type=TEXT, city=TEXT),
]
NEWS = [
    fn(
        "news_get_top_stories",
        "Get the top stories for a topic",
        topic={"type": "string", "enum": ["sport", "science"]},
    ),
    fn("news_search", "Search news stories by keyword", keyword=TEXT),
]


@pytest.mark.parametrize(
    ("tools", "served", "tool", "unserved"),
    [
        (
            PARKING,
            "pay for parking spot P-12 for 2 hours",
            "Parking_1_PayForSpot",
            "Cancel my parking payment",
        ),
        (CLASSES, "book a spin class for friday", "Fitness_2_BookClass", "Cancel my spin class booking"),
        (NEWS, "top science stories", "news_get_top_stories", "Subscribe me to the science stories"),
    ],
)
def test_an_operation_no_tool_performs_is_answered_in_words(
    tools: list[dict[str, Any]], served: str, tool: str, unserved: str
) -> None:
    assert call(tools, served) == tool
    assert call(tools, unserved) is None


def test_an_operation_a_tool_of_its_kind_performs_still_calls_it() -> None:
    """An operation verb the name does not say still reaches a tool named with a verb of the same
    kind, or with a verb the model does not know (it may do anything)."""
    cheques = [fn("order_cheque_book", "Order a new cheque book for an account", account=TEXT)]
    assert call(cheques, "Please send me a new cheque book") == "order_cheque_book"
    money = [fn("TransferMoney", "Moves money to a payee", payee=TEXT, amount={"type": "number"})]
    assert call(money, "Send $50 to Alice") == "TransferMoney"
    router = Router([t["function"] for t in GYM])
    assert router.asks_unoffered_operation("book me into the yoga class")
    assert not router.asks_unoffered_operation("find a booking for the yoga class")
    assert not router.asks_unoffered_operation("return policy for classes?")  # a noun, not a verb


@pytest.mark.parametrize(
    ("tools", "served", "tool", "unserved"),
    [
        (
            GARDEN,
            "what is the watering schedule of my tomato plant?",
            "get_watering_schedule",
            "Should I water plants in the evening?",
        ),
        (
            GARDEN,
            "look up care instructions for basil",
            "plant_lookup",
            "Is it bad to water plants at night?",
        ),
        (GARDEN, "look up care instructions for roses", "plant_lookup", "Tell me a fun fact about plants"),
        (GYM, "find pilates classes in Bath", "Fitness_2_FindClasses", "Teach me how to do a push-up"),
        (GYM, "find boxing classes in Hull", "Fitness_2_FindClasses", "Is swimming healthier than running?"),
        (GYM, "find dance classes in Derby", "Fitness_2_FindClasses", "What does HIIT stand for?"),
        (
            GYM,
            "find cycling classes in Ely",
            "Fitness_2_FindClasses",
            "How do athletes build muscles so fast?",
        ),
        (
            PARKING,
            "find parking spots near the station",
            "findParkingSpots",
            "Which parking provider do you use?",
        ),
    ],
)
def test_questions_to_know_or_for_advice_are_answered_in_words(
    tools: list[dict[str, Any]], served: str, tool: str, unserved: str
) -> None:
    assert call(tools, served) == tool
    assert call(tools, unserved) is None


def test_advice_and_telling_questions_that_give_a_value_still_call() -> None:
    """The question forms only silence a message that gives none of the tool's values."""
    weather = [fn("get_forecast", "Get the weather forecast for a city", city=TEXT)]
    assert call(weather, "Tell me how the forecast looks in Paris") == "get_forecast"
    assert call(weather, "Tell me a joke about the forecast") is None
    router = Router([t["function"] for t in GARDEN])
    assert router.is_knowledge_question("should I prune roses in winter?")
    assert router.is_knowledge_question("define photosynthesis")
    assert router.is_knowledge_question("tell me why leaves turn yellow")
    assert not router.is_knowledge_question("should I water my roses today?")  # the customer's own
    assert not router.is_knowledge_question("how do I water the plant?")


def test_a_message_met_only_through_related_words_beside_unknown_ones_is_answered_in_words() -> None:
    """A message that meets the tool only through a word related to its subject ("burger" to
    restaurants) and says several things no tool knows speaks of something else; with no unknown
    word ("play some music") the related word still reaches the tool."""
    eat = [
        fn("find_restaurants", "Find restaurants by cuisine and location", cuisine=TEXT, location=TEXT),
        fn("get_opening_hours", "Get the opening hours of a restaurant", restaurant_name=TEXT),
    ]
    assert call(eat, "find burger restaurants in Leeds") == "find_restaurants"
    assert call(eat, "Post a blurry photo of my burger dinner online") is None
    assert call([fn("play_song", "Play a song by name", song_name=TEXT)], "play some music") == "play_song"
