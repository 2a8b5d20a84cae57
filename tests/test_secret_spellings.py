"""Every spelling of a secret an API may echo, for any secret, anywhere in a longer text.

The encodings are this test's own (written from the standards, not from the redactor): each is
applied to random secrets, embedded in random longer text or inside a longer encoded blob
(base64 of bytes around the secret starts the secret at any offset), and in JSON strings, keys
and numbers. The oracle decodes what the redactor returned with every decoder below and
looks for the secret in any letter case: nothing the output spells may give it back.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import quopri
import re
import sys
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from urllib.parse import quote, quote_plus, unquote, unquote_plus

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.servers import serve
from tools.action import ActionDefinition
from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
from tools.outcome import OutcomeKind
from tools.redaction import FORMAT_CHARS, MASK, Redactor

_ALPHABET = st.sampled_from(
    [
        *list(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
        ),
        "é",
        "ü",
        "ß",
        "ø",
        "中",
        "文",
        "😀",
        "€",
        "ı",  # dotless i, İ dotted capital I: Turkish upper- and lower-case them differently
        "İ",
        "Σ",  # a capital sigma lower-cases to ς at a word's end and σ elsewhere
        "ſ",  # long s: upper-cases to S
    ]
)
SECRETS = st.text(alphabet=_ALPHABET, min_size=8, max_size=32).filter(lambda s: s.strip() == s and s.strip())
FILLER = st.text(alphabet=st.sampled_from(list("abc XYZ 019 ,.:;\"'{}[]<>/\\&%+=-_\n")), max_size=24)


def _b64_blob(encode: Callable[[bytes], bytes], pad: bool) -> Callable[[str, bytes, bytes], str]:
    def spell(secret: str, before: bytes, after: bytes) -> str:
        text = encode(before + secret.encode() + after).decode()
        return text if pad else text.rstrip("=")

    return spell


def _only(spell: Callable[[str], str]) -> Callable[[str, bytes, bytes], str]:
    return lambda secret, before, after: spell(secret)


def _full_width(text: str) -> str:
    """ASCII letters, digits and signs as their full-width forms (U+FF01 to U+FF5E), a space
    as the ideographic space."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text)


def _quoted_printable_every_byte(text: str) -> str:
    """Every byte as `=HH`, a soft line break (`=` CR LF) after every third byte."""
    raw = text.encode()
    return "=\r\n".join("".join(f"={b:02X}" for b in raw[i : i + 3]) for i in range(0, len(raw), 3))


ENCODINGS: dict[str, Callable[[str, bytes, bytes], str]] = {
    "as is": _only(lambda s: s),
    "upper case": _only(str.upper),
    "case folded (ß as ss)": _only(str.casefold),
    "lower case": _only(str.lower),
    "percent, / kept": _only(lambda s: quote(s, safe="/")),
    "percent, all reserved": _only(lambda s: quote(s, safe="")),
    "percent, every byte": _only(lambda s: "".join(f"%{b:02X}" for b in s.encode())),
    "percent, lower-case hex": _only(lambda s: quote(s, safe="").lower()),
    "form, + for space": _only(lambda s: quote_plus(s, safe="")),
    "spaces as +": _only(lambda s: s.replace(" ", "+")),
    "json string": _only(lambda s: json.dumps(s)[1:-1]),
    "json, / escaped": _only(lambda s: json.dumps(s)[1:-1].replace("/", "\\/")),
    "json, every char \\u": _only(
        lambda s: json.dumps(s, ensure_ascii=True)[1:-1] and "".join(f"\\u{u:04x}" for u in _utf16(s))
    ),
    "\\x every byte": _only(lambda s: "".join(f"\\x{b:02x}" for b in s.encode())),
    "\\x upper-case hex": _only(lambda s: "".join(f"\\x{b:02X}" for b in s.encode())),
    "hex": _only(lambda s: s.encode().hex()),
    "hex upper case": _only(lambda s: s.encode().hex().upper()),
    "html decimal with ;": _only(lambda s: "".join(f"&#{ord(c)};" for c in s)),
    "html hex with ;": _only(lambda s: "".join(f"&#x{ord(c):x};" for c in s)),
    "html hex without ;": _only(lambda s: "".join(f"&#x{ord(c):x}" for c in s)),
    "html decimal without ;": _only(lambda s: "".join(f"&#{ord(c)}" for c in s)),
    "html escape": _only(lambda s: html.escape(s)),
    "percent twice": _only(lambda s: quote(quote(s, safe=""), safe="")),
    "percent inside json \\u": _only(lambda s: "".join(f"\\u{ord(c):04x}" for c in quote(s, safe=""))),
    "base64 in a blob": _b64_blob(base64.b64encode, True),
    "base64 in a blob, unpadded": _b64_blob(base64.b64encode, False),
    "url-safe base64 in a blob": _b64_blob(base64.urlsafe_b64encode, False),
    "base64 in a blob, json-escaped /": lambda s, b, a: json.dumps(
        base64.b64encode(b + s.encode() + a).decode()
    )[1:-1].replace("/", "\\/"),
    "Turkish upper case": _only(lambda s: s.replace("i", "İ").replace("ı", "I").upper()),
    "Turkish lower case": _only(lambda s: s.replace("I", "ı").replace("İ", "i").lower()),
    "hex, bytes separated by :": _only(lambda s: s.encode().hex(":")),
    "hex, bytes separated by -, upper case": _only(lambda s: s.encode().hex("-").upper()),
    "hex, bytes separated by a space": _only(lambda s: s.encode().hex(" ")),
    "octal escapes": _only(lambda s: "".join(f"\\{b:03o}" for b in s.encode())),
    "quoted-printable": _only(lambda s: binascii.b2a_qp(s.encode()).decode()),
    "quoted-printable, every byte, soft line breaks": _only(_quoted_printable_every_byte),
    "zero-width space between characters": _only("\u200b".join),
    "soft hyphen between characters": _only("\u00ad".join),
    "word joiner and byte order mark between characters": _only(
        lambda s: "".join(c + "\u2060\ufeff"[i % 2] for i, c in enumerate(s))
    ),
    "full-width characters": _only(_full_width),
    "full-width and upper case": _only(lambda s: _full_width(s.upper())),
    "decomposed accents (NFD)": _only(lambda s: unicodedata.normalize("NFD", s)),
}


def _b64_of(
    encode: Callable[[bytes], bytes], escape: Callable[[str], str]
) -> Callable[[str, bytes, bytes], str]:
    """Base64 of a longer blob holding the secret in another byte spelling (a pagination cursor
    of the percent-encoded value, a JWT payload of the JSON-escaped value), unpadded."""
    return lambda s, b, a: encode(b + escape(s).encode() + a).decode().rstrip("=")


def _cdata_split(secret: str, before: bytes, after: bytes) -> str:
    """The secret split by a CDATA section of an XML or HTML page, at a place `before` picks."""
    cut = 1 + len(before) % (len(secret) - 1)
    return f"{secret[:cut]}<![CDATA[{secret[cut:]}]]>"


ENCODINGS |= {
    "base64 of the percent-encoded value in a blob (a cursor)": _b64_of(
        base64.b64encode, lambda s: "page=2&key=" + quote(s, safe="")
    ),
    "url-safe base64 of the percent-encoded value, / kept": _b64_of(
        base64.urlsafe_b64encode, lambda s: quote(s, safe="/")
    ),
    "base64 of the form-encoded value in a blob": _b64_of(
        base64.b64encode, lambda s: "q=" + quote_plus(s, safe="")
    ),
    "url-safe base64 of a JSON payload, ASCII-escaped (a JWT)": _b64_of(
        base64.urlsafe_b64encode, lambda s: json.dumps({"sub": "u1", "api_key": s})
    ),
    "url-safe base64 of a JSON payload, UTF-8": _b64_of(
        base64.urlsafe_b64encode, lambda s: json.dumps({"k": s}, ensure_ascii=False)
    ),
    "base64 of the JSON-escaped value, / escaped": _b64_of(
        base64.b64encode, lambda s: json.dumps(s)[1:-1].replace("/", "\\/")
    ),
    "split by a CDATA section": _cdata_split,
}


def _utf16(text: str) -> list[int]:
    data = text.encode("utf-16-be")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


# -- the oracle: every decoding of the output --------------------------------------------------

_B64_RUN = re.compile(r"[A-Za-z0-9+/_\-]{4,}")
_HEX_RUN = re.compile(r"[0-9A-Fa-f]{4,}")
_SEPARATED_HEX = re.compile(r"[0-9A-Fa-f]{2}(?:[-: ][0-9A-Fa-f]{2})+")
_INVISIBLE = re.compile(
    "["
    + "".join(re.escape(chr(c)) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf")
    + "]"
)
"""Unicode's format characters (category Cf), from the Unicode database."""


def _fold(text: str) -> str:
    """`text` as a reader compares letters: without invisible format characters, in NFKC
    (full-width letters, ligatures, composed accents) and case folded, both Turkish i's as i."""
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).casefold())
    return text.replace("i\u0307", "i").replace("ı", "i")


_JSON_SIMPLE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _json_unescape(text: str) -> str:
    """JSON's string escapes decoded wherever they are (a whole document too)."""

    def one(match: re.Match[str]) -> str:
        escape = match.group(1)
        if escape.startswith("u"):
            return chr(int(escape[1:], 16))
        return _JSON_SIMPLE.get(escape, escape)

    decoded = re.sub(r'\\(u[0-9a-fA-F]{4}|["\\/bfnrt])', one, text)
    return decoded.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _x_unescape(text: str) -> str:
    return re.sub(
        r"(?:\\x[0-9a-fA-F]{2})+",
        lambda m: bytes.fromhex(m.group(0).replace("\\x", "")).decode("utf-8", "replace"),
        text,
    )


def _octal_unescape(text: str) -> str:
    return re.sub(
        r"(?:\\[0-7]{3})+",
        lambda m: bytes(int(o, 8) for o in m.group(0).split("\\")[1:]).decode("utf-8", "replace"),
        text,
    )


def _qp_unescape(text: str) -> str:
    return quopri.decodestring(text.encode()).decode("utf-8", "replace")


def _views(text: str) -> set[str]:
    views = {text}
    for _ in range(3):
        more = set()
        for v in views:
            more |= {unquote(v), unquote_plus(v), html.unescape(v), _json_unescape(v), _x_unescape(v)}
            more |= {_octal_unescape(v), _qp_unescape(v)}
        views |= more
    return views


def _blob_views(blob: bytes) -> set[str]:
    """A decoded blob as text, and that text with one layer of URL, form, JSON or HTML escapes
    decoded (what a cursor or a JWT payload holds)."""
    text = blob.decode("utf-8", "replace")
    return {text, unquote(text), unquote_plus(text), _json_unescape(text), html.unescape(text)}


def _decoded_blobs(text: str) -> list[bytes]:
    found: list[bytes] = []
    for run in _B64_RUN.findall(text.replace("\\/", "/")):
        for skip in range(4):
            part = run[skip:]
            part = part[: len(part) - 1] if len(part) % 4 == 1 else part + "=" * (-len(part) % 4)
            for decode in (base64.b64decode, base64.urlsafe_b64decode):
                try:
                    found.append(decode(part))
                except (binascii.Error, ValueError):
                    pass
    for run in _HEX_RUN.findall(text) + _SEPARATED_HEX.findall(text):
        run = re.sub("[-: ]", "", run)
        for skip in range(2):
            part = run[skip:]
            found.append(bytes.fromhex(part[: len(part) - len(part) % 2]))
    return found


_TAG = re.compile(r"<!\[CDATA\[(.*?)\]\]>|<!--.*?-->|<[^>]*>", re.S)
"""CDATA sections (their content is text), comments and tags, as a person reading the page
sees them."""


def _without_tags(text: str) -> str:
    return _TAG.sub(lambda m: m.group(1) or "", text)


def leaks(output: str, secret: str) -> bool:
    """Whether any decoding of `output`, in any letter case or case folding (`ß` and `SS`
    alike, `KAPI` for `kapı`), with its format characters removed or in NFKC (full-width
    letters), or `output` with its tags removed, spells the secret."""
    variants = {_fold(v) for v in (secret, secret.upper(), secret.lower())}
    views = _views(output) | _views(_without_tags(output))
    if any(v in _fold(view) for view in views for v in variants):
        return True
    raw = secret.encode()
    blobs = _decoded_blobs(output)
    if any(raw in blob or raw.lower() in blob.lower() for blob in blobs):
        return True
    return any(v in _fold(view) for blob in blobs for view in _blob_views(blob) for v in variants)


# -- properties ----------------------------------------------------------------------------------

ENCODING = st.sampled_from(sorted(ENCODINGS))
BYTES_AROUND = st.binary(max_size=5)


@given(SECRETS, ENCODING, FILLER, FILLER, BYTES_AROUND, BYTES_AROUND)
@settings(max_examples=1500, deadline=None)
@example("Tok en/+=9fQ7", "form, + for space", "x", "y", b"", b"")
@example("s3cret-value-9", "base64 in a blob", "", "", b"user:", b"")
@example("s3cret-value-9", "html hex without ;", "a", "", b"", b"")
@example("Straße-Tok3n-77", "upper case", "x", "", b"", b"")
@example("Straße-Tok3n-77", "as is", "<b>x", "</b>", b"", b"")
def test_every_encoding_of_a_secret_in_a_longer_text_is_masked(
    secret: str, encoding: str, before: str, after: str, blob_before: bytes, blob_after: bytes
) -> None:
    spelled = ENCODINGS[encoding](secret, blob_before, blob_after)
    masked = Redactor([secret]).text(before + spelled + after)
    assert not leaks(masked, secret), (encoding, masked)


@given(SECRETS, ENCODING, BYTES_AROUND)
@settings(max_examples=600, deadline=None)
def test_every_encoding_in_a_json_string_value_and_key_is_masked(
    secret: str, encoding: str, around: bytes
) -> None:
    spelled = ENCODINGS[encoding](secret, around, b"")
    masked = Redactor([secret]).data({"note": f"id {spelled}.", spelled: [spelled, {"k": spelled}]})
    assert not leaks(json.dumps(masked, ensure_ascii=False), secret)


NUMERIC_SECRETS = st.integers(min_value=10**5, max_value=10**30).map(str) | st.decimals(
    min_value=1000, max_value=10**12, places=3, allow_nan=False, allow_infinity=False
).map(str)


def _grouped(secret: str) -> set[str]:
    """The secret's digits grouped by three, as people and locales write numbers."""
    commas = format(Decimal(secret), ",")
    return {
        commas,  # 48,213,377,201.5
        commas.replace(",", "_"),  # 48_213_377_201.5
        commas.replace(",", " "),  # 48 213 377 201.5
        commas.replace(",", "\u202f").replace(".", ","),  # French: narrow no-break spaces, 201,5
        commas.replace(",", "\u00a0"),  # no-break spaces
        commas.replace(",", "x").replace(".", ",").replace("x", "."),  # German: 48.213.377.201,5
        commas.replace(",", "'"),  # Swiss: 48'213'377'201.5
    }


def _as_a_double(secret: str) -> set[str]:
    """What printers of a double write for the secret's value: JavaScript's `String(n)` and
    `JSON.stringify` (the shortest digits that read back, padded with zeros below 1e21), C's
    `%.0f` and `%.17g`, Python's `repr`."""
    value = float(secret)
    javascript = f"{Decimal(repr(value)):f}" if abs(value) < 1e21 else repr(value)
    return {javascript, f"{value:.0f}", f"{value:.17g}", repr(value)}


@given(NUMERIC_SECRETS, FILLER)
@settings(max_examples=400, deadline=None)
def test_a_numeric_secret_echoed_as_a_json_number_is_masked(secret: str, filler: str) -> None:
    value = json.loads(secret)  # the number an API writes
    redactor = Redactor([secret])
    masked = redactor.data({"account": value, "list": [value], "text": f"{filler}{secret}"})
    assert masked["account"] == MASK and masked["list"] == [MASK]
    assert not leaks(masked["text"], secret)
    for spelled in {json.dumps(value), repr(float(value)), f"{float(value):e}", f"{Decimal(secret):E}"}:
        assert _number_gone(redactor.text(f'{{"n": {spelled}}}'), secret), spelled
    if len(Decimal(secret).normalize().as_tuple().digits) >= 16:  # a double rounds it
        for spelled in _as_a_double(secret):
            assert _number_gone(redactor.text(f'{{"n": {spelled}}}'), secret), spelled
            parsed = json.loads(spelled)  # the number as a JSON parser reads it
            assert redactor.data({"n": parsed}) == {"n": MASK}, spelled
    for spelled in _grouped(secret):
        assert _number_gone(redactor.text(f"{filler}total {spelled} {filler}"), secret), spelled


_A_NUMBER = re.compile(r"-?\d+(?:[,._' \u00a0\u202f]\d{3})*(?:[.,]\d+)?(?:[eE][+-]?\d+)?")
"""A number, its digits perhaps grouped by three."""


def _number_gone(text: str, secret: str) -> bool:
    """Whether no number in `text` is the secret's: equal in value (however its digits are
    grouped), or, for a secret of 16 or more digits, the same double."""
    wanted = Decimal(secret)
    long = len(wanted.normalize().as_tuple().digits) >= 16
    for match in _A_NUMBER.finditer(text):
        run = match.group(0)
        readings = {
            re.sub(r"[,_' \u00a0\u202f]", "", run),
            re.sub(r"[._' \u00a0\u202f]", "", run).replace(",", "."),
        }
        for reading in readings:
            try:
                number = Decimal(reading)
            except InvalidOperation:
                continue
            if number == wanted or (long and float(number) == float(wanted)):
                return False
    return True


def test_a_long_numeric_secret_masks_only_numbers_of_the_same_double() -> None:
    redactor = Redactor(["12345678901234567890"])
    text = "near 12345678901234569999, shorter 1234567890123456789, 1.2345678901234569e+19"
    assert redactor.text(text) == text
    assert redactor.data({"a": 12345678901234569999, "b": 1234567890123456789}) == {
        "a": 12345678901234569999,
        "b": 1234567890123456789,
    }
    assert redactor.text("id 12345678901234567000 or 12345678901234567168.") == f"id {MASK} or {MASK}."
    assert redactor.data({"a": 12345678901234567000, "b": 1.2345678901234567e19}) == {"a": MASK, "b": MASK}


def test_numbers_that_are_not_a_secret_stay_numbers() -> None:
    redactor = Redactor(["98765432"])
    assert redactor.data({"n": 12, "f": 1.5, "b": True, "none": None}) == {
        "n": 12,
        "f": 1.5,
        "b": True,
        "none": None,
    }


ORDINARY_TEXTS = [
    "Order ORD-1001 shipped on 2026-12-07 to 10 Downing St",
    "Größe ﬁt: İstanbul, IŞIK, Straße ſ ΟΔΟΣ ｆｕｌｌ ｗｉｄｔｈ é é 한국 co\u00adop\u200bx \ufeffend",
    "total 1,234,567.89 € (1 234 567,89), id 12345678901234567000, a=3D&b=41 C:\\101\\x41 =\r\n",
    'path=C:\\Users\\101\\files&q=%41 {"mac": "de:ad:be:ef:00:01", "n": 1.2345678901234567e+19}',
    "cursor eyJwYWdlIjogMiwgInNpemUiOiA1MH0= next https://api.example.com/v1/orders/ORD-1001/items_all"
    " c=cGFnZT0yJmtleT1hYmMlMkZkZWY%3D&s=a%2Fb\\/c",
]


@given(SECRETS | NUMERIC_SECRETS, st.sampled_from(ORDINARY_TEXTS))
@settings(max_examples=300, deadline=None)
def test_text_without_the_secret_is_untouched(secret: str, text: str) -> None:
    numeric = re.fullmatch(r"\d+(?:\.\d+)?", secret)
    assume(not leaks(text, secret) and (not numeric or _number_gone(text, secret)))
    assert Redactor([secret]).text(text) == text


def test_the_format_characters_are_unicodes() -> None:
    listed = {c for low, high in FORMAT_CHARS for c in range(low, high + 1)}
    assert listed == {c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}


def test_a_secret_among_characters_that_fold_longer_or_vanish_is_masked_in_place() -> None:
    """The masked span is the echo's own characters: what folds longer (`ß`, `ﬁ`, `é`, `한`)
    or vanishes (a soft hyphen) before and after it stays as it was."""
    before, after = "Größe ﬁx co\u00adop é 한 İ: ", " \u200bß\u00ad ok"
    for secret, echoed in [
        ("s3cr3t-Tok_en.42", "\u200b".join("s3cr3t-Tok_en.42")),
        ("s3cr3t-Tok_en.42", _full_width("S3CR3T-TOK_EN.42")),
        ("Straße-Tök3n", "STRASSE-TO\u0308K3N"),
        ("İzmir-42-key", "izmir-42-key"),
    ]:
        assert Redactor([secret]).text(before + echoed + after) == before + MASK + after, echoed


# -- end to end: what an API echoes never leaves the executor -------------------------------------

_TOKEN = "s3cr3t-Tok_en.42"


def _note(text: str) -> bytes:
    return json.dumps({"note": f"echo {text} end"}, ensure_ascii=False).encode()


_KEY = 'p@ss/w+rd!x9"Q\\z'
"""A secret with URL-reserved characters, a quote and a backslash: escaped in every encoding."""


def _jwt(payload: dict[str, str]) -> str:
    """A JWT-style token: base64url (unpadded) of a JSON header and of a JSON payload."""

    def segment(part: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")

    return f"{segment({'alg': 'HS256'})}.{segment(payload)}.c2lnbmF0dXJl"


ECHOES = {
    "a pagination cursor: base64 of the percent-encoded key": json.dumps(
        {"items": [], "next_cursor": base64.b64encode(f"page=2&key={quote(_KEY, safe='')}".encode()).decode()}
    ).encode(),
    "a next link holding the cursor percent-encoded": json.dumps(
        {
            "next": "https://api.example.com/items?c="
            + quote(base64.b64encode(quote(_KEY).encode()).decode(), safe="")
        }
    ).encode(),
    "a JWT whose payload holds the key JSON-escaped": json.dumps(
        {"session": _jwt({"sub": "u1", "api_key": _KEY})}
    ).encode(),
    "a JWT whose payload holds a non-ASCII password as \\u escapes": json.dumps(
        {"session": _jwt({"sub": "u1", "password": "pass-ΛΟΓΟΣ"})}
    ).encode(),
    "an HTML message with the key split by a CDATA section": json.dumps(
        {"message": f"<p>Bad key: {_KEY[:5]}<![CDATA[{_KEY[5:]}]]></p>"}
    ).encode(),
    "json number": b'{"account": 48213377201, "ok": true}',
    "json number, exponent": b'{"account": 4.8213377201e10}',
    "hex": b'{"trace": "' + b"48213377201".hex().encode() + b'"}',
    "x escapes": b'{"trace": "' + "".join(f"\\\\x{b:02x}" for b in b"48213377201").encode() + b'"}',
    "base64 in a blob": b'{"auth": "' + base64.b64encode(b"user:48213377201") + b'"}',
    "html hex without ;": b'{"n": "' + "".join(f"&#x{ord(c):x}" for c in "48213377201").encode() + b'"}',
    "thousands separators": _note(
        "48,213,377,201 / 48 213 377 201 / 48_213_377_201 / 48\u202f213\u202f377\u202f201"
    ),
    "a 20-digit number as JavaScript writes it": b'{"id": 12345678901234567000, "n": 1.2345678901234567e+19}',
    "colon-separated hex": _note(_TOKEN.encode().hex(":")),
    "octal escapes": _note("".join(f"\\{b:03o}" for b in _TOKEN.encode())),
    "quoted-printable with soft breaks": _note(_quoted_printable_every_byte(_TOKEN)),
    "zero-width spaces": _note("\u200b".join(_TOKEN)),
    "soft hyphens": _note("\u00ad".join(_TOKEN)),
    "full-width": _note(_full_width(_TOKEN)),
    "dotless i upper-cased": _note("KAPI-ANAHTAR-7"),
    "dotted I lower-cased": _note("i̇zmir-42-key"),
    "final sigma beside a dotted I": _note("İstanbul: password pass-ΛΟΓΟΣ rejected"),
}
ECHOED_SECRETS = {
    "key": _KEY,
    "account": "48213377201",
    "id": "12345678901234567890",
    "token": _TOKEN,
    "door": "kapı-anahtar-7",
    "city": "İzmir-42-key",
    "password": "pass-ΛΟΓΟΣ",
}


@pytest.mark.parametrize("shape", sorted(s for s in ECHOES if "number" not in s))
def test_every_echo_shape_spells_a_secret(shape: str) -> None:
    """What the end-to-end test below sends does hold a secret, as the oracle reads it (the
    JSON numbers are read as numbers by the executor, not as text)."""
    body = ECHOES[shape].decode()
    assert any(leaks(body, s) or (s.isdigit() and not _number_gone(body, s)) for s in ECHOED_SECRETS.values())


@pytest.mark.parametrize(("status", "media_type"), [(200, "application/json"), (502, "text/plain")])
async def test_an_echo_in_every_shape_reaches_neither_data_nor_summary_nor_excerpt(
    status: int, media_type: str
) -> None:
    async def echo(request: Request) -> Response:
        return Response(ECHOES[request.path_params["shape"]], status_code=status, media_type=media_type)

    with serve(Starlette(routes=[Route("/echo/{shape}", echo)])) as base:
        settings_ = ExecutorSettings(allow_hosts=(base.split("://")[1],))
        async with ActionExecutor(settings_, StaticSecrets(ECHOED_SECRETS)) as ex:
            for shape in ECHOES:
                action = ActionDefinition.model_validate(
                    {"name": "probe", "url": f"{base}/echo/{quote(shape)}", "trigger": "x"}
                )
                outcome = await ex.execute(action, {})
                expected = OutcomeKind.OK if status == 200 else OutcomeKind.HTTP_ERROR
                assert outcome.kind is expected, (shape, outcome.summary)
                shown = json.dumps(outcome.model_dump(mode="json"), ensure_ascii=False)
                for secret in ECHOED_SECRETS.values():
                    assert not leaks(shown, secret), (shape, secret, shown)
                    if re.fullmatch(r"\d+", secret):
                        assert _number_gone(shown, secret), (shape, secret, shown)


@pytest.mark.parametrize("status", [200, 500, 502])
async def test_a_secret_across_the_cut_of_an_excerpt_leaves_no_piece(status: int) -> None:
    """The error data is cut at 600 characters and the excerpt at 2,000: a secret echoed across
    either cut is masked before the cut, so no prefix of it reaches the outcome."""
    secret = "s3cr3tT0k3nXYZ7781"

    async def echo(request: Request) -> Response:
        offset = int(request.path_params["offset"])
        body = "A" * offset + secret + " and more text after it " * 200
        return Response(body, status_code=status, media_type="text/plain")

    with serve(Starlette(routes=[Route("/at/{offset}", echo)])) as base:
        settings_ = ExecutorSettings(allow_hosts=(base.split("://")[1],))
        async with ActionExecutor(settings_, StaticSecrets({"TOKEN": secret})) as ex:
            for offset in (583, 590, 596, 1983, 1992, 1996):
                action = ActionDefinition.model_validate(
                    {"name": "probe", "url": f"{base}/at/{offset}", "trigger": "x"}
                )
                shown = json.dumps((await ex.execute(action, {})).model_dump(mode="json"))
                pieces = [secret[:n] for n in range(6, len(secret) + 1)]
                assert not [p for p in pieces if p in shown], (offset, status)


# -- the text as a person reads it: case folding and tags ----------------------------------------

CASE_FOLDED_ECHOES = [
    ("Straße-Tok3n-77", "STRASSE-TOK3N-77"),
    ("Straße-Tok3n-77", "strasse-tok3n-77"),
    ("KLASSE-Tok3n-77", "klaße-tok3n-77"),
    ("KLASSE-Tok3n-77", "KLAẞE-TOK3N-77"),  # capital sharp s
    ("sesame-Tok3n-77", "ſeſame-tok3n-77"),  # long s
    ("Kelvin-Tok3n-77", "\u212aelvin-tok3n-77"),  # Kelvin sign
    ("ﬁnal-Tok3n-77", "FINAL-TOK3N-77"),  # the fi ligature
    ("kapı-anahtar-7", "KAPI-ANAHTAR-7"),  # dotless i upper-cases to I, which folds to i
    ("kapı-anahtar-7", "kapi-anahtar-7"),
    ("ſecret-long-s", "SECRET-LONG-S"),
    ("İzmir-42-key", "i̇zmir-42-key"),  # Python's lower(): an i and a combining dot above
    ("İzmir-42-key", "izmir-42-key"),  # Turkish lower case
    ("İzmir-42-key", "İZMİR-42-KEY"),
    ("İzmir-42-key", "IZMIR-42-KEY"),
    ("pass-ΛΟΓΟΣ", "pass-λογοσ_suffix"),  # σ where lower() would write ς
    ("pass-λόγος", "PASS-ΛΌΓΟΣX"),
]


@pytest.mark.parametrize(("secret", "echoed"), CASE_FOLDED_ECHOES)
def test_a_secret_echoed_in_another_case_folding_is_masked(secret: str, echoed: str) -> None:
    for text in (
        f"id {echoed}.",
        f'{{"n": "{quote(echoed)}"}}',
        f"Straße {echoed} ß",
        f"İstanbul {echoed} İ",
    ):
        masked = Redactor([secret]).text(text)
        assert not leaks(masked, secret), masked
        assert MASK in masked
    assert Redactor([secret]).text("Straße ß SS İ") == "Straße ß SS İ"  # the rest as it was


TAG_SPLITS = {
    "inline tags": "s3cr<b>3t-T0k</b>en-99",
    "an empty comment": "s3cr3t-<!-- -->T0ken-99",
    "a comment holding >": "s3cr3t-<!-- a > b -->T0ken-99",
    "tags with attributes": "s3<span class='x'>cr3t</span>-T0<i data-x=\"1\">ken</i>-99",
    "a tag per character": "".join(f"<i>{c}</i>" for c in "s3cr3t-T0ken-99"),
    "tags and entities": "s3cr<b>&#51;t</b>-T0ken-99",
    "a CDATA section": "s3cr3t-<![CDATA[T0ken-99]]>",
    "CDATA sections and a tag": "s3<![CDATA[cr3t]]><b>-T0</b><![CDATA[ken-99]]>",
}
TAG_SECRET = "s3cr3t-T0ken-99"


@pytest.mark.parametrize("shape", sorted(TAG_SPLITS))
def test_a_secret_split_by_html_tags_is_masked(shape: str) -> None:
    masked = Redactor([TAG_SECRET]).text(f"<p>Your key: {TAG_SPLITS[shape]} (keep it)</p>")
    assert not leaks(masked, TAG_SECRET), masked


@pytest.mark.parametrize("status", [200, 502])
async def test_a_secret_split_by_html_tags_reaches_neither_data_nor_excerpt(status: int) -> None:
    async def page(request: Request) -> Response:
        split = TAG_SPLITS[request.path_params["shape"]]
        body = f"<html><body><h1>Error</h1><p>token {split} was refused</p></body></html>"
        return Response(body, status_code=status, media_type="text/html")

    with serve(Starlette(routes=[Route("/p/{shape}", page)])) as base:
        settings_ = ExecutorSettings(allow_hosts=(base.split("://")[1],))
        async with ActionExecutor(settings_, StaticSecrets({"TOKEN": TAG_SECRET})) as ex:
            for shape in TAG_SPLITS:
                action = ActionDefinition.model_validate(
                    {"name": "probe", "url": f"{base}/p/{quote(shape)}", "trigger": "x"}
                )
                outcome = await ex.execute(action, {})
                shown = outcome.model_dump(mode="json")
                for text in (outcome.excerpt or "", json.dumps(shown["data"]), outcome.summary):
                    assert not leaks(text, TAG_SECRET), (shape, text)
                    assert TAG_SECRET not in " ".join(text.split()).replace(" ", ""), (shape, text)


def test_a_secret_in_parts_echoed_with_other_separators_is_masked() -> None:
    """An API may echo a key written in parts with its separators changed or gone."""
    from tools.redaction import Redactor

    redactor = Redactor(["Zq7-Wmx-4431-PLUM"])
    for echoed in ("Zq7 Wmx 4431 PLUM", "zq7_wmx_4431_plum", "Zq7Wmx4431PLUM", "Zq7.Wmx.4431.PLUM"):
        assert redactor.text(f"key {echoed} refused") == "key *** refused", echoed
    assert redactor.text("Zq7 and PLUM alone") == "Zq7 and PLUM alone"
