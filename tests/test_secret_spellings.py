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
import re
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

from tests.servers import serve
from tools.action import ActionDefinition
from tools.executor import ActionExecutor, ExecutorSettings, StaticSecrets
from tools.outcome import OutcomeKind
from tools.redaction import MASK, Redactor

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
}


def _utf16(text: str) -> list[int]:
    data = text.encode("utf-16-be")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


# -- the oracle: every decoding of the output --------------------------------------------------

_B64_RUN = re.compile(r"[A-Za-z0-9+/_\-]{4,}")
_HEX_RUN = re.compile(r"[0-9A-Fa-f]{4,}")


def _json_unescape(text: str) -> str:
    try:
        return json.loads(f'"{text}"') if '"' not in text.replace('\\"', "") else text
    except ValueError:
        return text


def _x_unescape(text: str) -> str:
    return re.sub(
        r"(?:\\x[0-9a-fA-F]{2})+",
        lambda m: bytes.fromhex(m.group(0).replace("\\x", "")).decode("utf-8", "replace"),
        text,
    )


def _views(text: str) -> set[str]:
    views = {text}
    for _ in range(3):
        more = set()
        for v in views:
            more |= {unquote(v), unquote_plus(v), html.unescape(v), _json_unescape(v), _x_unescape(v)}
        views |= more
    return views


def _decoded_blobs(text: str) -> list[bytes]:
    found: list[bytes] = []
    for run in _B64_RUN.findall(text.replace("\\/", "/")):
        for skip in range(4):
            part = run[skip:]
            part = part[: len(part) - len(part) % 4]
            for decode in (base64.b64decode, base64.urlsafe_b64decode):
                try:
                    found.append(decode(part))
                except (binascii.Error, ValueError):
                    pass
    for run in _HEX_RUN.findall(text):
        for skip in range(2):
            part = run[skip:]
            found.append(bytes.fromhex(part[: len(part) - len(part) % 2]))
    return found


_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.S)
"""Comments and tags, as a person reading the page never sees them."""


def leaks(output: str, secret: str) -> bool:
    """Whether any decoding of `output`, in any case folding (`ß` and `SS` alike), or `output`
    with its tags removed, spells the secret."""
    folded = secret.casefold()
    views = _views(output) | _views(_TAG.sub("", output))
    if any(folded in view.casefold() for view in views):
        return True
    raw = secret.encode()
    return any(raw in blob or raw.lower() in blob.lower() for blob in _decoded_blobs(output))


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


def _number_gone(text: str, secret: str) -> bool:
    for run in re.findall(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?", text):
        try:
            if Decimal(run) == Decimal(secret):
                return False
        except InvalidOperation:
            pass
    return True


def test_numbers_that_are_not_a_secret_stay_numbers() -> None:
    redactor = Redactor(["98765432"])
    assert redactor.data({"n": 12, "f": 1.5, "b": True, "none": None}) == {
        "n": 12,
        "f": 1.5,
        "b": True,
        "none": None,
    }


@given(SECRETS)
@settings(max_examples=200, deadline=None)
def test_text_without_the_secret_is_untouched(secret: str) -> None:
    assume(secret.lower() not in "order ord-1001 shipped on 2026-12-07 to 10 downing st")
    text = "Order ORD-1001 shipped on 2026-12-07 to 10 Downing St"
    assert Redactor([secret]).text(text) == text


# -- end to end: what an API echoes never leaves the executor -------------------------------------

ECHOES = {
    "json number": b'{"account": 48213377201, "ok": true}',
    "json number, exponent": b'{"account": 4.8213377201e10}',
    "hex": b'{"trace": "' + b"48213377201".hex().encode() + b'"}',
    "x escapes": b'{"trace": "' + "".join(f"\\\\x{b:02x}" for b in b"48213377201").encode() + b'"}',
    "base64 in a blob": b'{"auth": "' + base64.b64encode(b"user:48213377201") + b'"}',
    "html hex without ;": b'{"n": "' + "".join(f"&#x{ord(c):x}" for c in "48213377201").encode() + b'"}',
}


async def test_an_echo_in_every_shape_reaches_neither_data_nor_summary_nor_excerpt() -> None:
    secret = "48213377201"

    async def echo(request: Request) -> Response:
        return Response(ECHOES[request.path_params["shape"]], media_type="application/json")

    with serve(Starlette(routes=[Route("/echo/{shape}", echo)])) as base:
        settings_ = ExecutorSettings(allow_hosts=(base.split("://")[1],))
        async with ActionExecutor(settings_, StaticSecrets({"account": secret})) as ex:
            for shape in ECHOES:
                action = ActionDefinition.model_validate(
                    {"name": "probe", "url": f"{base}/echo/{quote(shape)}", "trigger": "x"}
                )
                outcome = await ex.execute(action, {})
                assert outcome.kind is OutcomeKind.OK, (shape, outcome.summary)
                shown = json.dumps(outcome.model_dump(mode="json"))
                assert not leaks(shown, secret) and _number_gone(shown, secret), (shape, shown)


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
]


@pytest.mark.parametrize(("secret", "echoed"), CASE_FOLDED_ECHOES)
def test_a_secret_echoed_in_another_case_folding_is_masked(secret: str, echoed: str) -> None:
    for text in (f"id {echoed}.", f'{{"n": "{quote(echoed)}"}}', f"Straße {echoed} ß"):
        masked = Redactor([secret]).text(text)
        assert secret.casefold() not in unquote(masked).casefold(), masked
        assert MASK in masked
    assert Redactor([secret]).text("Straße ß SS") == "Straße ß SS"  # the rest as it was


TAG_SPLITS = {
    "inline tags": "s3cr<b>3t-T0k</b>en-99",
    "an empty comment": "s3cr3t-<!-- -->T0ken-99",
    "a comment holding >": "s3cr3t-<!-- a > b -->T0ken-99",
    "tags with attributes": "s3<span class='x'>cr3t</span>-T0<i data-x=\"1\">ken</i>-99",
    "a tag per character": "".join(f"<i>{c}</i>" for c in "s3cr3t-T0ken-99"),
    "tags and entities": "s3cr<b>&#51;t</b>-T0ken-99",
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
