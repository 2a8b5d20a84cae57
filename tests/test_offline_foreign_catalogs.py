"""The offline model on catalogs written the function-calling way (their own names, descriptions
and parameters): words related to a tool's subject, initialisms of its words, shared verbs that
alone say nothing, parameters it cannot read from text."""

from __future__ import annotations

from typing import Any

from agent.catalog.lexical import RELATED_WEIGHT, canonical, related_terms, words
from agent.offline.extract import extract_args
from agent.offline.naming import name_phrases, tool_kind
from agent.offline.neighbours import says_name_phrase
from agent.offline.router import Router, names_in
from tests.support.function_catalogs import TEXT, TODAY, fn, offline_call

WEATHER = [
    fn("get_current_weather", "Get the current weather in a given location", location={"type": "string"}),
    fn("get_air_quality", "Returns the air quality index and pollution level for a city", city=TEXT),
    fn("find_news", "Find news articles about a topic", topic=TEXT),
]
SPEAKER = [
    fn("set_volume", "Set the speaker volume level.", level={"type": "integer", "description": "0 to 100"}),
    fn("play_song", "Play a song by name.", song_name={"type": "string", "description": "Name of the song"}),
]
DINING = [
    fn(
        "make_reservation",
        "Reserve a table at a restaurant.",
        restaurant_name={"type": "string", "description": "Name of the restaurant"},
        party_size={"type": "integer", "description": "Number of guests"},
    ),
    fn(
        "order_food_delivery",
        "Order food for delivery.",
        dish={"type": "string", "description": "What to order"},
    ),
]


call = offline_call


def test_a_word_related_to_the_subject_counts_for_it() -> None:
    assert call(WEATHER, "Is it raining in Seattle?")[0] == "get_current_weather"
    assert call(SPEAKER, "I want to listen to Hey Jude")[0] == "play_song"
    assert call(SPEAKER, "play some music")[0] == "play_song"


def test_an_initialism_of_a_tools_words_names_it() -> None:
    assert call(WEATHER, "AQI for Los Angeles")[0] == "get_air_quality"


def test_a_shared_verb_alone_with_an_unknown_subject_calls_nothing() -> None:
    assert call(SPEAKER, "Set an alarm for 7am") == (None, {})
    assert call(DINING, "Book a flight to Rome") == (None, {})
    # the same verbs with the tool's own subject, a name it takes, or words it may take as a value
    assert call(SPEAKER, "Set the volume to 40") == ("set_volume", {"level": 40})
    assert call(SPEAKER, "Play Bohemian Rhapsody")[0] == "play_song"
    assert call(DINING, "Order a pepperoni pizza")[0] == "order_food_delivery"
    assert call(DINING, "Book a table for 4 at Nopa")[0] == "make_reservation"


def test_a_typo_of_a_known_word_is_no_unknown_subject() -> None:
    router = Router([fn("get_order_status", "Use when the customer asks where their order is.")])
    assert router.unknown_words("were is my pakage") == []
    assert router.unknown_words("where is my kettle") == ["kettle"]


def test_a_message_about_the_tools_subject_that_gives_its_value_calls_it() -> None:
    tip = fn(
        "tip_calculator",
        "Work out a tip.",
        bill_amount={"type": "number", "description": "The bill"},
        tip_percent={"type": "number", "description": "Tip percentage"},
    )
    meter = fn(
        "submit_meter_reading",
        "Use when the customer gives a meter reading.",
        meter_type={"type": "string", "enum": ["gas", "electricity"]},
        reading={"type": "integer", "description": "The reading"},
    )
    assert call([tip], "How much should I tip on a $80 bill at 15%?")[0] == "tip_calculator"
    assert call([meter], "My gas meter reading is 04512")[0] == "submit_meter_reading"


def test_turning_something_up_is_no_arrival() -> None:
    assert "arrive" not in words("turn the heating up to 23")
    assert "arrive" in words("it never turned up")


def test_array_and_object_parameters_are_asked_for_not_guessed() -> None:
    props: dict[str, dict[str, Any]] = {
        "genres": {"type": "array", "items": {"type": "string"}, "description": "Genres"},
        "filters": {"type": "object", "description": "Filters"},
        "year": {"type": "integer", "description": "Release year"},
    }
    parameters = {"type": "object", "properties": props}
    assert extract_args(parameters, "Find comedy and drama films from 1999", today=TODAY) == {"year": 1999}
    tools = [fn("find_films", "Find films by genre.", **props)]
    assert call(tools, "Find comedy films") == ("find_films", {})


def test_a_related_word_counts_once_and_time_words_tell_now_from_later() -> None:
    tools = [
        fn("get_current_weather", "Get the current weather in a given location", location=TEXT),
        fn("get_weather_forecast", "Get the weather forecast for the next days", location=TEXT),
    ]
    # "rain" relates to both "weather" and "forecast": the forecast tool gets no double share
    router = Router(tools)
    ranking = dict(router.score("is it raining"))
    parts = [p for t in related_terms(["raining"]) for i, p in router.postings.get(t, ()) if i == 1]
    assert len(parts) == 2  # "weather" and "forecast"
    assert ranking["get_weather_forecast"] == round(RELATED_WEIGHT * max(parts), 4)
    assert call(tools, "Is it raining in Seattle right now?")[0] == "get_current_weather"
    assert call(tools, "Will it rain in Dublin at the weekend?")[0] == "get_weather_forecast"


def test_a_verb_related_to_cancelling_is_no_destructive_mismatch() -> None:
    tools = [
        fn(
            "book_class",
            "Book a place in a fitness class.",
            class_type={"type": "string", "enum": ["yoga", "spin"]},
        ),
        fn("cancel_class_booking", "Cancel a class booking.", booking_id=TEXT),
    ]
    assert call(tools, "Drop me from the yoga class I booked")[0] == "cancel_class_booking"


def test_a_tie_goes_to_the_tool_the_message_names_the_subject_of() -> None:
    home = [
        fn(
            "SmartHome_SetThermostat",
            "Set the thermostat to a target temperature.",
            temperature={"type": "number"},
        ),
        fn("SmartHome_ToggleLights", "Turn the lights on or off in a room.", room=TEXT),
    ]
    assert call(home, "Turn the heating up to 23") == ("SmartHome_SetThermostat", {"temperature": 23})
    gym = [
        fn("freeze_membership", "Use when the member wants to pause their membership.", member_id=TEXT),
        fn(
            "cancel_class_booking",
            "Use when the member wants to cancel a class they booked.",
            booking_id=TEXT,
        ),
    ]
    assert call(gym, "I want to cancel my membership completely")[0] is None


def test_opinion_and_general_questions_are_answered_in_words() -> None:
    crypto = [fn("get_crypto_price", "Get the current price of a cryptocurrency.", coin=TEXT)]
    scores = [fn("get_live_score", "Get the live score of a match.", team=TEXT)]
    assert call(crypto, "Is crypto a good investment?")[0] is None
    assert call(scores, "How long is a rugby match?")[0] is None
    assert call(scores, "What's the score of the Arsenal match?")[0] == "get_live_score"


def test_questions_to_know_something_about_a_tools_subject_call_nothing() -> None:
    flights = [fn("search_flights", "Search for available flights.", destination=TEXT)]
    loans = [fn("calculate_loan_payment", "Compute the monthly payment for a loan or mortgage.", amount=TEXT)]
    burn = [fn("getCaloriesBurned", "Estimate calories burned by an activity.", activity=TEXT)]
    home = [
        fn("SmartHome_SetThermostat", "Set the thermostat to a temperature.", temperature={"type": "number"})
    ]
    assert call(flights, "Which airline is the safest?")[0] is None
    assert call(loans, "Explain how a mortgage works")[0] is None
    assert call(burn, "Does running burn more calories than cycling?")[0] is None
    assert call(home, "How does a smart thermostat save energy?")[0] is None
    assert call(flights, "Search flights to Tokyo")[0] == "search_flights"


def test_a_look_up_tool_does_not_do_what_the_message_asks_to_do() -> None:
    bank = [
        fn(
            "check_account_balance",
            "Use when the customer asks how much money is in their account.",
            account_number={"type": "string", "pattern": r"^ACC-\d{6}$"},
        )
    ]
    assert call(bank, "Can I open an account online?")[0] is None
    assert call(bank, "What's the balance on my account?")[0] == "check_account_balance"
    status = [fn("get_installation_status", "Use when the customer asks how their installation is going.")]
    assert call(status, "any update on my installation please")[0] == "get_installation_status"


def test_a_question_about_the_business_with_words_no_tool_knows_calls_nothing() -> None:
    isp = [
        fn(
            "run_line_test",
            "Use when the customer's broadband or internet is slow or not working.",
            account_id={"type": "string", "pattern": r"^BB-\d{5}$"},
        )
    ]
    assert call(isp, "What broadband speeds do you offer?")[0] is None
    assert call(isp, "My broadband is not working, BB-12345")[0] == "run_line_test"


def test_an_everyday_word_is_no_typo_of_a_tool_word() -> None:
    shop = [fn("get_order_status", "Use when the customer asks where their order is.", order_id=TEXT)]
    assert Router(shop).message_terms("rude staff") == ["rude", "staff"]


ALARMS = [
    fn("alarm_set", "Set an alarm", time={"type": "string", "description": "Time of the alarm"}),
    fn("alarm_query", "List the alarms that are set"),
    fn("alarm_remove", "Delete an alarm", time={"type": "string", "description": "Time of the alarm"}),
]


def test_the_verb_of_a_name_is_read_wherever_it_stands() -> None:
    # verb last (intent corpora), after a domain (schema-guided catalogs), or first
    assert [tool_kind(t["function"]["name"]) for t in ALARMS] == ["change", "lookup", "cancel"]
    assert tool_kind("Music_1_FindSongs") == "lookup" and tool_kind("Services_1_BookAppointment") == "request"
    assert tool_kind("get_order_status") == "lookup" and tool_kind("order_status") == "lookup"
    assert call(ALARMS, "What alarms do I have?")[0] == "alarm_query"
    assert call(ALARMS, "Delete my 7 am alarm")[0] == "alarm_remove"
    # any verb that cancels says what a destructive tool does, and fits it only about its subject
    assert call(ALARMS, "cancel the alarm")[0] == "alarm_remove"
    # "find" in the middle of a name is as generic as at its start: the subject weighs more
    router = Router([fn("Music_1_FindSongs", "Find songs"), fn("Movies_3_FindMovies", "Find movies")])
    doc = router.doc("Music_1_FindSongs")
    assert doc is not None and doc.weights["find"] < doc.weights["song"]


def test_a_question_about_what_exists_is_no_request_to_change_it() -> None:
    shop = [
        fn(
            "get_order_status",
            "Use when the customer asks where their order is or when it will arrive.",
            order_id={"type": "string", "pattern": r"^SO-\d{6}$"},
        ),
        fn(
            "update_delivery_address",
            "Use when the customer wants the order delivered to another address.",
            order_id={"type": "string", "pattern": r"^SO-\d{6}$"},
            address={"type": "string", "description": "New delivery address"},
        ),
    ]
    assert call(shop, "when will SO-654321 be delivered")[0] == "get_order_status"
    assert call(shop, "Please update the delivery address of SO-654321")[0] == "update_delivery_address"
    assert call(ALARMS, "Is there an alarm set for tomorrow?")[0] == "alarm_query"
    assert call(ALARMS, "Set an alarm for 7 am")[0] == "alarm_set"


def test_a_word_counts_once_for_a_tool_that_uses_it_itself() -> None:
    calendar = [
        fn(
            "calendar_set",
            "Add an event or a reminder to the calendar",
            event_name={"type": "string", "description": "What the event is"},
        ),
        fn("calendar_query", "Check what is on the calendar", date={"type": "string", "format": "date"}),
    ]
    # "calendar" relates to "event", but `calendar_set` already has "calendar" itself
    router = Router(calendar)
    assert "event" not in router._matched("calendar_set", "what's on my calendar")
    assert call(calendar, "What's on my calendar today?") == ("calendar_query", {"date": "2027-03-01"})
    assert call(calendar, "Put Mum's birthday in my calendar for March 12")[0] == "calendar_set"


def test_a_tie_goes_to_the_tool_the_message_meets_in_words_of_its_own() -> None:
    cinema = [
        fn("find_movies", "Find movies showing in theaters.", location=TEXT),
        fn("book_tickets", "Book movie tickets for a showing.", movie_title=TEXT),
    ]
    # both meet "film" and "showing"; the question asks what there is
    assert call(cinema, "I'd like to see a film this weekend, what's showing?")[0] == "find_movies"
    gym = [
        fn("get_class_timetable", "Use when the member asks when classes are on.", day=TEXT),
        fn("book_class", "Use when the member wants a place in a class.", class_type=TEXT),
    ]
    router = Router(gym)
    close = ["get_class_timetable", "book_class"]
    matched = {name: router._matched(name, "class timetable for Friday") for name in close}
    assert router._distinctive(close, matched) == "get_class_timetable"
    matched = {name: router._matched(name, "class on Friday") for name in close}
    assert router._distinctive(close, matched) is None  # no word of its own: no tie-break


def test_plurals_and_derived_words_read_as_the_word_they_come_from() -> None:
    assert related_terms(["planes"]) == related_terms(["plane"]) != set()
    loans = [
        fn(
            "calculate_loan_payment",
            "Compute the monthly payment for a loan.",
            loan_amount={"type": "number", "description": "Amount borrowed"},
        )
    ]
    assert Router(loans).message_terms("pay") == ["payment"]
    assert call(loans, "How much will I pay each month for my car loan?")[0] == "calculate_loan_payment"


def test_a_who_question_gives_no_person_and_how_many_asks_to_know() -> None:
    songs = [
        fn(
            "find_songs",
            "Find songs of a given artist or genre",
            artist={"type": "string", "description": "Name of the artist"},
        ),
        fn(
            "play_media",
            "Play a track or an album",
            song={"type": "string", "description": "Name of the song"},
        ),
    ]
    # the artist is what "who" asks for; a message that names one still searches
    assert call(songs, "Who sang Thriller?") == (None, {})
    assert call(songs, "Find songs by Kesha") == ("find_songs", {"artist": "Kesha"})
    text = [fn("detect_language", "Detects the language of a piece of text.", text=TEXT)]
    assert call(text, "How many languages are spoken in India?") == (None, {})


def test_a_present_question_asks_about_now_and_put_on_plays() -> None:
    weather = [
        fn("get_current_weather", "Get the current weather in a given location", location=TEXT),
        fn("get_weather_forecast", "Get the weather forecast for the next days", location=TEXT),
    ]
    assert call(weather, "Is it raining in Seattle?")[0] == "get_current_weather"
    assert call(weather, "how hot is it in Madrid today")[0] == "get_current_weather"
    assert call(weather, "Is it going to rain in Seattle?")[0] == "get_weather_forecast"
    assert call(weather, "Will it be hot in Madrid tomorrow?")[0] == "get_weather_forecast"
    assert call(SPEAKER, "Put on Hey Jude")[0] == "play_song"
    assert "play" not in words("put it on my card")


def test_a_unit_of_measure_speaks_of_converting_it() -> None:
    kitchen = [
        fn(
            "get_nutrition_facts",
            "Get nutrition facts for a food item.",
            food=TEXT,
            grams={"type": "number", "description": "Serving size in grams"},
        ),
        fn("convert_units", "Convert a quantity between cooking units.", quantity={"type": "number"}),
    ]
    assert call(kitchen, "how many ounces is 200 grams")[0] == "convert_units"
    assert call(kitchen, "nutrition facts for 100 grams of rice")[0] == "get_nutrition_facts"


def test_a_word_related_only_to_a_shared_verb_is_no_known_subject() -> None:
    works = [
        fn(
            "SearchCreativeWork",
            "Search for a book, a TV show, a game or a painting",
            object_type={"type": "string", "enum": ["book", "tv show", "game"]},
        ),
        fn("PlayMusic", "Play music from a music service", artist=TEXT),
    ]
    # "table" relates to reservations, whose synonym "book" is a verb many tools share
    assert Router(works).unknown_words("Book me a table for two tonight") == ["table"]
    assert call(works, "Book me a table for two tonight") == (None, {})
    assert call(works, "search for the book The Hobbit")[0] == "SearchCreativeWork"


def test_a_message_that_names_only_the_catalogs_domain_calls_nothing() -> None:
    parcel_id = {"type": "string", "pattern": r"^PX-\d{6}$"}
    parcels = [
        fn("track_parcel", "Use when the customer asks where their parcel is.", tracking_id=parcel_id),
        fn(
            "reschedule_delivery",
            "Use when the customer wants the parcel on another day.",
            tracking_id=parcel_id,
        ),
        fn("request_collection", "Use when a courier should collect a parcel.", postcode=TEXT),
    ]
    # "parcel" is what every tool is about: it says which catalog, not which tool
    assert Router(parcels).domain >= {"order"}
    assert call(parcels, "What is the maximum parcel weight?") == (None, {})
    assert call(parcels, "Hello there, parcel people!") == (None, {})
    assert call(parcels, "where is my parcel?")[0] == "track_parcel"
    assert call(parcels, "parcel PX-123456")[0] == "track_parcel"


def test_what_a_message_says_without_the_tools_words() -> None:
    services = [
        fn("Services_1_BookAppointment", "Book an appointment with a hair stylist", stylist_name=TEXT),
        fn("Services_3_BookAppointment", "Book an appointment with a doctor", doctor_name=TEXT),
        fn(
            "Banks_1_TransferMoney",
            "Transfer money to another account",
            amount={"type": "number", "description": "Amount to transfer"},
            recipient_account_name=TEXT,
        ),
    ]
    # an abbreviation ("Dr"), a sum of money, "switch ... off", an imperative that says the name
    assert call(services, "Book an appointment with Dr. Smith")[0] == "Services_3_BookAppointment"
    assert call(services, "Send $50 to Alice")[0] == "Banks_1_TransferMoney"
    assert call(services, "pay Maria 30 pounds")[0] == "Banks_1_TransferMoney"
    lights = [
        fn("iot_hue_lightoff", "Turn off the lights", house_place={"type": "string", "description": "Room"}),
        fn("alarm_set", "Set an alarm", time=TEXT),
    ]
    assert call(lights, "switch off the bedroom light")[0] == "iot_hue_lightoff"
    # "switch off" turns off; "switch" alone keeps its synonym group (upgrading a plan)
    assert words("switch off the light") == ["turn", "the", "light"]
    assert canonical("switch") == canonical("upgrade")
    books = [
        fn(
            "RateBook",
            "Give a rating to a book",
            rating_value={"type": "integer", "description": "Rating"},
        ),
        fn("GetWeather", "Get the weather forecast for a place", city=TEXT),
    ]
    assert call(books, "Rate this novel 3 out of 5")[0] == "RateBook"


def test_a_question_about_a_booking_cancels_nothing() -> None:
    appointment = {"type": "string", "pattern": r"^AP-\d{5}$"}
    clinic = [
        fn("book_appointment", "Use when the patient wants to see a doctor.", date={"type": "string"}),
        fn(
            "cancel_appointment",
            "Use when the patient cannot come to a booked appointment and wants to cancel it.",
            appointment_id=appointment,
        ),
    ]
    # the identifier only the cancelling tool takes is no request to cancel
    assert call(clinic, "is my appointment AP-12345 still on?") == (None, {})
    assert call(clinic, "please cancel AP-54321")[0] == "cancel_appointment"
    assert call(clinic, "I can't make my appointment AP-12345")[0] == "cancel_appointment"


def test_two_words_side_by_side_in_a_name_name_the_tool() -> None:
    assert name_phrases("calculate_simple_interest") == ((canonical("simple"), canonical("interest")),)
    assert name_phrases("Music_1_LookupMusic") == ()  # "lookup" is a verb: no phrase
    interest = [
        fn("calculate_simple_interest", "Calculate simple interest.", principal={"type": "number"}),
        fn(
            "calculate_loan_payment",
            "Calculate the monthly payment of a loan.",
            loan_amount={"type": "number"},
        ),
    ]
    router = Router(interest)

    def said(text: str) -> list[str]:
        return router.message_terms(text)

    assert says_name_phrase("calculate_simple_interest", said("what simple interest does it earn"))
    assert not says_name_phrase("calculate_simple_interest", said("is interest simple to work out"))
    assert not says_name_phrase("calculate_loan_payment", said("what simple interest does a loan earn"))


def test_a_name_written_capitalised_inside_a_sentence_is_no_typo() -> None:
    assert names_in("Can you recommend a novel like Dune?") == {"dune"}
    assert names_in("Dune please. Where is it") == set()  # sentence starts say nothing
    router = Router(SPEAKER)
    assert "song" in router.message_terms("play a tune")  # "tune" is a song
    assert "song" not in router.message_terms("a novel like Dune")  # "Dune" is no typo of it
    assert "song" in router.message_terms("a novel like dune")  # written lower case, it may be


def test_a_word_that_reaches_every_close_tool_says_the_verb_it_relates_to() -> None:
    speaker = [
        fn(
            "Speaker_PlayMedia",
            "Plays the chosen track on a speaker",
            track={"type": "string", "description": "Title of the track"},
        ),
        fn(
            "Speaker_LookupMusic",
            "Search for songs an artist released",
            artist={"type": "string", "description": "Artist of the song"},
        ),
    ]
    # "hear" reaches one tool in "play" and the other in "song": no subject of either's own,
    # and it says the first one's verb
    assert call(speaker, "I'd love to hear Yellow Submarine") == (
        "Speaker_PlayMedia",
        {"track": "Yellow Submarine"},
    )
    assert call(speaker, "any songs by Adele?") == ("Speaker_LookupMusic", {"artist": "Adele"})


def test_everyday_words_of_a_domain_reach_its_tool() -> None:
    entertainment = [
        fn("find_songs", "Find songs by artist or genre.", artist=TEXT, genre=TEXT),
        fn("find_events", "Find live events such as comedy and theatre in a city.", city=TEXT),
        fn("find_movies", "Search movies by director.", director=TEXT),
    ]
    weather = [
        fn("get_current_weather", "Get the current weather in a location", location=TEXT),
        fn("get_weather_forecast", "Get a multi-day weather forecast", location=TEXT),
    ]
    sports = [
        fn("get_team_standings", "Get the league standing of a team.", team=TEXT),
        fn("get_player_stats", "Retrieve statistics for a player.", player_name=TEXT),
        fn("get_game_schedule", "Get upcoming games for a team.", team=TEXT),
    ]
    assert call(entertainment, "any gigs in Leeds on Friday?")[0] == "find_events"  # a gig is an event
    assert call(entertainment, "some blues from the sixties")[0] == "find_songs"  # a genre of music
    assert call(weather, "5-day outlook for Bergen")[0] == "get_weather_forecast"
    assert call(sports, "Celtic league position")[0] == "get_team_standings"
    assert call(sports, "when do Celtic play next?")[0] == "get_game_schedule"  # a team plays games


def test_a_word_counts_for_a_tool_as_the_better_of_itself_and_its_related_words() -> None:
    houses = [
        fn("Hotels_SearchHouse", "Find a house to stay at a destination", where_to=TEXT),
        fn("Hotels_BookHouse", "Book the selected house for given dates", where_to=TEXT),
    ]
    # "stay" is the first tool's own word and relates to the "hotel" both names say: the first
    # tool scores no less through it than the second, which meets "stay" only as "hotel"
    ranking = dict(Router(houses).score("somewhere to stay in Cork"))
    assert ranking["Hotels_SearchHouse"] > ranking["Hotels_BookHouse"] > 0


def test_a_calendar_question_looks_up_and_an_opening_request_verb_creates() -> None:
    calendar = [
        fn("calendar_set", "Add an event or a reminder to the calendar", event_name=TEXT),
        fn("calendar_query", "Check what is on the calendar", date={"type": "string", "format": "date"}),
    ]
    events = [
        fn("CreateEvent", "Create a new event in the user's calendar", title=TEXT, date=TEXT),
        fn("ListEvents", "List the events in the calendar on a date", date=TEXT),
    ]
    # something scheduled is on the calendar; a question about it sets nothing
    assert call(calendar, "Do I have anything scheduled on Friday?") == (
        "calendar_query",
        {"date": "2027-03-05"},
    )
    assert call(calendar, "schedule a haircut on Friday")[0] == "calendar_set"
    # a message that opens with "add" or "schedule" asks for the event, not for the list
    assert call(events, "Add a team dinner on 2027-03-12 to my calendar")[0] == "CreateEvent"
    assert call(events, "Schedule coffee with Ana on 2027-03-12")[0] == "CreateEvent"
    assert call(events, "what is on my calendar on 2027-03-12?")[0] == "ListEvents"


def test_an_operation_no_tool_offers_in_its_own_words_and_an_everyday_word_read_as_itself() -> None:
    dining = [
        fn("Restaurants_ReserveTable", "Make a table reservation at a restaurant", restaurant_name=TEXT),
        fn("Restaurants_FindRestaurants", "Find restaurants by cuisine and city", cuisine=TEXT, city=TEXT),
    ]
    # a curry relates to restaurants, but no tool orders anything: the reservation tool is no
    # tool of ordering food about what the message names
    assert Router(dining).asks_unoffered_operation("Order a curry to my flat")
    assert not Router(dining).asks_unoffered_operation("Reserve a table at Nopa")
    banking = [
        fn("listTransactions", "List the recent transactions of an account", account_id=TEXT),
        fn("getAccountBalance", "Get the balance of an account", account_id=TEXT),
    ]
    assert "list" not in Router(banking).message_terms("I lost it")  # "lost" is no typo of "list"
    assert call(banking, "Block my card, I lost it") == (None, {})


def test_a_look_up_whose_name_opens_with_a_noun_says_no_verb() -> None:
    """`order_status` opens with "order", a verb elsewhere; in "deliver order ORD-1002 to ..."
    it is the noun, and the change of address it asks for is no order look-up."""
    catalog = [
        fn(
            "order_status",
            "Use when the customer asks where their order is or when it will be delivered.",
            order_id={"type": "string", "pattern": r"^ORD-\d{4}$"},
        ),
        fn(
            "update_shipping_address",
            "Use when the customer wants an order delivered to a different address.",
            order_id={"type": "string", "pattern": r"^ORD-\d{4}$"},
            address=TEXT,
        ),
    ]
    name, _ = call(catalog, "Please deliver order ORD-1002 to 88 Birchwood Ct, Madison, WI 53711 instead")
    assert name == "update_shipping_address"
    assert call(catalog, "when will order ORD-1002 be delivered?")[0] == "order_status"
