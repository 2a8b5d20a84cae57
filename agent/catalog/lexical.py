"""Lexical matching shared by the action retriever and the offline model: how a message or a
tool description becomes terms, how typos are read, and the BM25 weights that rank tools.

Kept hand-written on purpose: the ranking needs per-field weights (name, trigger, parameters),
an identifier bonus and an index updated one action at a time, which no ranking library offers
together. Messages and tool documents go through one pipeline, so a rule helps both sides:

1. `normalise`: lower case, contractions expanded (with or without the apostrophe: "wheres",
   "dont"), then three rewrites of the token stream that a bag of words cannot see:
   - phrasal verbs, by lemma and with up to two words between verb and particle, become the
     word they mean ("send the jacket back" -> return, "push it back" -> postpone,
     "logged in" -> login, "take me off" -> optout, "put it in my basket" -> add, "switch the
   light off" -> turn, which the switching of plans is not), in every form of the verb
     ("turns up", "pushes back"); not a verb after a determiner ("my pass on my phone"), and
     a pair with no object after it may mean something else ("has BA123 taken off" departs);
   - a negated arrival becomes "missing" ("nothing arrived", "never got it", "it's not
     here"), unless the customer is still waiting ("hasn't arrived yet" asks for a status);
     a negated hearing becomes "status" ("haven't heard back", "heard nothing");
   - "where is/are ..." about the customer's things becomes "track" (not "where are you").
   Before these, a path or a file name becomes its kind ("work/report.ipynb" -> path ipynb),
   and a command printing one becomes "read" ("cat" is no pet there, nor opening a command:
   "cat the logs"); "the end of the month" is a time, no "end" (cancel).
2. `terms`: stop words dropped, words stemmed with the Snowball English stemmer and mapped
   onto a shared synonym table (`SYNONYMS`), whose groups are ordinary thesaurus entries for
   the concepts support actions are about.
3. `correct_typo` (used by the router and the retriever): an unknown word one or two edits
   from exactly one known word is read as that word ("oder" -> order), but an everyday English
   word is never corrected ("cats" is not a typo of "case"). The edit distance is rapidfuzz's
   optimal string alignment (a swap of two adjacent letters is one edit), the same measure the
   hand-written loop it replaced computed, so the offline model's accuracy is unchanged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from tools.patterns import BoundedPattern, PatternError, bounded

STOPWORDS = frozenset(
    """a about above after again all am an and any anyone are as at be been being below both but by
    can could customer customers did do does doing done e eg for from further get gets getting got
    had has have having he her here hers him his how i if in into is it its itself just know let
    like me mine more most my myself need needs of off on once only or other our ours out over own
    please pls plz same she should so some such than that the their theirs them then there these
    they this those through to too u under until up us user users very want wanted wants
    was we were what when where which while who whom why will with would you your yours yourself
    hi hello hey thanks thank ok okay also still yet any anything something someone one im ive
    id ill youre dont cant wont isnt doesnt didnt hasnt havent ask asks asked tell agent action
    run runs call not no nor whats wheres hows thats theres say says said go going goes many""".split()
)
"""Words that carry no topic. Negations are kept out of the routing vocabulary on purpose."""

COMMON_WORDS = frozenset(
    """able above across act add age ago air all almost alone along already always amount animal
    another answer anymore anywhere area arm art away baby back bad bag ball bank bar base bath
    bed beer before began begin behind believe best better big bird birthday black blue board
    boat body book books bought box boy brand bread break bring brother brown build built bus
    business busy buy cake came car card care carry case cat cats cause chair change cheap check
    child children choose city class clean clear close clothes cold colour color come comes
    coming company cook cool corner cost could country couple course cover cup cut dad dark
    daughter day days dead dear deep didn dinner doctor dog dogs door down draw dream dress
    drink drive drop dry early earth east easy eat egg end enough even evening ever every
    everyone exam example eye eyes face fact fall family far farm fast father feel feet few
    field fight film find fine fire first fish five floor fly food foot football form four free
    french friend friends front fruit full fun funny game garden gave girl give given glass gone
    good great green ground group grow guess hair half hand hands happy hard hat head hear heard
    heart heat help high hill history hold hole holiday home hope horse hot hour house huge idea
    ill inside job jobs joke juice jump keep kept key kid kids kind king kitchen knew lady land
    language large last late laugh lay learn least leave left leg less letter life light line
    list listen little live long look lose lost lot lots loud love low lunch made main make man many
    map mark market mean meaning meat meet men middle might mile milk mind minute miss moment
    money month months moon morning mother mountain move movie much mum music must name near
    neck never new news next nice night noise none north nose note nothing now number often oil
    old open order page pain paint paper park part party pass past pay paying people perfect
    person phone pick picture piece place plan plant play point poem poor post power present
    pretty price problem put question quick quiet quite rain read ready real reason red rest rich
    ride right river road rock room round rule run safe said sale salt same save school sea seat
    second see seem seen sell send sent set shall shape sheep ship shirt shoe shoes shop short
    show side sign silly simple since sing sister sit size skin sky sleep slow small smell smile
    snow soft song soon sorry sound south speak special spell spend sport spring stand star
    start stay step stick stone stop store story street strong student study sugar summer sun
    supper sure swim table tail take talk tall taste tea teach team teeth test than thing things
    think third those though thought three through throw tidy time tiny tired today together
    told tomorrow tonight took top touch town toy train tree trip true try turn two under until
    upon use used useful usual very visit voice wait walk wall warm wash watch water way ways
    wear weather week weeks weekend well went west wet wheel white whole wide wife wild win
    wind window winter wish woman women wonder wood word words work works world worry worse
    worst write wrong yard year years yellow yes yesterday young afternoon again because
    besides between beyond found going looked looking may missed rather really say says sort
    taken times were office service discount sells sold paid bike bikes capital computer
    laptop robot staff rude speed speeds offer offers""".split()
)
"""Everyday English words: never "corrected" into a tool word ("last" is not a typo of "lost",
"cats" not of "case"). A general list, not the words of any one message."""

CONTRACTIONS = {
    "where's": "where is",
    "what's": "what is",
    "can't": "can not",
    "cannot": "can not",
    "won't": "will not",
    "n't": " not",
    "'m": " am",
    "'re": " are",
    "'ve": " have",
    "'ll": " will",
    "'d": " would",
    "'s": "",
}
BARE_CONTRACTIONS = {
    "wheres": "where is",
    "whats": "what is",
    "whys": "why is",
    "whos": "who is",
    "heres": "here is",
    "theyre": "they are",
    "hows": "how is",
    "whens": "when is",
    "thats": "that is",
    "theres": "there is",
    "cant": "can not",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "wont": "will not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "werent": "were not",
    "hasnt": "has not",
    "havent": "have not",
    "hadnt": "had not",
    "couldnt": "could not",
    "wouldnt": "would not",
    "shouldnt": "should not",
    "aint": "is not",
    "im": "i am",
    "ive": "i have",
    "youre": "you are",
    "wanna": "want to",
    "gonna": "going to",
    "r": "are",
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "rn": "right now",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "2moro": "tomorrow",
    "b4": "before",
    "abt": "about",
    "cud": "could",
    "wud": "would",
    "coz": "because",
    "cos": "because",
    "ppl": "people",
    "acc": "account",
    "wk": "week",
    "mnth": "month",
    "amt": "amount",
}
"""Contractions typed without the apostrophe, and chat spellings, read as whole words."""

LEMMAS = {
    "sent": "send",
    "sending": "send",
    "sends": "send",
    "got": "get",
    "gotten": "get",
    "getting": "get",
    "gets": "get",
    "gone": "go",
    "went": "go",
    "goes": "go",
    "going": "go",
    "came": "come",
    "comes": "come",
    "coming": "come",
    "brought": "bring",
    "took": "take",
    "taken": "take",
    "taking": "take",
    "put": "put",
    "putting": "put",
    "heard": "hear",
    "hearing": "hear",
    "logged": "log",
    "logging": "log",
    "signed": "sign",
    "signing": "sign",
    "locked": "lock",
    "called": "call",
    "calling": "call",
    "pushed": "push",
    "pushing": "push",
    "turned": "turn",
    "turning": "turn",
    "showed": "show",
    "shown": "show",
    "showing": "show",
    "opted": "opt",
    "moved": "move",
    "moving": "move",
    "ran": "run",
    "running": "run",
    "sold": "sell",
    "gave": "give",
    "given": "give",
    "passed": "pass",
    "received": "receive",
    "receiving": "receive",
    "arrived": "arrive",
    "arriving": "arrive",
    "delivered": "deliver",
    "wanted": "want",
    "paid": "pay",
    "opened": "open",
    "opening": "open",
    "stopped": "stop",
    "stopping": "stop",
    "stops": "stop",
    "made": "make",
    "updates": "update",
    "making": "make",
    "posted": "post",
    "posting": "post",
}
"""Irregular and common inflections, for the two-word rules below (the stemmer handles the
rest of the pipeline)."""

PHRASAL_VERBS = {
    ("send", "back"): "return",
    ("bring", "back"): "return",
    ("take", "back"): "return",
    ("money", "back"): "refund",
    ("pay", "back"): "refund",
    ("log", "in"): "login",
    ("log", "on"): "login",
    ("sign", "in"): "login",
    ("check", "out"): "checkout",
    ("drop", "off"): "return",
    ("get", "into"): "login",
    ("lock", "out"): "login",
    ("call", "off"): "cancel",
    ("want", "out"): "cancel",
    ("push", "back"): "postpone",
    ("put", "off"): "postpone",
    ("move", "back"): "postpone",
    ("turn", "up"): "arrive",
    ("show", "up"): "arrive",
    ("get", "here"): "arrive",
    ("come", "through"): "arrive",
    ("opt", "out"): "optout",
    ("take", "off"): "optout",
    ("opt", "in"): "optin",
    ("sign", "up"): "optin",
    ("put", "back"): "optin",
    ("put", "in"): "add",
    ("put", "on"): "play",
    ("switch", "off"): "turn",
    ("switch", "on"): "turn",
    ("go", "missing"): "missing",
    ("run", "out"): "stock",
    ("sell", "out"): "stock",
    ("move", "up"): "upgrade",
    ("go", "up"): "upgrade",
    ("move", "down"): "downgrade",
    ("go", "down"): "downgrade",
    ("pass", "on"): "escalate",
    ("put", "through"): "escalate",
    ("hear", "back"): "news",
    ("update", "on"): "status",
    ("mailing", "list"): "newsletter",
    ("post", "back"): "return",
    ("left", "out"): "missing",
}
"""(verb lemma, particle) -> the routing word the pair means; up to `PHRASAL_GAP` words (the
object: "send *the jacket* back", "take *me* off") may stand between them. A few noun pairs
read the same way ("money back", "mailing list")."""
PHRASAL_GAP = 2
ADJACENT_ONLY = frozenset({("turn", "up"), ("show", "up"), ("put", "on"), ("update", "on")})
"""Pairs that mean their word only side by side: "it never turned up" is an arrival, "turn the
heating up" or "turn the volume up" is not; "put on Hey Jude" plays, "put it on my card" does
not."""
INTRANSITIVE = {("take", "off"): "takeoff"}
"""Pairs that mean another word side by side with no object after them: "has BA123 taken off
yet" is a departure, "take me off", "taken off the list", "take off my email" an opt-out."""
OBJECT_STARTS = frozenset("the my me it this that your our their his her them us all a an any".split())
"""Words that open the object of a verb: "take off *the* list" is transitive."""
DETERMINERS = frozenset("a an the my your our their his her its".split())
NOUN_HEADS = frozenset({"pass", "call", "show", "turn", "run"})
"""Verbs that are nouns after a determiner: "my pass on my phone" is a boarding pass, not a
passing on; "a call back" is no calling off."""

VERB_OBJECTS = {
    "open": ({"ticket", "case", "complaint", "claim", "request"}, "create"),
    "log": ({"ticket", "case", "complaint", "claim", "request", "fault"}, "create"),
    "make": ({"complaint", "claim", "booking", "appointment", "reservation"}, "create"),
    "stop": ({"my", "the", "this", "our", "pay", "paying", "charging", "billing"}, "cancel"),
}
"""Verbs whose meaning depends on what follows: "open a ticket" creates (and is no opening
hour), "stop my subscription" or "stop paying" cancels, while "stop sending me emails" or
"stopped working" do not. The object keeps its own meaning."""
END_OF_PERIOD = re.compile(r" end of (?:the |this |next |my )?(day|week|month|year|quarter|term) ")
""""until the end of the month" is a time: no "end" of anything is asked for (cancel)."""
RELOCATION = re.compile(
    r" (?:(?P<who>(?:i|we|they|he|she|customer)(?: (?:have|has|had|am|is|are|will|be|just|recently|going to))*) (?:moved|moving)"
    r"|(?:moved|moving|move) (?P<where>house|home|flat|apartment|address|abroad|out))(?= )"
    r"| (?:moved|moving|move)(?=(?: \w+){0,3} to (?:a |my |our |the )?new (?:house|home|place|flat|address) )"
)
"""Moving as the customer's own relocation ("I moved last week", "we're moving house", "move my
broadband to a new house"), read as "relocated" (an address); the word alone moves anything ("it
hasn't moved in 4 days", "the show has been moved to june", "move this one across", "can I move
my appt")."""


def _relocated(m: re.Match[str]) -> str:
    if m.group("who"):
        return f" {m.group('who')} relocated"
    return f" relocated {m.group('where')}" if m.group("where") else " relocated"


STOPPED_WORKING = re.compile(r" (?:stop|stopped|stops|not|never) (?:work|working|works) ")
""""stopped working" / "not working": a fault."""

NEGATIONS = frozenset({"not", "never", "nothing", "no", "nobody", "none"})
ARRIVAL = frozenset({"arrive", "get", "receive", "here", "come", "turn", "show", "deliver"})
"""Lemmas that say something reached the customer; negated, they say it went missing."""
WAITING = frozenset({"yet", "still"})
"""A negated arrival with one of these is a wait ("hasn't arrived yet"), not a loss."""
HEARING = frozenset({"hear", "news", "reply", "response"})
"""Lemmas of being told something; negated, the customer asks for a status."""
NEGATION_WINDOW = 3

WHERE_IS = re.compile(r" where (my|their|the|our|your|his|her) (\w+(?: \w+)?) (?:is|are) ")
"""A trigger's "where their order is" says what a message's "where is my order" asks."""
WHERE_ASKED = re.compile(r" where (?:is|are|was|were) (?!(?:you|your|u|ur)\b)")
""""where is my order" / "where are ORD-1 and ORD-2" ask to track something; "where are you
based" does not."""
WHERE_LIKE_EXCEPT = frozenset({"where", "here", "there", "whee"})
""""were is my package", "wher is it": a word one edit from "where" (other than these) before
"is"/"are" was meant as "where"."""

SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("order", "purchase", "purchased", "ordered", "parcel", "package", "shipment", "stuff"),
    ("ship", "shipping", "shipped", "dispatch", "dispatched", "posted", "sent out"),
    ("track", "tracking", "whereabouts", "trace"),
    ("deliver", "delivery", "delivered", "arrive", "arrived", "arrival", "eta", "way"),
    # not "repay": "repayments" are a loan's
    ("refund", "reimburse", "reimbursement", "repaid", "refunded", "credited"),
    ("return", "returning", "returned", "retour", "exchange", "exchanged", "swap"),
    ("cancel", "cancellation", "terminate", "end", "discontinue", "quit"),
    ("subscription", "membership", "subscribed", "plan", "sub", "tier", "package deal"),
    # not "login": a login is an account as often as its password ("who has an airflow login")
    ("password", "passcode", "pwd", "credentials", "locked"),
    ("invoice", "receipt", "vat", "statement"),
    ("warranty", "guarantee", "guaranteed", "covered", "cover"),
    ("appointment", "slot", "visit"),
    ("install", "installation", "installer", "fit", "fitted", "fitting", "engineer"),
    ("stock", "available", "availability", "inventory", "restock", "restocked", "supply"),
    ("hours", "close", "closes", "closing", "closed", "shut"),
    ("loyalty", "reward", "rewards", "points", "point"),
    ("giftcard", "voucher", "giftcards", "vouchers"),
    ("address", "relocated", "relocate", "live"),
    ("ticket", "case", "complaint", "complain"),
    (
        "create",
        "raise",
        "submit",
        "escalate",
        "escalated",
        "escalation",
        "human",
        "manager",
        "supervisor",
        "file",
        "lodge",
    ),
    ("status", "news", "progress", "happening"),
    ("book", "schedule", "arrange", "reserve"),
    ("damaged", "broken", "broke", "cracked", "faulty", "defective", "smashed", "dented"),
    ("reschedule", "postpone", "rearrange", "delay"),
    ("lost", "stolen", "missing", "never", "disappeared", "nicked", "theft"),
    (
        "newsletter",
        "marketing",
        "promotional",
        "promotions",
        "promo",
        "spam",
        "optout",
        "optin",
        "unsubscribe",
    ),
    ("owe", "outstanding", "due", "debt", "overdue", "arrears", "behind"),
    ("upgrade", "downgrade", "switch"),
    ("policy", "policies", "terms", "conditions", "usually", "generally", "typically", "normally"),
    ("store", "shop", "branch"),
    ("present", "gift"),
    ("repair", "fix", "fixed", "mend", "mended"),
    ("discount", "coupon", "coupons"),
    ("movie", "film", "films", "flick", "flicks"),
    ("song", "songs", "tune", "tunes"),
    ("flight", "flights", "fly", "flying", "airfare", "airfares"),
    ("hotel", "hotels", "motel", "hostel", "accommodation", "lodging"),
    ("restaurant", "restaurants", "eatery", "bistro", "diner", "steakhouse", "pizzeria", "brasserie"),
    ("rent", "rental", "hire", "lease"),
    ("review", "reviews", "critic", "critics"),
)
"""Groups of words treated as one concept; the first word names the group."""

RELATED: dict[str, tuple[str, ...]] = {
    # weather
    **dict.fromkeys(
        "rain raining rainy sunny snow snowing snowy windy humid humidity storm stormy umbrella"
        " hot cold chilly freezing".split(),
        ("weather", "forecast", "temperature"),
    ),
    "outside": ("weather",),
    # now or later: a current reading, or a forecast of what is coming
    **dict.fromkeys("now currently moment".split(), ("current", "live", "latest")),
    **dict.fromkeys("tomorrow weekend upcoming coming".split(), ("forecast", "upcoming")),
    "when": ("time",),
    **dict.fromkeys("schedule scheduled".split(), ("timetable", "calendar", "event")),
    **dict.fromkeys("free busy".split(), ("calendar", "event")),
    "timetable": ("schedule",),
    "drop": ("cancel", "remove"),
    **dict.fromkeys("find look".split(), ("search",)),
    # time of day and the sky
    "sun": ("sunrise", "sunset"),
    "dawn": ("sunrise",),
    "dusk": ("sunset",),
    # travel
    "plane": ("flight",),
    "airline": ("flight",),
    "stay": ("hotel", "room"),
    "room": ("hotel",),
    "trip": ("travel",),
    "holiday": ("travel", "vacation"),
    "vacation": ("travel", "holiday"),
    "car": ("vehicle",),
    "vehicle": ("car",),
    # media
    "listen": ("play", "song", "music"),
    "hear": ("play", "song", "music"),
    "music": ("song", "play"),
    "song": ("music", "track"),
    "cinema": ("movie", "theater"),
    "theater": ("movie", "cinema"),
    "theatre": ("movie", "theater", "cinema"),
    "showing": ("movie",),
    "seats": ("tickets",),
    "seat": ("ticket",),
    "rating": ("review",),
    "ratings": ("review",),
    "rated": ("review",),
    **dict.fromkeys(
        "jazz rock pop hiphop rap blues reggae techno disco punk soul funk classical country"
        " indie folk".split(),
        ("music", "genre", "song"),
    ),
    **dict.fromkeys("track tracks album albums playlist".split(), ("song", "music")),
    **dict.fromkeys("concert concerts gig gigs festival festivals".split(), ("event", "concert")),
    "stars": ("rating", "rate", "review"),
    "louder": ("volume",),
    "quieter": ("volume",),
    "mute": ("volume",),
    # food
    **dict.fromkeys(
        "eat eating dine dining dinner lunch breakfast brunch meal hungry".split(),
        ("restaurant", "food", "meal"),
    ),
    "cuisine": ("restaurant", "food"),
    **dict.fromkeys("cafe cafes café pub pubs".split(), ("restaurant",)),
    **dict.fromkeys("keto vegan vegetarian paleo".split(), ("diet", "recipe")),
    "table": ("reservation", "restaurant"),
    "calories": ("nutrition", "calorie"),
    **dict.fromkeys("carbs carbohydrates fat fats sugar fiber fibre vitamins".split(), ("nutrition",)),
    **dict.fromkeys(
        "avocado apple apples banana bananas egg eggs rice chicken beef pork salmon tuna tofu bread"
        " cheese milk potato potatoes tomato tomatoes spinach broccoli carrot carrots oats yogurt".split(),
        ("food", "ingredient", "nutrition"),
    ),
    "protein": ("nutrition",),
    # money
    "trading": ("stock", "price"),
    "shares": ("stock",),
    "share": ("stock",),
    "worth": ("price", "value"),
    "quote": ("price",),
    "much": ("price", "cost", "fare"),
    "since": ("history", "historical"),
    "fare": ("price", "cost"),
    **dict.fromkeys("cost costs".split(), ("price", "fare")),
    "invest": ("interest", "investment"),
    "savings": ("interest",),
    "borrow": ("loan",),
    "mortgage": ("loan",),
    "repayment": ("loan", "payment"),
    "repayments": ("loan", "payment"),
    "installments": ("payment",),
    "compute": ("calculate",),
    # units of measure: a quantity in one of them may be converted
    **dict.fromkeys(
        "grams gram kilograms kilogram kg ounces ounce oz lbs cups cup tablespoons tablespoon"
        " teaspoons teaspoon tbsp tsp liters litres liter litre milliliters millilitres ml gallons"
        " gallon pints pint quarts quart inches inch feet foot yards yard meters metres meter"
        " metre centimeters centimetres cm millimeters mm celsius fahrenheit kelvin".split(),
        ("unit", "units", "convert", "conversion"),
    ),
    "checkbook": ("cheque", "check", "book"),
    "chequebook": ("cheque", "check", "book"),
    "exchange": ("currency", "convert"),
    **dict.fromkeys(
        "yen euro euros dollar dollars pesos rupees gbp usd eur jpy cad aud chf".split(), ("currency",)
    ),
    # sport and health
    "goals": ("stats", "statistics"),
    **dict.fromkeys("won win beat result results".split(), ("score", "result")),
    **dict.fromkeys("fixture fixtures".split(), ("schedule", "game", "upcoming")),
    **dict.fromkeys("nba nfl mlb nhl epl".split(), ("league", "sport")),
    "scored": ("stats", "score"),
    "top": ("standings", "ranking"),
    **dict.fromkeys("position standing ranked rank".split(), ("standings", "ranking")),
    "leading": ("standings",),
    "workout": ("exercise", "activity"),
    "exercise": ("workout", "activity"),
    "training": ("workout", "exercise"),
    "overweight": ("bmi", "weight"),
    "underweight": ("bmi", "weight"),
    "energy": ("calories",),
    "record": ("log",),
    # home
    "heating": ("thermostat", "temperature"),
    "warmer": ("thermostat", "temperature"),
    "cooler": ("thermostat", "temperature"),
    "warm": ("thermostat", "temperature"),
    "secure": ("lock",),
    **dict.fromkeys("degrees degree".split(), ("temperature", "thermostat", "temp")),
    **dict.fromkeys("dark darker dim brighter brightness".split(), ("light", "lights")),
    **dict.fromkeys("basket trolley".split(), ("cart",)),
    # words, places, people and plans
    **dict.fromkeys("define definition meaning mean means".split(), ("definition", "define", "dictionary")),
    "words": ("lyrics",),
    "wake": ("alarm",),
    "outlook": ("forecast", "weather"),
    **dict.fromkeys("english german portuguese russian mandarin arabic hindi dutch".split(), ("language",)),
    **dict.fromkeys(
        "french spanish italian japanese chinese korean greek".split(), ("language", "cuisine", "food")
    ),
    **dict.fromkeys("mexican thai indian vietnamese turkish lebanese".split(), ("cuisine", "food")),
    # getting about
    **dict.fromkeys("cab cabs uber lyft rideshare".split(), ("taxi", "ride")),
    "taxi": ("ride", "cab"),
    **dict.fromkeys("ride rides lift".split(), ("taxi", "cab")),
    **dict.fromkeys("rail railway".split(), ("train",)),
    "coach": ("bus",),
    **dict.fromkeys("sights sightseeing landmarks landmark".split(), ("attraction", "attractions")),
    "tour": ("visit",),
    **dict.fromkeys("residence residences property".split(), ("home", "house", "apartment")),
    "suitcase": ("bag", "baggage", "luggage"),
    # days and plans
    **dict.fromkeys("agenda diary".split(), ("calendar", "schedule", "event")),
    # health, home, words
    **dict.fromkeys("inhaler tablets pills medication medicine meds".split(), ("prescription",)),
    **dict.fromkeys("electricity blackout".split(), ("power",)),
    **dict.fromkeys("haircut hairdresser barber".split(), ("salon", "stylist", "hair")),
    **dict.fromkeys("pun puns".split(), ("joke",)),
    # what customers say of something that does not work
    **dict.fromkeys(
        "buffering blurry pixelated lagging laggy crashing crashed glitch glitchy glitching "
        "flickering snapped cracked smashed cutting".split(),
        ("fault", "problem", "broken", "damage"),
    ),
    **dict.fromkeys("pouring gushing flooding flooded dripping burst".split(), ("leak", "leaking")),
    "trickle": ("pressure",),
    **dict.fromkeys("forgot forgotten forgetting".split(), ("missing",)),
    "forward": ("send",),
    "register": ("enrol", "enroll", "enrolment"),
    "again": ("repeat", "reorder"),
    "finished": ("ready",),
    **dict.fromkeys("grammar grammatically proofread".split(), ("spelling", "grammar")),
    **dict.fromkeys("far distance miles kilometers kilometres".split(), ("distance",)),
    **dict.fromkeys("drive driving walk walking".split(), ("directions", "route")),
    "directions": ("route", "navigate"),
    "route": ("directions",),
    "mail": ("email",),
    # abbreviations a message uses for a word the tools spell out
    "dr": ("doctor",),
    "prof": ("professor",),
    "appt": ("appointment",),
    "acct": ("account",),
    "apt": ("apartment",),
    "dept": ("department",),
    "st": ("street",),
    "ave": ("avenue",),
    "rd": ("road",),
    "pkg": ("package",),
    "msg": ("message",),
    "meeting": ("event", "calendar", "appointment"),
    "calendar": ("event",),
    **dict.fromkeys("cook cooking bake baking ingredients".split(), ("recipe",)),
    **dict.fromkeys(
        "sushi pizza burger burgers tacos curry noodles pasta salad sandwich ramen steak".split(),
        ("food", "dish", "restaurant", "cuisine"),
    ),
    **dict.fromkeys("fever headache cough sick symptoms".split(), ("symptom", "doctor", "health")),
    **dict.fromkeys("hiring vacancy vacancies career careers".split(), ("job", "jobs", "employment")),
    **dict.fromkeys("apartment apartments flat flats condo".split(), ("property", "listing", "apartment")),
    "match": ("game", "score"),
    "next": ("upcoming",),
    **dict.fromkeys("play plays".split(), ("game", "match", "fixture")),
    "game": ("match", "score"),
    "headlines": ("news", "headline", "article"),
    **dict.fromkeys("bitcoin btc ethereum eth cryptocurrency".split(), ("crypto", "coin", "cryptocurrency")),
    # roads and networks
    "jam": ("traffic",),
    "jams": ("traffic",),
    "congestion": ("traffic",),
    "broadband": ("network", "internet"),
    "wifi": ("network", "internet"),
    "internet": ("network",),
    "signal": ("network",),
}
"""Plain words of a message that speak of a concept without naming it ("is it raining" asks
about the weather, "car hire" is no weather): the concept's words count for it at
`RELATED_WEIGHT`, once per message word and tool, so they help a tool about the concept but
never outweigh its own words. A
general list of everyday associations, keyed by the message's word as typed (not by its synonym
group, so "exchange" relates to currency while its group stays the one of returns)."""
RELATED_WEIGHT = 0.8


@lru_cache(maxsize=1)
def _related_terms() -> dict[str, frozenset[str]]:
    return {word: frozenset(canonical(t) for t in targets) for word, targets in RELATED.items()}


def related_terms(plain: Iterable[str]) -> set[str]:
    """Terms of the concepts the plain words relate to (see `RELATED`); a plural reads as its
    singular ("planes" as "plane", "coaches" as "coach") when only the singular is listed."""
    table = _related_terms()
    return {t for w in plain for t in table.get(w, _plural_entry(table, w))}


def _plural_entry(table: dict[str, frozenset[str]], word: str) -> frozenset[str]:
    if not word.endswith("s") or len(word) < 4:
        return frozenset()
    return table.get(word[:-1]) or (table.get(word[:-2], frozenset()) if word.endswith("es") else frozenset())


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    # A stemmer object keeps per-call state, so a fresh one per (cached) word stays thread-safe.
    return snowballstemmer.stemmer("english").stemWord(word)


@lru_cache(maxsize=1)
def _synonym_map() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in SYNONYMS:
        head = stem(group[0])
        for word in group:
            table.setdefault(stem(word), head)
    return table


def _lemma(token: str) -> str:
    lemma = LEMMAS.get(token)
    if lemma is not None:
        return lemma
    return _third_person().get(token, token)


@lru_cache(maxsize=1)
def _third_person() -> dict[str, str]:
    """The third-person forms ("turns", "shows", "pushes") of the verbs the two-word rules know."""
    verbs = {verb for verb, _ in PHRASAL_VERBS} | set(LEMMAS.values()) | ARRIVAL
    out = {f"{v}es" if v.endswith(("s", "sh", "ch", "x")) else f"{v}s": v for v in verbs}
    return {form: verb for form, verb in out.items() if form not in LEMMAS}


@lru_cache(maxsize=1)
def _phrasal_heads() -> frozenset[str]:
    return frozenset(verb for verb, _ in PHRASAL_VERBS)


@lru_cache(maxsize=1)
def _phrasal_forms() -> frozenset[str]:
    """Every token whose lemma starts a phrasal verb: a text holding none has none to join."""
    heads = _phrasal_heads()
    forms = {**LEMMAS, **_third_person()}
    return heads | frozenset(token for token, lemma in forms.items() if lemma in heads)


@lru_cache(maxsize=1)
def _verb_object_forms() -> frozenset[str]:
    """Every token `_read_verb_objects` may rewrite: a text holding none is left as it is."""
    inflected = (t for t, lemma in LEMMAS.items() if lemma in VERB_OBJECTS and t.endswith("ing"))
    return frozenset(VERB_OBJECTS) | frozenset(inflected)


def _join_phrasal_verbs(tokens: list[str]) -> list[str]:
    if _phrasal_forms().isdisjoint(tokens):
        return tokens
    out = list(tokens)
    heads, forms = _phrasal_heads(), _phrasal_forms()
    for i, token in enumerate(out):
        if token not in forms:
            continue  # its lemma starts no phrasal verb
        lemma = _lemma(token)
        if lemma not in heads or (lemma in NOUN_HEADS and i and out[i - 1] in DETERMINERS):
            continue
        for j in range(i + 1, min(i + 2 + PHRASAL_GAP, len(out))):
            pair = (lemma, out[j])
            meaning = PHRASAL_VERBS.get(pair)
            if meaning is not None and j > i + 1 and pair in ADJACENT_ONLY:
                break
            if pair in INTRANSITIVE and j == i + 1 and (j + 1 == len(out) or out[j + 1] not in OBJECT_STARTS):
                meaning = INTRANSITIVE[pair]
            if meaning is not None:
                out[i], out[j] = meaning, ""
                break
    return [t for t in out if t]


def _read_verb_objects(tokens: list[str]) -> list[str]:
    if _verb_object_forms().isdisjoint(tokens):
        return tokens
    out = list(tokens)
    for i, token in enumerate(out[:-1]):
        rule = VERB_OBJECTS.get(_lemma(token))
        if rule is None or not (token in VERB_OBJECTS or token.endswith("ing")):
            continue  # "I opened a case" speaks of one that exists
        objects, meaning = rule
        if objects & set(out[i + 1 : i + 4]):
            out[i] = meaning
    return out


def _mark_negations(tokens: list[str]) -> list[str]:
    """Add "missing" after a negated arrival and "news" after a negated hearing."""
    if NEGATIONS.isdisjoint(tokens):
        return tokens
    waiting = bool(WAITING & set(tokens))
    out: list[str] = []
    for i, token in enumerate(tokens):
        out.append(token)
        if token not in NEGATIONS:
            continue
        near = {_lemma(t) for t in tokens[max(0, i - 1) : i + 1 + NEGATION_WINDOW]}
        if near & ARRIVAL and not waiting:
            out.append("missing")
        if near & HEARING:
            out.append("news")
    return out


FILE_EXTENSIONS = frozenset(
    """ipynb py txt csv tsv json yaml yml md log pdf png jpg jpeg gif svg sh html htm xml zip tar gz
    sql toml ini cfg conf doc docx xls xlsx parquet""".split()
)
"""Endings that make a dotted word a file name ("report.ipynb"), whatever the part before."""
SHELL_READERS = frozenset({"cat", "less", "head", "tail", "bat"})
"""Commands that print a file: before a path or a file name, they read it ("cat work/a.ipynb")."""
COMMAND_FIRST = ("cat the ", "cat my ", "cat this ")
""""cat" opening a message before its object is the command that prints a file ("cat the source
of the dag"), not the pet it is elsewhere ("cat food", "my cat")."""
TRAILING = ".,;:!?)\"'"


def _read_paths(text: str) -> str:
    """A path or a file name is a value, not words: "work/report.ipynb" reads as "path ipynb",
    "report.ipynb" as "ipynb" (a file of that kind; its name says nothing of the action), a host
    name as "domain", and a shell command that prints one as "read" ("cat" is no pet there). URLs
    are left as they are."""
    tokens = text.split()
    for i, token in enumerate(tokens):
        if "/" not in token and "." not in token:
            continue  # neither a path nor a file name (most words: a quick test first)
        bare = token.rstrip(TRAILING)
        if "://" in bare or not any(c.isalpha() for c in bare):
            continue
        name = bare.rsplit("/", 1)[-1]
        ending = name.rsplit(".", 1)[1] if "." in name else ""
        read = ["path"] if "/" in bare else []
        if ending in FILE_EXTENSIONS:
            read.append(ending)
        elif not read and HOST_NAME.fullmatch(bare):
            read.append("domain")  # "shop.example.net" names a site; "shop" and "net" say nothing
        if not read:
            continue
        tokens[i] = " ".join(read) + token[len(bare) :]
        if i and tokens[i - 1] in SHELL_READERS:
            tokens[i - 1] = "read"
    return " ".join(tokens)


HOST_NAME = re.compile(
    r"(?:[a-z0-9-]+\.)+[a-z0-9-]*[a-z][a-z0-9-]*\.[a-z]{2,6}|[a-z0-9-]*[a-z][a-z0-9-]{2,}\.[a-z]{2,6}"
)
"""A host name ("example.com", "api.example.org"): letters before the last dot, two to six
after it (a file name's ending is read first; "e.g." and "3.5" are none)."""
LONE_DOT = re.compile(r"\.(?!\w)|(?<!\w)\.")
PUNCTUATION = re.compile(r"[^\w@.\-+ ]+")
WHERE_TYPO = re.compile(r" (\w{4,6}) (is|are) ")


def _where_typo(m: re.Match[str]) -> str:
    word = m.group(1)
    if word not in WHERE_LIKE_EXCEPT and OSA.distance(word, "where", score_cutoff=1) <= 1:
        return f" where {m.group(2)} "
    return m.group(0)


def normalise(text: str) -> str:
    """Lower-case, straighten quotes, expand contractions and apply the token rewrites."""
    text = text.lower().replace("\u2019", "'").replace("`", "'")
    if "'" in text or "cannot" in text:
        for short, full in CONTRACTIONS.items():
            text = text.replace(short, full)
    if "/" in text or "." in text:
        text = _read_paths(text)
    if text.startswith(COMMAND_FIRST):
        text = "read" + text[len("cat") :]
    if "." in text:
        text = LONE_DOT.sub(" ", text)  # keep dots inside emails and numbers
    text = PUNCTUATION.sub(" ", text)
    tokens = text.split()
    if not BARE_CONTRACTIONS.keys().isdisjoint(tokens):
        tokens = [BARE_CONTRACTIONS.get(t, t) for t in tokens]
    text = " " + " ".join(tokens) + " "
    # the rewrites below look for a word each; most texts hold none of them (a fast path)
    if " is " in text or " are " in text:
        text = WHERE_TYPO.sub(_where_typo, text)
    if " where " in text:
        # "where their order is" (a trigger) says what "where is my order" (a message) asks.
        text = WHERE_IS.sub(r" track \1 \2 ", text)
        text = WHERE_ASKED.sub(" track ", text)
    if " work" in text:
        text = STOPPED_WORKING.sub(" broken ", text)
    if " mov" in text:
        text = RELOCATION.sub(_relocated, text)
    if " end of " in text:
        text = END_OF_PERIOD.sub(r" \1 ", text)
    tokens = _mark_negations(_read_verb_objects(_join_phrasal_verbs(text.split())))
    return " ".join(tokens)


TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
DIGIT = re.compile(r"\d")


def words(text: str) -> list[str]:
    """Plain words of a message, after `normalise`; identifiers such as ord-1001 are dropped."""
    return list(_words(text))


@lru_cache(maxsize=32768)
def _words(text: str) -> tuple[str, ...]:
    # cached: an action's input descriptions recur across a catalog, and every message is read
    # by the agent and the respond node of a turn
    out: list[str] = []
    normalised = normalise(text)
    digits = DIGIT.search(normalised) is not None  # else no token has one to test for
    for token in TOKEN.findall(normalised):
        if not digits or DIGIT.search(token) is None:
            out.extend(token.split("-"))
    return tuple(out)


@lru_cache(maxsize=65536)
def canonical(word: str) -> str:
    """The routing term of one plain word: stemmed, then mapped onto its synonym group."""
    s = stem(word)
    return _synonym_map().get(s, s)


def terms(text: str) -> list[str]:
    """Routing terms of a text: stop words and numbers removed, stems mapped to synonym heads."""
    return [canonical(w) for w in words(text) if w not in STOPWORDS and not w.isdigit()]


def correct_typo(word: str, vocabulary: dict[str, str]) -> str | None:
    """The one vocabulary term within 1 edit (2 for long words) of `word`; None if none or tied.

    The distance counts insertions, deletions, substitutions and swaps of two adjacent letters
    ("oder", "ordre"): optimal string alignment, computed by rapidfuzz, whose `score_cutoff`
    stops each comparison once it is past the limit."""
    best = typo_candidates(word, vocabulary)
    return best[0] if len(best) == 1 else None


def typo_candidates(word: str, vocabulary: dict[str, str]) -> tuple[str, ...]:
    """Every vocabulary term at the smallest distance (within 1 edit, 2 for long words) from
    `word`, sorted; empty when none is that close. `correct_typo` wants exactly one."""
    limit = 1 if len(word) < 8 else 2
    found = process.extract(word, list(vocabulary), scorer=OSA.distance, score_cutoff=limit, limit=None)
    if not found:
        return ()
    nearest = min(distance for _, distance, _ in found)
    return tuple(sorted({vocabulary[known] for known, distance, _ in found if distance == nearest}))


CAMEL_HUMP = re.compile(r"(?<=[a-z])(?=[A-Z])")
SEPARATORS = re.compile(r"[_\-]+")


@lru_cache(maxsize=65536)
def humanise_name(name: str) -> str:
    """`get_order_status` -> "get order status"."""
    humped = name if name.islower() else CAMEL_HUMP.sub(" ", name)  # no capital, no hump
    return SEPARATORS.sub(" ", humped).strip().lower()


# -- ranking: BM25 weights and identifiers (the router and the action retriever) ------------

NAME_WEIGHT = 2.0
DESCRIPTION_WEIGHT = 1.0
PARAMETER_WEIGHT = 0.4
PATTERN_BONUS = 1.0
"""Per unit of the pattern's inverse document frequency: an identifier only one tool takes
(INS-20431) is stronger evidence than one several tools take (ORD-1001)."""
K1, B = 1.2, 0.5


def average_length(lengths: Iterable[float]) -> float:
    """The mean document length BM25 normalises by; 1.0 when it is zero or there are none.

    A catalog whose names, triggers and parameters all normalise to no terms (stop words only,
    as `who_am_i` / "who am I", punctuation, emoji, digits, scripts the tokenizer drops) has
    mean length zero; every document is then of average length, not infinitely long.
    """
    lengths = list(lengths)
    mean = sum(lengths) / len(lengths) if lengths else 0.0
    return mean if mean > 0 else 1.0


def length_norm(length: float, avg_length: float) -> float:
    """BM25's length normalisation of a term frequency, K1 * (1 - B + B * length / average)."""
    return K1 * (1 - B + B * length / avg_length)


def saturated_tf(tf: float, length: float, avg_length: float) -> float:
    """BM25's term-frequency part of a document of `length`: tf (K1 + 1) / (tf + length_norm)."""
    return saturated(tf, length_norm(length, avg_length))


def saturated(tf: float, norm: float) -> float:
    """BM25's term-frequency part for a length normalisation already computed (`length_norm`;
    an index keeps one per document rather than recomputing it for every term)."""
    return tf * (K1 + 1) / (tf + norm)


def saturated_postings(postings: dict[str, float], norms: dict[str, float]) -> dict[str, float]:
    """`saturated` of each document's frequency in a term's postings, with the document's
    length normalisation from `norms`: one pass with no call per posting (an index reweighs
    hundreds of thousands at once), the same figures to the last digit."""
    k = K1 + 1
    return {doc: tf * k / (tf + norms[doc]) for doc, tf in postings.items()}


def idf(documents: int, df: int) -> float:
    """BM25's inverse document frequency of a term `df` of `documents` documents hold."""
    return math.log(1 + (documents - df + 0.5) / (df + 0.5))


@dataclass(frozen=True)
class IdentifierPattern:
    """A parameter's `pattern` used to find its values in free text.

    The search ignores case ("ord-1001" is ORD-1001), but a plain word is never an identifier:
    "installation" is not the tracking number INSTALLATION, although `^[A-Z0-9]{10,22}$`
    accepts it once upper-cased. A case-fixed match must hold a digit or be a short code.
    """

    pattern: str
    full: BoundedPattern
    anywhere: BoundedPattern

    @classmethod
    def compile(cls, pattern: str) -> IdentifierPattern | None:
        body = pattern[1:] if pattern.startswith("^") else pattern
        body = body[:-1] if body.endswith("$") and not body.endswith("\\$") else body
        try:
            # a definition's pattern runs on the customer's message: time-bounded (tools.patterns)
            full = bounded(pattern, ascii=False)
            anywhere = bounded(rf"(?<![A-Za-z0-9])(?:{body})(?![A-Za-z0-9])", ascii=False, ignore_case=True)
        except PatternError:
            return None
        return cls(pattern, full, anywhere)

    def value(self, candidate: str) -> str | None:
        """The candidate as the pattern wants it, or None when it is not an identifier."""
        if self.full.fullmatch(candidate):
            return candidate
        if candidate.isalpha() and len(candidate) > MAX_CASE_FIXED_WORD:
            return None
        for variant in (candidate.upper(), candidate.lower()):
            if self.full.fullmatch(variant):
                return variant
        return None

    def finditer(self, text: str) -> Iterator[tuple[str, int, int]]:
        for found, start, end in self.anywhere.finditer(text):
            value = self.value(found)
            if value is not None:
                yield value, start, end

    def search(self, text: str) -> bool:
        return next(self.finditer(text), None) is not None


MAX_CASE_FIXED_WORD = 5
"""Longest all-letter match accepted in another case ("usd" -> USD, never "dishwasher")."""


def topic_key(text: str) -> str:
    """A message's routing terms, de-duplicated and sorted: messages that say the same thing in
    other words ("where's my parcel?", "Where is my package") share a key. The run log groups
    the messages that matched no action by it; a message with no routing terms (a greeting)
    keys on its normalised words."""
    found = sorted(set(terms(text)))
    return " ".join(found) if found else " ".join(words(text))
