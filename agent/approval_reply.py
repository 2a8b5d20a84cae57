"""Whether a typed or e-mailed answer to "Shall I go ahead?" is a plain yes, a clear refusal,
or neither: an allow-list for the yes.

Every line break a text may hold (CR, CRLF, vertical tab, form feed, the file, group and record
separators, NEL, U+2028, U+2029) is first made a plain "\n": no "line" hides inside another.

What is read:
- on the chat channel, the whole reply, as typed: no quote, no sign-off is taken away;
- on the e-mail channel, the customer's own words: the reply without the quoted message and a
  plain sign-off.

The words read approve only when every word is a yes-word, a yes-phrase or a short courtesy word
from the fixed lists below, at least one of them says yes, and nothing else is there: no digit,
no "?", no "/s", no symbol but a few punctuation marks and yes-emoji. "confirm" says yes only in
the first person ("I confirm", "Confirmed", "Confirm." alone): "Please confirm" or "can you
confirm" asks to be asked.

On e-mail, the quoted message is only:
- ">" lines after the customer's own text (a ">" line before any own text is read), and, when
  the e-mail that was sent is known (`ReplyContext.asked`), only ">" lines whose text is part of
  it; a reply header ("On <date>, <name> <email> wrote:") directly before such lines;
- a complete header block, "From: name <email>" (or an address), "Sent:"/"Date:", "To:" and
  "Subject:", after an optional "-----Original Message-----" or "____" rule: everything from
  there on. A rule alone, or a "From:" line alone, hides nothing: it is read.

A plain sign-off is a sign-off line ("Thanks,", "Best regards,", "--") alone, or followed by the
sender's own name as a `From:` header gives it (the reply's, or the original e-mail's:
`ReplyContext.sender`), its display name or its first name ("Thanks, Ada" on one line too), then
at most one labelled contact line per kind ("Tel: +1 555 0100", "Phone:", "Mobile:", "Email:",
or a bare e-mail address); a bare number is never one. Without a known sender name, nothing may
follow the sign-off line. "Sent from my iPhone" and the like may close the reply.

A clear refusal (`read` gives "reject") is a reply, not a yes, that holds a refusal word ("no",
"cancel", "don't", "stop", "reject", ...). Anything else is "unclear": the confirm step asks again.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

YES_WORDS = frozenset(
    """yes y yep yeah yup yea ok okay k kk confirmed approve approved agreed proceed sure
    correct fine send absolutely definitely certainly affirmative""".split()
)
"""Words that say yes on their own: "yes", "ok", "Confirmed.", "Send". "confirm" is not one:
"Please confirm" asks to be asked; "I confirm" is a phrase, and "Confirm." alone is taken too."""
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
    lovely and""".split()
)
"""Words that may stand beside a yes without changing it ("and" joins two yeses: "Yes, go ahead
and send it"; beside anything not on these lists the reply is still not a yes)."""
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
REFUSAL_WORDS = frozenset(
    """no nope nah nay cancel cancelled canceled cancelling stop reject rejected decline declined
    abort don't dont doesn't won't wont never nevermind refuse refused deny denied negative
    disregard withdraw wrong incorrect nein non nee""".split()
)
"""Words that make a reply that is not a yes a clear refusal ("No thanks", "Don't", "Cancel it")."""
REFUSAL_PHRASES = frozenset(
    tuple(p.split())
    for p in (
        "do not",
        "never mind",
        "not now",
        "hold off",
        "forget it",
        "my mind",
        "not correct",
        "not right",
    )
)
"""Phrases that do the same."""

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
_LINE_BREAKS = re.compile("\r\n|[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
"""Every line break `str.splitlines` knows: each becomes "\\n" before anything is read."""
_ORIGINAL_RULE = re.compile(r"-{3,}\s*original message\s*-{3,}", re.IGNORECASE)
_RULE = re.compile(r"_{10,}|-{10,}")
_EMAIL = r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"
_FROM_LINE = re.compile(rf"from:\s*(?:[^<>@]*<{_EMAIL}>|{_EMAIL})", re.IGNORECASE)
_HEADER_FIELD = re.compile(r"(sent|date|to|cc|bcc|subject|reply-to|importance):\s*\S.*", re.IGNORECASE)
_NAMED_FROM = re.compile(rf"\s*\"?(?P<name>[^\"<>@:]+?)\"?\s*<{_EMAIL}>\s*")
"""A `From:` value with a display name: `Ada Lovelace <ada@example.com>`."""
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
_NAME_WORD = re.compile(
    r"[A-Z][A-Za-z]*(?:['\u2019\-][A-Z]?[a-z]+)*\.?|[A-Z]\.(?:[A-Z]\.)*|van|von|de|der|da|di|du|la|le|del"
)
"""A word of a name: capitalised letters ("Ada", "O'Brien", "Mary-Jane", "A.", "J.R."), or a
particle ("van", "de")."""
_PHONE = (
    r"(?!\d{4}\s*[-./]\s*\d{1,2}\s*[-./]\s*\d{1,2}\b)"  # not a date: 2026-12-08
    r"(?!\d{1,2}\s*[-./]\s*\d{1,2}\s*[-./]\s*\d{2,4}\b)"  # 08.12.2026, 12/08/26
    r"(?!\d{1,2}[.:h]\d{2}\b)"  # not a time: 14.30, 14:30
    r"(?!\d{1,3}(?:[.,']\d{3})+$)"  # not an amount: 1.250.000
    r"\+?\d(?:[ ()\-.]{0,2}\d){6,}"  # seven digits or more
)
_CONTACT_LINE = re.compile(
    rf"(?P<phone>(?:tel|phone|mobile)\s*:\s*{_PHONE})|(?P<email>(?:e-?mail\s*:\s*)?{_EMAIL})", re.IGNORECASE
)
"""A contact line under the sender's name: a labelled phone number or an e-mail address."""


_DISMISSIVE = frozenset(
    tuple(p.split())
    for p in ("yeah yeah", "yea yea", "yep yep", "sure sure", "fine fine", "ok ok", "okay okay", "k k")
)
"""A yes said twice over, as a shrug ("Yeah, yeah."): not a plain yes."""


def _units(line: str) -> list[str] | None:
    """What a line of the customer's own words says, unit by unit ("yes" or "courtesy"), or None
    when it holds anything else: a word or phrase off the lists, a digit, a symbol."""
    line = _APPROVING_SYMBOLS.sub("", line).replace("\u2019", "'").replace("\u2018", "'")
    if not _PLAIN_WORDS.fullmatch(line) or ".." in line:
        return None
    if re.match(r"\s*'|.*'\W*$", line):  # 'Yes' in quotes: said as a quote, often in irony
        return None
    words = tuple(_WORD.findall(line.lower()))
    if set(itertools.pairwise(words)) & _DISMISSIVE:
        return None
    return _segment(words)


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


@dataclass(frozen=True)
class ReplyContext:
    """What a reply is read against: its channel and, on e-mail, what is known of the exchange."""

    channel: str = "chat"
    sender: str = ""
    """The `From:` value of the customer's original e-mail ("Ada Lovelace <ada@example.com>")."""
    asked: str = ""
    """The e-mail the reply answers, as sent: a ">" line is a quote only when it is part of it."""
    subject: str = ""
    """The subject of that e-mail: a reply's own "Subject:" header line may repeat it."""


CHAT = ReplyContext()
"""A reply read whole, as on the chat channel."""


def normalised(text: str) -> str:
    """`text` with every kind of line break made "\\n"."""
    return _LINE_BREAKS.sub("\n", text)


def sender_names(sender: str) -> frozenset[str]:
    """The names a `From:` value gives its sender, lower case: the display name and its first
    word ("Ada Lovelace <ada@example.com>": "ada lovelace", "ada"); none for a bare address."""
    named = _NAMED_FROM.fullmatch(sender)
    words = named["name"].split() if named else []
    if not 1 <= len(words) <= 4 or not all(_NAME_WORD.fullmatch(word) for word in words):
        return frozenset()  # not a name: "Do not send!" or "support team"
    name = " ".join(words).lower()
    lower = name.split()
    if set(lower) & (REFUSAL_WORDS | YES_WORDS) or set(itertools.pairwise(lower)) & REFUSAL_PHRASES:
        return frozenset()  # "Do Not Send", "Yes Ok": words that answer, not a name
    return frozenset({name, name.split()[0]})


def _is_when(text: str) -> bool:
    return bool(text) and all(_WHEN_WORD.fullmatch(w) for w in re.split(r"[\s,]+", text.strip()) if w)


def _own_header_block(lines: list[str], subject: str) -> tuple[str, int]:
    """The sender a reply's own header lines name ("From: Ada <ada@example.com>" on its first
    line, then only To/Cc with an address and a Subject repeating the one sent), and how many
    lines they take; ("", 0) when the reply starts with its words. Any other line ("Date:
    Friday") ends the header lines and is read."""
    first = lines[0].strip() if lines else ""
    if not _FROM_LINE.fullmatch(first):
        return "", 0
    sender = first.split(":", 1)[1].strip()
    size = 1
    for line in lines[1:]:
        name, _, value = line.strip().partition(":")
        name, value = name.strip().lower(), value.strip()
        if not line.strip():
            break
        addressed = name in ("to", "cc") and re.fullmatch(rf"[^<>@]*<{_EMAIL}>|{_EMAIL}", value) is not None
        if addressed or (
            name == "subject"
            and subject
            and re.sub(r"^(?:re:\s*)+", "", value, flags=re.I).lower()
            == re.sub(r"^(?:re:\s*)+", "", subject, flags=re.I).lower().strip()
        ):
            size += 1
        else:
            break
    return sender, size


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
        if not _A_DATE.search(when) or not _is_when(when):
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
    """Whether the quoted message starts at `lines[i]`: a complete header block (From: with an
    address, then Sent/Date, To and Subject), after an optional rule. A rule alone, or a "From:"
    line without the rest of the block, is not one."""
    line = lines[i].strip()
    if (_ORIGINAL_RULE.fullmatch(line) or _RULE.fullmatch(line)) and i + 1 < len(lines):
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


def _flat(text: str) -> str:
    return " ".join(text.replace("\u201c", '"').replace("\u201d", '"').split()).lower()


def _quotes_what_was_asked(block: list[str], asked: str) -> bool:
    """A block of ">" lines is part of the e-mail it answers: its text, lines joined, is found in
    that e-mail word for word, and is either a whole line of it or four words or more ("> no"
    is not a quote of "... or \u201cno\u201d and I will not")."""
    said = _flat(" ".join(re.sub(r"^(?:>\s?)+", "", line.strip()) for line in block))
    if not said:
        return True
    sent = _flat(asked)
    whole_line = said in {_flat(line) for line in asked.split("\n")}
    found = re.search(rf"(?<![\w'\"]){re.escape(said)}(?![\w'\"])", sent) is not None
    return found and (whole_line or len(said.split()) >= 4)


def own_lines(text: str, context: ReplyContext = CHAT) -> list[str]:
    """The lines of a reply read as the customer's own, stripped, blank lines left out: the whole
    reply on chat; on e-mail without a real quote and the reply's own header lines."""
    lines = normalised(text).split("\n")
    if context.channel != "email":
        return [line.strip() for line in lines if line.strip()]
    own: list[str] = []
    i = _own_header_block(lines, context.subject)[1]
    while i < len(lines):
        if own and _header_block_at(lines, i):
            break
        header = _reply_header(lines, i) if own else 0
        if header:
            i += header
            continue
        line = lines[i].strip()
        if own and _QUOTED_LINE.match(line):
            end = i
            while end < len(lines) and _QUOTED_LINE.match(lines[end].strip()):
                end += 1
            if not context.asked or _quotes_what_was_asked(lines[i:end], context.asked):
                i = end  # the quoted message
                continue
            # typed after ">", not a part of what was sent: read
        if line:
            own.append(line)
        i += 1
    return own


def _signed_off(lines: list[str], names: frozenset[str]) -> bool:
    """Whether `lines` (what follows a sign-off line) are a plain signature: nothing, or the
    sender's own name, then at most one labelled phone line and one e-mail line."""
    if not lines:
        return True
    if " ".join(lines[0].rstrip(",.").split()).lower() not in names:
        return False
    kinds: set[str] = set()
    for line in lines[1:]:
        contact = _CONTACT_LINE.fullmatch(line)
        kind = "phone" if contact and contact["phone"] else "email" if contact else None
        if kind is None or kind in kinds:
            return False
        if kind == "phone" and not 7 <= sum(c.isdigit() for c in line) <= 15:
            return False
        kinds.add(kind)
    return True


def _said(lines: list[str], names: frozenset[str]) -> list[str] | None:
    """What the lines say, unit by unit ("yes", "courtesy"), a plain sign-off and a closing
    device line taken away (e-mail); None when anything else is there."""
    if lines and _DEVICE_LINE.fullmatch(lines[-1]):
        lines = lines[:-1]
    said: list[str] = []
    for at, line in enumerate(lines):
        with_name = _SIGN_OFF_AND_NAME.fullmatch(line)
        if with_name and " ".join(with_name["name"].rstrip(",.").split()).lower() in names:
            return said if _signed_off([with_name["name"], *lines[at + 1 :]], names) else None
        if _SIGN_OFF.fullmatch(line) and _signed_off(lines[at + 1 :], names):
            return said
        units = _units(line)
        if units is None:
            return None
        said += units
    return said


def _names(text: str, context: ReplyContext) -> frozenset[str]:
    own_sender = _own_header_block(normalised(text).split("\n"), context.subject)[0]
    return sender_names(context.sender) | sender_names(own_sender)


def approves(text: str, context: ReplyContext = CHAT) -> bool:
    """Whether a typed reply approves the request (see the module's text): what is read, a plain
    sign-off taken away on e-mail, is a yes with courtesy words and nothing else."""
    lines = own_lines(text, context)
    if len(lines) == 1 and re.fullmatch(r"confirm[.!]?", lines[0], re.IGNORECASE):
        return True  # "Confirm." as the whole reply
    if context.channel != "email":
        said: list[str] | None = []
        for line in lines:
            units = _units(line)
            if units is None or said is None:
                return False
            said += units
    else:
        said = _said(lines, _names(text, context))
    return said is not None and "yes" in said


def refuses(text: str, context: ReplyContext = CHAT) -> bool:
    """Whether a reply holds a refusal word or phrase ("no", "cancel", "don't", "do not")."""
    words = _WORD.findall(" ".join(own_lines(text, context)).lower().replace("\u2019", "'"))
    pairs = set(itertools.pairwise(words))
    refusing_symbol = (
        re.search("[\U0001f44e\u274c\u2716\U0001f6ab]", text) is not None
    )  # thumbs down, crosses
    return refusing_symbol or any(word in REFUSAL_WORDS for word in words) or bool(pairs & REFUSAL_PHRASES)


def read(text: str, context: ReplyContext = CHAT) -> str:
    """ "approve" for a plain yes, "reject" for a clear refusal, "unclear" for anything else."""
    if approves(text, context):
        return "approve"
    return "reject" if refuses(text, context) else "unclear"
