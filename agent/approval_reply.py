"""Whether a typed or e-mailed answer to "Shall I go ahead?" approves: an allow-list.

The customer's own words are what remains once the quoted message and a plain sign-off are
taken away. They approve only when every word there is a yes-word, a yes-phrase or a short
courtesy word from the fixed lists below, at least one of them says yes, and nothing else is
there: no digit, no "?", no "/s", no symbol but a few punctuation marks and yes-emoji. Anything
else ("You sure", "is that ok", "Yes 14:00", "ok -1", "Yeah sure, send it /s", "yeah right", a
word in another language) is not an approval, and nothing is sent.

The quoted message is only a real quote:
- lines starting with ">" followed by a space, another ">" or nothing;
- a reply header ("On Mon, 7 Dec 2026 at 10:02, Support <support@example.com> wrote:", on one
  line or over two) whose date part is only dates, times and zones and names a weekday, a month
  or a numeric date, and whose sender is up to four capitalised names and/or an address (not
  "I", "you", "we"), directly followed by ">" lines (then only the ">" lines are the quote);
- an "-----Original Message-----" rule followed by a "From:" line, or a header block "From: name
  <email>" followed by "Sent:"/"Date:", "To:" and "Subject:" lines (after an optional "____"
  rule): everything from there on is the quote.
A line that merely looks like one ("On second thought, here is what I wrote:", "From: my wife
<she says no>") is the customer's and is read.

A plain sign-off is a sign-off line ("Thanks,", "Best regards,", "--", "Thanks, Ada") followed
only by one name line (1-3 capitalised words of letters, no digit, no word from NOT_IN_A_NAME)
and then at most one e-mail line and one phone line (a date, or digits with neither a label, a
"+", a leading 0 nor a "-", "." or "(", is not a phone number); "Sent from my iPhone" and the
like may close the reply. Nothing else may follow a sign-off: "P.S. Next Tuesday", "2027-01-20",
"Friday Only" or a second name line is not an approval.
"""

from __future__ import annotations

import re

YES_WORDS = frozenset(
    """yes y yep yeah yup yea ok okay k kk confirm confirmed approve approved agreed proceed sure
    correct fine send absolutely definitely certainly affirmative""".split()
)
"""Words that say yes on their own: "yes", "ok", "Confirmed.", "Send"."""
YES_PHRASES = frozenset(
    tuple(p.split())
    for p in (
        "go ahead",
        "do it",
        "send it",
        "please do",
        "go for it",
        "sure thing",
        "of course",
        "i confirm",
        "i approve",
        "i agree",
        "that's right",
        "that's correct",
        "that is correct",
        "that's fine",
        "that is fine",
        "that's ok",
        "that's okay",
        "all correct",
        "all good",
        "sounds good",
        "looks good",
    )
)
"""Phrases that say yes. Their words ("that", "is", "all", "it") count only inside a phrase:
"is that ok" or "is it fine" is a question without its "?", not a yes."""
COURTESY_WORDS = frozenset(
    """please pls plz thanks thx ty cheers hi hello hey great perfect excellent wonderful
    lovely""".split()
)
"""Words that may stand beside a yes without changing it."""
COURTESY_PHRASES = frozenset(
    tuple(p.split())
    for p in (
        "thank you",
        "thank you very much",
        "thank you so much",
        "thanks a lot",
        "thanks so much",
        "many thanks",
        "hi there",
        "hello there",
        "good morning",
        "good afternoon",
        "good evening",
    )
)
"""Phrases that may stand beside a yes without changing it."""
NOT_IN_A_NAME = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs
    fri sat sun weekday weekend january february march april may june july august september
    october november december jan feb mar apr jun jul aug sep sept oct nov dec today tomorrow
    tonight yesterday morning afternoon evening night noon midnight day days week weeks month
    months year years hour hours minute minutes am pm asap eod now soon later earlier early late
    next last first second third this coming end start one two three four five six seven eight
    nine ten eleven twelve half quarter oclock only if unless until till after before but except
    when whenever once provided assuming instead not no nor never dont wait hold stop cancel
    change changed maybe then also and or please ps pps nb i me my mine we us our you your it
    its this that these those them they he him his she her at to for on in by from with via
    into onto off out up down over under about send ship call ring email text deliver delivery
    use pay refund keep ask check make give go let put leave return address office home work
    store shipping express order card invoice receipt account yes ok okay sure mondays tuesdays
    wednesdays thursdays fridays saturdays sundays weekdays weekends mornings afternoons evenings
    nights tmrw tmr holiday holidays christmas xmas easter gift wrap rush urgent priority standard
    overnight pickup collect courier discount coupon voucher cash credit debit paypal""".split()
)
"""Words a name line after a sign-off may not hold: times, dates, conditions, pronouns,
prepositions and requests ("Friday Only", "Send To Office", "P.S. Next Tuesday")."""

_APPROVING_SYMBOLS = re.compile(
    "[\U0001f44d\U0001f44c\u2705\u2714\U0001f642\U0001f60a\U0001f64f\ufe0f\U0001f3fb-\U0001f3ff]"
)
"""Symbols that say yes, thank or smile: thumbs up, OK hand, check marks, smiling faces, folded
hands (with their variation selector and skin tones)."""
_PLAIN_WORDS = re.compile(r"[A-Za-z \t\u00a0,.!'\u2019\-\u2013\u2014]*")
"""All a line of the customer's own words may hold: letters, spaces, commas, full stops,
exclamation marks, apostrophes and dashes. No digit, "?", "/", ":", quote mark or other symbol."""
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
_QUOTED_LINE = re.compile(r">(?:[ >\t]|$)")
_ORIGINAL_RULE = re.compile(r"-{3,}\s*original message\s*-{3,}", re.IGNORECASE)
_RULE = re.compile(r"_{10,}|-{10,}")
_EMAIL = r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"
_FROM_LINE = re.compile(rf"from:\s*(?:[^<>@]*<{_EMAIL}>|{_EMAIL})", re.IGNORECASE)
_HEADER_FIELD = re.compile(r"(sent|date|to|cc|bcc|subject|reply-to|importance):\s*\S.*", re.IGNORECASE)
_REPLY_HEADER = re.compile(r"on\s+(?P<when>.+),\s*(?P<who>[^,]+?)\s+wrote:", re.IGNORECASE)
_DAYS_AND_MONTHS = (
    r"mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday"
    r"|sunday|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april"
    r"|june|july|august|september|october|november|december"
)
_A_DATE = re.compile(rf"\b(?:{_DAYS_AND_MONTHS})\b\.?|\d{{1,4}}[-/.]\d{{1,2}}[-/.]\d{{1,4}}", re.IGNORECASE)
_WHEN_WORD = re.compile(
    rf"(?i:{_DAYS_AND_MONTHS})\.?|\d{{1,2}}(?:st|nd|rd|th)?|\d{{4}}|\d{{1,4}}[-/.]\d{{1,2}}[-/.]\d{{1,4}}"
    r"|\d{1,2}[:.]\d{2}(?::\d{2})?|(?i:at|am|pm|a\.m\.|p\.m\.)|\(?(?:UTC|GMT|CET|CEST|EET|EEST|WET|WEST|BST|IST|EST|EDT|CST|CDT|MST|MDT|PST|PDT|AEST|AEDT|JST|KST|HKT|SGT|NZST|NZDT|MSK)\)?|[+-]\d{4}"
)
"""What the date part of a reply header is made of: days, months, numbers, times, "at", "AM", a
time zone. "On second thought, ..." or "On Monday after you call, ..." is not a date part."""
_SENDER = re.compile(rf"(?:\"?[A-Z][\w.'\-]*(?: [A-Z][\w.'\-]*){{0,3}}\"?\s*)?(?:<{_EMAIL}>)?|{_EMAIL}")
_PRONOUNS = frozenset("i we you he she they it my our your his her their".split())
_SIGN_OFF_WORDS = (
    r"best|best regards|kind regards|warm regards|warmest regards|regards|best wishes|cheers"
    r"|sincerely|yours sincerely|yours truly|yours|thanks|many thanks|thanks again|thank you"
    r"|thank you very much|all the best|with thanks|with best regards"
)
_SIGN_OFF = re.compile(rf"(?:(?:{_SIGN_OFF_WORDS})[,.!]?|--|\u2014)", re.IGNORECASE)
_SIGN_OFF_AND_NAME = re.compile(r"(?:thanks|thank you|cheers|best|regards),?\s+(?P<name>.+)", re.IGNORECASE)
_DEVICE_LINE = re.compile(
    r"(?:sent from my|sent from|get) (?:iphone|ipad|phone|mobile|mobile device|android|android phone"
    r"|samsung galaxy|galaxy|outlook for ios|outlook for android|mail for windows)\.?",
    re.IGNORECASE,
)
"""A client's line under the reply ("Sent from my iPhone"): it may close the reply, nothing after."""
_NAME_WORD = re.compile(r"[A-Z][A-Za-z]*(?:['\u2019\-][A-Z]?[a-z]+)*|[A-Z]\.(?:[A-Z]\.)*")
_NAME_PARTICLES = frozenset("van von de der den da di du la le del della bin al ter ten".split())
_CONTACT_LABEL = r"(?:(?:e-?mail|mail|tel|phone|mobile|cell|m|t|e)\s*[:.]?\s*)?"
_EMAIL_LINE = re.compile(rf"{_CONTACT_LABEL}{_EMAIL}", re.IGNORECASE)
_PHONE_LINE = re.compile(rf"{_CONTACT_LABEL}(?P<number>\+?\d[\d ()\-.]*\d)", re.IGNORECASE)
_DATE_SHAPE = re.compile(
    r"\d{4}[-/. ]\d{1,2}[-/. ]\d{1,2}|\d{1,2}[-/. ]\d{1,2}[-/. ]\d{2,4}|(?:19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}"
)


def _units(line: str) -> list[str] | None:
    """What a line of the customer's own words says, unit by unit ("yes" or "courtesy"), or None
    when it holds anything else: a word or phrase off the lists, a digit, a symbol."""
    line = _APPROVING_SYMBOLS.sub("", line).replace("\u2019", "'")
    if not _PLAIN_WORDS.fullmatch(line) or ".." in line:
        return None
    return _segment(tuple(_WORD.findall(line.lower())))


def _segment(words: tuple[str, ...]) -> list[str] | None:
    """The words cut into listed words and phrases ("please do it": "please", "do it"), or None.
    Worked from the end, each position once: linear in the words, no recursion."""
    step: list[tuple[str, int] | None] = [None] * len(words) + [("", len(words))]  # (unit, next)
    for start in range(len(words) - 1, -1, -1):
        for size in (4, 3, 2, 1):
            head = words[start : start + size]
            if len(head) < size or step[start + size] is None:
                continue
            if head in YES_PHRASES or (size == 1 and head[0] in YES_WORDS):
                step[start] = ("yes", start + size)
            elif head in COURTESY_PHRASES or (size == 1 and head[0] in COURTESY_WORDS):
                step[start] = ("courtesy", start + size)
            else:
                continue
            break
    units: list[str] = []
    at = 0
    while at < len(words):
        taken = step[at]
        if taken is None:
            return None
        units.append(taken[0])
        at = taken[1]
    return units


def _is_name(line: str) -> bool:
    """A name under a sign-off: 1-3 capitalised words of letters (initials and "van", "de" too),
    none of them a time, date, condition or request word."""
    words = line.rstrip(",.").split()
    if not 1 <= len(words) <= 3 or words[0].lower() in _NAME_PARTICLES:
        return False
    for word in words:
        if word in _NAME_PARTICLES:
            continue
        if not _NAME_WORD.fullmatch(word):
            return False
        parts = re.split(r"[-'\u2019]", word.replace(".", "").lower())
        if any(part in NOT_IN_A_NAME for part in parts) or word.replace(".", "").lower() in NOT_IN_A_NAME:
            return False
    return True


def _contact_kind(line: str) -> str | None:
    """Whether a line under the name is an e-mail or a phone line; None for anything else (a
    date, an amount)."""
    if _EMAIL_LINE.fullmatch(line):
        return "email"
    phone = _PHONE_LINE.fullmatch(line)
    if not phone or _DATE_SHAPE.fullmatch(number := phone["number"]):
        return None
    # a label, a "+", a leading 0 or a "-", "." or "(" marks a number as a phone's ("2 500 000" is not)
    marked = line[0].isalpha() or number[0] in "+0" or any(c in number for c in "-.(")
    if marked and 7 <= sum(c.isdigit() for c in number) <= 15:
        return "phone"
    return None


def _reply_header(lines: list[str], i: int) -> int:
    """How many lines (1 or 2) a real reply header at `lines[i]` takes; 0 if there is none. The
    header needs a date part, a sender, and ">" lines right after it."""
    for size in (1, 2):
        text = re.sub(r"<\s+", "<", " ".join(line.strip() for line in lines[i : i + size]))
        header = _REPLY_HEADER.fullmatch(text)
        if len(lines[i : i + size]) < size or not header:
            continue
        who = header["who"].strip()
        when = header["when"].strip()
        if not _A_DATE.search(when) or not all(_WHEN_WORD.fullmatch(w) for w in re.split(r"[\s,]+", when)):
            continue
        if not _SENDER.fullmatch(who):
            continue
        if who.strip('"').split()[0].lower() in _PRONOUNS:
            continue
        rest = [line.strip() for line in lines[i + size :] if line.strip()]
        if rest and _QUOTED_LINE.match(rest[0]):
            return size
    return 0


def _header_block_at(lines: list[str], i: int) -> bool:
    """Whether the quoted message starts at `lines[i]`: an "Original Message" rule, or a header
    block (From: with an address, then Sent/Date, To and Subject), after an optional rule."""
    line = lines[i].strip()
    if _ORIGINAL_RULE.fullmatch(line):  # followed by the original's "From:" line
        return i + 1 < len(lines) and lines[i + 1].strip().lower().startswith("from:")
    if _RULE.fullmatch(line) and i + 1 < len(lines):
        i, line = i + 1, lines[i + 1].strip()
    if not _FROM_LINE.fullmatch(line):
        return False
    seen: set[str] = set()
    for field_line in lines[i + 1 :]:
        field = _HEADER_FIELD.fullmatch(field_line.strip())
        if not field:
            return False
        seen.add(field[1].lower())
        if field[1].lower() == "subject":
            break
    return bool(seen & {"sent", "date"}) and {"to", "subject"} <= seen


def own_lines(text: str) -> list[str]:
    """The lines of a reply that the customer wrote: without the quoted message, stripped, blank
    lines left out."""
    lines = text.splitlines()
    own: list[str] = []
    i = 0
    while i < len(lines):
        if _header_block_at(lines, i):
            break
        header = _reply_header(lines, i)
        if header:
            i += header
            continue
        line = lines[i].strip()
        if line and not _QUOTED_LINE.match(line):
            own.append(line)
        i += 1
    return own


def approves(text: str) -> bool:
    """Whether a typed reply approves the request (see the module's text): once the quoted
    message and a plain sign-off are taken away, everything left is a yes with courtesy words."""
    said: list[str] = []
    state = "body"  # then "signed" (after a sign-off line), "named", "closed" (after a device line)
    contacts: set[str] = set()
    pending: list[str] | None = None  # a sign-off line that is courtesy alone ("Thanks!")
    for line in own_lines(text):
        if state == "closed":
            return False  # nothing after "Sent from my iPhone"
        if _DEVICE_LINE.fullmatch(line):
            state = "closed"
            continue
        if state == "named":
            kind = _contact_kind(line)
            if kind is None or kind in contacts:
                return False  # more than one e-mail and one phone line after the name
            contacts.add(kind)
            continue
        if state == "signed":
            if _is_name(line):
                state = "named"
                continue
            if pending is None:
                return False  # more than a name after the sign-off
            said += pending  # "Thanks!" then "Yes, go ahead": it was courtesy, not a sign-off
            state = "body"
        with_name = _SIGN_OFF_AND_NAME.fullmatch(line)
        if _SIGN_OFF.fullmatch(line):
            state, pending = "signed", _units(line)
            continue
        if with_name and _is_name(with_name["name"]):
            state = "named"
            continue
        units = _units(line)
        if units is None:
            return False
        said += units
    return "yes" in said
