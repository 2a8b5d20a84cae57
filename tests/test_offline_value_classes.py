"""Values the offline model fills, by the way a value goes wrong (`agent.offline.extract`,
`spans`, `numbers`): a value running past its end or stopping short, a number taken by its place
rather than its words, a date read the wrong way round, a time written in a form the parameter
did not ask for, a name that only describes a thing, a currency for a code. Each case is a
schema in the way public function-calling catalogs write theirs, in domains the development
sets do not use, and asserts the exact arguments: a value with weak evidence is left out (the
agent asks for it)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from agent.offline.extract import extract_args

TODAY = date(2027, 3, 1)  # a Monday


def text(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def integer(description: str) -> dict[str, Any]:
    return {"type": "integer", "description": description}


def number(description: str) -> dict[str, Any]:
    return {"type": "number", "description": description}


def args(props: dict[str, dict[str, Any]], message: str) -> dict[str, Any]:
    return extract_args({"type": "object", "properties": props}, message, today=TODAY)


LIBRARY = {"book_title": text("Title of the book"), "branch": text("Library branch")}
GALLERY = {"exhibition_name": text("Name of the exhibition"), "city": text("City of the gallery")}
VET = {"pet_name": text("Name of the pet"), "vet_name": text("Name of the vet")}
STORE = {"product_name": text("Name of the product"), "quantity": integer("How many")}
PLAYER = {"athlete_name": text("Full name of the athlete")}
CLUB = {"club_name": text("Name of the club")}
SHOW = {"show_title": text("Title of the show")}
EVENT = {"event_name": text("What the event is"), "date": {"type": "string", "format": "date"}}
COMPANY = {"company_name": text("Name of the company")}
VENUE = {"venue_name": text("Name of the venue"), "city": text("City")}
WEATHER = {"location": text("City and state, e.g. Austin, TX")}
LODGE = {"place_name": text("Name of the lodge"), "town": text("Town")}
TOUR = {"tour_type": text("Kind of tour, e.g. walking, cycling, boat")}
FERRY = {"departure_time": text("Departure time, HH:MM")}
REMINDER = {"time": text("Time of the reminder, e.g. 8 am")}
CLASS_TIME = {"start_time": text("Start time of the class")}
FORMAT_TIME = {"at": {"type": "string", "format": "time", "description": "When"}}
ON_DAY = {"day": {"type": "string", "format": "date", "description": "Day"}}
FX = {"source": text("ISO code of the source currency"), "target": text("ISO code of the target currency")}
FX_NAMES = {"source": text("Currency to pay with"), "target": text("Currency to receive")}
SAVINGS = {
    "deposit": number("The starting deposit."),
    "years": integer("Number of years saved."),
    "payouts_per_year": integer("How many times interest is paid out per year."),
}
SCALE = {"score": integer("Score given"), "max_score": integer("Highest score on the scale")}
COURIER = {"address": text("Delivery address"), "parcels": integer("Number of parcels")}
TICKET = {
    "summary": text("summary line"),
    "severity": {"type": "string", "enum": ["low", "medium", "critical"]},
}
CLINIC = {"doctor_name": text("Name of the doctor")}
POLICY = {"policy_no": text("the policy"), "reason": text("reason")}
INVOICE = {"invoiceId": text("Identifier of the invoice")}
LOAN = {"card_number": text("Library card number"), "days": integer("Loan length in days")}
BOOKING = {"booking_ref": text("Booking reference")}
CALLER = {"phone": text("phone")}
HEATING = {"room": text("Room name"), "target": integer("Temperature in degrees")}
BLINDS = {"window": text("Which window, e.g. left")}
FITNESS = {"activity": text("Type of exercise, e.g. running"), "minutes": integer("Minutes")}
CHARTS = {"year": text("Year of the chart"), "season": text("Season, e.g. 2019-20")}
SHUTTLE = {"destination": text("Where to go"), "origin": text("Start of the trip")}
ENTRY = {"destination_country": text("Country to visit")}
CHARTING = {"artist": text("Name of the artist"), "year": integer("Year")}
AIR = {"city": text("Name of the city")}
TENANT = {"tenantId": text("Unique identifier of the tenant")}
SHOWS = {"category": {"type": "string", "enum": ["Music", "Theater", "Sports"]}}
FERRY_OPTIONS = {"pet_friendly": {"type": "boolean", "description": "Whether pets may travel"}}
AREA = {"side": number("Side length"), "units": text("Units of the side")}
DIARY = {"event_title": text("Title of the event"), "day": {"type": "string", "format": "date"}}
COURIER_PICK = {"courier": text("Delivery company, e.g. DHL, Royal Mail"), "box_id": text("Box number")}
FILMS = {"genre": text("Film genre, e.g. comedy, documentary")}
PICKUP = {"pickup_point": text("Where to be picked up")}
PARKING = {"plate": text("Number plate, e.g. AB12 CDE")}
OUTAGE = {"postcode": text("Postcode of the property")}
RETURNS = {"parcel_ref": text("Parcel reference"), "why": text("reason")}
MAIL = {"recipient": text("Recipient"), "body": text("What to write")}
SHOP = {"query": text("Search keywords"), "max_price": number("Highest price")}
MOVE_MONEY = {
    "amount": number("Amount"),
    "from_account": text("Source account"),
    "to_account": text("Destination account"),
}
CONTACT = {"name": text("full name"), "phone": text("phone")}
CALL_LOG = {"mins": integer("call length")}
WAKE = {"time": text("Time of the alarm to delete")}
COACH_PAIR = {"origin_city": text("City of origin"), "destination_city": text("City of destination")}
DINING = {"cuisine": text("Type of food"), "city": text("City")}
CABIN = {"nights_booked": integer("Number of nights"), "arrival": text("Check-in date")}
SPIN = {"duration_minutes": integer("Duration in minutes."), "level": integer("Resistance level")}
LAMP = {"brightness": integer("brightness 0-100")}
RAIL = {"adult_passengers": integer("Number of adult passengers")}
FX_RATE = {"base": text("Base currency code"), "quote": text("Quote currency code")}
COACH = {"from_city": text("Departure city"), "to_city": text("Arrival city")}
PODCAST = {
    "type": "object",
    "properties": {"episode_title": text("Title of the episode"), "host": text("Name of the host")},
    "required": ["episode_title"],
}
SHELF = {
    "type": "object",
    "properties": {"book_title": text("Title of the book"), "shelf_name": text("Name of the shelf")},
    "required": ["shelf_name"],
}
BRAND = {"type": "object", "properties": {"brand": text("Brand name")}}


CASES: list[tuple[str, dict[str, dict[str, Any]], str, dict[str, Any]]] = [
    # a name runs through its links, a subtitle, a day word that opens it
    (
        "links",
        LIBRARY,
        "Renew The Lord of the Rings at the Elm branch",
        {"book_title": "The Lord of the Rings"},
    ),
    ("versus", SHOW, "Two seats for Kramer vs Kramer tonight", {"show_title": "Kramer vs Kramer"}),
    ("subtitle", SHOW, "Is Frozen: The Musical on this week?", {"show_title": "Frozen: The Musical"}),
    ("day opens a name", SHOW, "book me into Saturday Night Fever", {"show_title": "Saturday Night Fever"}),
    # a name stops before a year or a quantity after it
    ("year after a name", PLAYER, "Serena Williams 2015 results", {"athlete_name": "Serena Williams"}),
    ("quantity after a place", VENUE, "meet me at Union Hall 10 mins from now", {"venue_name": "Union Hall"}),
    ("number in a name", SHOW, "tickets for Apollo 13 please", {"show_title": "Apollo 13"}),
    # a sentence's first words are a name only when several and no request word
    ("opening name", PLAYER, "Usain Bolt best times", {"athlete_name": "Usain Bolt"}),
    ("opening club", CLUB, "Boca Juniors fixtures", {"club_name": "Boca Juniors"}),
    ("opening request word", PLAYER, "Show Roger Federer titles", {"athlete_name": "Roger Federer"}),
    ("one opening word", PLAYER, "Bolt results please", {}),
    # a name that describes a thing after it is not that thing's name
    ("describes a show", SHOW, "any tickets left for the new Batman movie?", {}),
    ("describes a product", STORE, "add two HDMI cables", {"quantity": 2}),
    ("describes a place", VENUE, "somewhere at a Greek place in Leeds", {"city": "Leeds"}),
    ("names the club", CLUB, "when is the next Celtic match", {"club_name": "Celtic"}),
    # possessives and companions
    ("possessive owner", COMPANY, "How is Boeing's share price?", {"company_name": "Boeing"}),
    ("possessive of an event", EVENT, "Add Dad's retirement party on March 20", {"date": "2027-03-20"}),
    ("companion", EVENT, "coffee with Priya on Friday", {"date": "2027-03-05"}),
    (
        "possessive label",
        CLINIC,
        "a dentist's appointment please, my doctor's Dr Okafor",
        {"doctor_name": "Dr Okafor"},
    ),
    ("lower word after a label", VET, "book the vet checkup", {}),
    # places: a city is not a venue, a state stays with its city
    ("city not after at", VENUE, "a show at Brixton Academy", {"venue_name": "Brixton Academy"}),
    (
        "city after in",
        VENUE,
        "a gig at Brixton Academy in London",
        {"venue_name": "Brixton Academy", "city": "London"},
    ),
    ("no article city", GALLERY, "tickets for The Night Watch", {"exhibition_name": "The Night Watch"}),
    ("city and state", WEATHER, "is it windy in Boulder, Colorado today", {"location": "Boulder, Colorado"}),
    ("state code", WEATHER, "rain in Tulsa, OK tomorrow?", {"location": "Tulsa, OK"}),
    ("a venue's name", LODGE, "book the Fairmont in Banff", {"place_name": "Fairmont", "town": "Banff"}),
    # a kind the description lists
    ("listed kind", TOUR, "Is there a Rick Steves walking tour?", {"tour_type": "walking"}),
    ("unlisted kind", TOUR, "any Rick Steves tours?", {}),
    # times in the form the parameter asks for
    ("24-hour asked", FERRY, "the 6:15 pm ferry", {"departure_time": "18:15"}),
    ("as written by example", REMINDER, "remind me at 7 pm", {"time": "7 pm"}),
    ("as written noon", CLASS_TIME, "a class at noon", {"start_time": "noon"}),
    ("format time", FORMAT_TIME, "at 9 am", {"at": "09:00"}),
    # dates
    ("last weekday", ON_DAY, "the bill I paid last Thursday", {"day": "2027-02-25"}),
    ("next weekday", ON_DAY, "on Thursday", {"day": "2027-03-04"}),
    ("yesterday", ON_DAY, "the parcel that came yesterday", {"day": "2027-02-28"}),
    ("a day described", {"when": text("Day of the delivery")}, "deliver it tomorrow", {"when": "2027-03-02"}),
    # currencies: codes when a code is asked, nothing for a name several share
    ("code from names", FX, "swap 300 Swiss francs into Japanese yen", {"source": "CHF", "target": "JPY"}),
    ("shared name", FX, "change 40 pesos to euros", {"target": "EUR"}),
    ("codes as written", FX, "SEK into NOK: 900 SEK", {"source": "SEK", "target": "NOK"}),
    (
        "names kept when no code asked",
        FX_NAMES,
        "pay 20 pounds in euros",
        {"source": "pounds", "target": "euros"},
    ),
    # numbers by their words: a rate's period, function words, units
    (
        "period of a rate",
        SAVINGS,
        "a deposit of 500 for ten years at 2%, paid out quarterly, a yearly bonus aside",
        {"deposit": 500, "years": 10, "payouts_per_year": 4},
    ),
    ("function word no label", SCALE, "Give the pancakes 4 stars", {"score": 4}),
    ("out of", SCALE, "I score it 7 out of 10", {"score": 7, "max_score": 10}),
    # an identifier: after its own word, else the one code in the message
    ("after its word", INVOICE, "why is invoice INV-20931 so high?", {"invoiceId": "INV-20931"}),
    ("hash", POLICY, "claim on policy #88214 please", {"policy_no": "88214"}),
    (
        "its word and number",
        LOAN,
        "renew on card number 2200114 for 14 days",
        {"card_number": "2200114", "days": 14},
    ),
    ("lone code", BOOKING, "can I move 7QX4KD to a later flight?", {"booking_ref": "7QX4KD"}),
    ("two codes", BOOKING, "is it 7QX4KD or 7QX4KE?", {}),
    ("a quantity is no code", BOOKING, "I paid 1200 dollars", {}),
    ("a year is no code", BOOKING, "trips in 2026", {}),
    ("a phone is no identifier but a phone", CALLER, "call 555 0142 about it", {"phone": "555 0142"}),
    # plain words of a kind: a room, which one of a thing, an activity, a year, a shaped code
    ("a room", HEATING, "warm the conservatory to 21 degrees", {"room": "conservatory", "target": 21}),
    ("a room of two words", HEATING, "games room to 18 degrees please", {"room": "games room", "target": 18}),
    ("two rooms", HEATING, "the den and the study to 20 degrees", {"target": 20}),
    ("which one", BLINDS, "close the rear window blind", {"window": "rear"}),
    ("an activity", FITNESS, "log 40 minutes of hiking", {"activity": "hiking", "minutes": 40}),
    ("no activity", FITNESS, "log this morning's session", {}),
    ("two activities", FITNESS, "log rowing then skipping", {}),
    ("a year as text", CHARTS, "top albums of 1987", {"year": "1987"}),
    ("a shaped code", CHARTS, "the 2003-04 season", {"season": "2003-04"}),
    # places a trip goes to and from: lower-case public places, a street by its number
    (
        "public place",
        SHUTTLE,
        "a shuttle from the station to the stadium",
        {"origin": "station", "destination": "stadium"},
    ),
    (
        "numbered street",
        SHUTTLE,
        "drop me at 9th Street please, going to 5th Avenue",
        {"destination": "5th Avenue"},
    ),
    ("a country to visit", ENTRY, "what do I need to visit Peru?", {"destination_country": "Peru"}),
    ("a country for", ENTRY, "entry rules for Japan", {"destination_country": "Japan"}),
    # one word opening a sentence names an artist or a team before a noun, not before a cue
    ("opening artist", CHARTING, "Shakira albums from 2005", {"artist": "Shakira", "year": 2005}),
    ("opening word before a cue", CHARTING, "Charts for Prince in 1984", {"artist": "Prince", "year": 1984}),
    ("code before a name", AIR, "PM2.5 Lima", {"city": "Lima"}),
    ("acronym opening", AIR, "AQI Santiago", {"city": "Santiago"}),
    ("identifier with underscore", TENANT, "suspend tenant ten_88xz now", {"tenantId": "ten_88xz"}),
    # a list's value by its usual words; a yes/no option by its own word
    ("a kind of show", SHOWS, "any musicals on in Bath?", {"category": "Theater"}),
    ("gigs are music", SHOWS, "gigs near Cork this weekend", {"category": "Music"}),
    ("option asked", FERRY_OPTIONS, "a pet friendly crossing to Calais", {"pet_friendly": True}),
    ("option refused", FERRY_OPTIONS, "a crossing that is not pet friendly", {"pet_friendly": False}),
    ("option unsaid", FERRY_OPTIONS, "a crossing to Calais", {}),
    # the one unit of measure; what an event is
    ("a unit", AREA, "a square with a side of 12 inches", {"side": 12, "units": "inches"}),
    ("two units", AREA, "side 3 feet or 90 cm", {"side": 3}),
    (
        "an event's words",
        DIARY,
        "add parents evening to my diary on March 18",
        {"event_title": "parents evening", "day": "2027-03-18"},
    ),
    (
        "with someone",
        DIARY,
        "schedule coffee with Ana Diaz on Friday",
        {"event_title": "coffee with Ana Diaz", "day": "2027-03-05"},
    ),
    ("an event called", DIARY, "create an event called Budget Review", {"event_title": "Budget Review"}),
    ("a name is no event", DIARY, "put Grandad's visit in for Sunday", {"day": "2027-03-07"}),
    # a name the description lists, as listed; a listed kind in the plural; a place and its kind
    (
        "listed name",
        COURIER_PICK,
        "did Royal Mail collect box 4410?",
        {"courier": "Royal Mail", "box_id": "4410"},
    ),
    ("listed kind plural", FILMS, "any documentaries tonight?", {"genre": "documentary"}),
    ("a place with its kind", PICKUP, "pick me up at Gatwick airport", {"pickup_point": "Gatwick airport"}),
    # a code in groups, shaped like its example; a postcode without one
    ("plate by its example", PARKING, "is GF70 MNB allowed in bay 4?", {"plate": "GF70 MNB"}),
    ("postcode", OUTAGE, "gas smell near G12 8QQ right now", {"postcode": "G12 8QQ"}),
    ("no postcode", OUTAGE, "gas smell near the school", {}),
    # a note added after the facts: after a dash, or after a value and its full stop
    (
        "after a dash",
        RETURNS,
        "return parcel PX7781 - lid was cracked",
        {"parcel_ref": "PX7781", "why": "lid was cracked"},
    ),
    (
        "after a full stop",
        RETURNS,
        "return pls. parcel PX7781. wrong colour",
        {"parcel_ref": "PX7781", "why": "wrong colour"},
    ),
    ("a comma goes on", RETURNS, "return parcel PX7781, it is fine really", {"parcel_ref": "PX7781"}),
    # who a message goes to
    ("a recipient", MAIL, "drop a line to Marta about Friday", {"recipient": "Marta"}),
    ("no recipient", MAIL, "drop a line about Friday", {}),
    # what a search is for: plain words after the search verb, up to a price or a condition
    (
        "searched words",
        SHOP,
        "search for ceramic planters under $40",
        {"query": "ceramic planters", "max_price": 40},
    ),
    ("search for nothing named", SHOP, "find me something nice", {}),
    (
        "ends of a transfer",
        MOVE_MONEY,
        "move 75 from savings to current",
        {"amount": 75, "from_account": "savings", "to_account": "current"},
    ),
    # a phone by its shape; minutes by a short name; a time described loosely; "X to Y"
    (
        "a phone",
        CONTACT,
        "new contact: Ola Berg, 020 7946 0958",
        {"name": "Ola Berg", "phone": "020 7946 0958"},
    ),
    ("two phones", CONTACT, "call 555-0142 or 555-0199", {}),
    ("minutes by a short name", CALL_LOG, "log a 25 min call", {"mins": 25}),
    ("a time described loosely", WAKE, "delete my 5:45 am alarm", {"time": "5:45 am"}),
    (
        "one place to another",
        COACH_PAIR,
        "coaches Leeds to York",
        {"origin_city": "Leeds", "destination_city": "York"},
    ),
    ("an arrow", COACH_PAIR, "LHR -> Madrid on Friday", {"origin_city": "LHR", "destination_city": "Madrid"}),
    (
        "a cuisine by its adjective",
        DINING,
        "Ethiopian in Leeds tonight?",
        {"cuisine": "Ethiopian", "city": "Leeds"},
    ),
    ("two cuisines", DINING, "Thai or Vietnamese in Leeds", {"city": "Leeds"}),
    # a unit the description names; a unit written short; a ticket per person
    (
        "unit in the description",
        CABIN,
        "a cabin for 3 nights from 2027-07-04",
        {"nights_booked": 3, "arrival": "2027-07-04"},
    ),
    ("short unit", SPIN, "a 45 min ride at level 8", {"duration_minutes": 45, "level": 8}),
    ("percent for a brightness", LAMP, "porch light to 60 percent", {"brightness": 60}),
    ("a ticket per person", RAIL, "2 tickets to York", {"adult_passengers": 2}),
    # the first of "EUR to USD" is the base; "to" and "from" cities
    ("first of a pair", FX_RATE, "NZD to CHF today?", {"base": "NZD", "quote": "CHF"}),
    ("to city", COACH, "a coach Bristol to Exeter", {"from_city": "Bristol", "to_city": "Exeter"}),
    (
        "leaving a city",
        COACH,
        "anything leaving Glasgow for Inverness",
        {"from_city": "Glasgow", "to_city": "Inverness"},
    ),
    # a value runs no further than its end
    (
        "address before for",
        COURIER,
        "deliver to 40 Quay Road for 3 parcels",
        {"parcels": 3, "address": "40 Quay Road"},
    ),
    (
        "text before a listed value",
        TICKET,
        "new ticket: badge reader at the side gate is dead, critical",
        {"summary": "badge reader at the side gate is dead", "severity": "critical"},
    ),
]


LONE_NAMES: list[tuple[str, dict[str, Any], str, dict[str, Any]]] = [
    # one capitalised name and several name parameters: the required one takes it
    (
        "required takes it",
        PODCAST,
        "queue up Serial Killers Explained",
        {"episode_title": "Serial Killers Explained"},
    ),
    ("cue first", PODCAST, "the episode hosted by Ira Glass", {"host": "Ira Glass"}),
    # unless the message speaks of the required one by its own word
    ("the other's", SHELF, "put Dune on my bedroom shelf", {"book_title": "Dune"}),
    # two names for two parameters: which is which is asked
    ("two names", SHELF, "move Dune to Classics", {}),
    # a name by its description
    ("described name", BRAND, "any deals on Patagonia jackets?", {"brand": "Patagonia"}),
]


@pytest.mark.parametrize(
    ("parameters", "message", "expected"), [c[1:] for c in LONE_NAMES], ids=[c[0] for c in LONE_NAMES]
)
def test_a_lone_name_goes_to_one_parameter(
    parameters: dict[str, Any], message: str, expected: dict[str, Any]
) -> None:
    assert extract_args(parameters, message, today=TODAY) == expected


@pytest.mark.parametrize(("props", "message", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_values_are_read_by_their_class(
    props: dict[str, dict[str, Any]], message: str, expected: dict[str, Any]
) -> None:
    assert args(props, message) == expected


def test_there_are_forty_cases_or_more() -> None:
    assert len(CASES) >= 40
