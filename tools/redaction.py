"""`Redactor`: the one place secret values are masked, whatever form an API echoes them in.

Three mechanisms, each linear in the text's length:

* **Spellings.** Each secret is searched for in a fixed table of encodings of it
  (`SPELLINGS`), in any letter case: the value itself, and upper- and lower-cased; percent-
  encoded (`/` kept or not); form encoded (`+` for a space, and the value with only its spaces
  as `+`); the hex of its UTF-8 bytes, run together or each byte separated by `:`, `-` or a
  space; base64 and URL-safe base64 of those bytes at each of the three byte offsets a longer
  encoded blob may put them at (the characters that depend on the secret alone); and, for a
  numeric secret, its digits with a decimal point at every place and without leading zeros
  (so `482.13377201` is found for `48213377201`), in groups of three (`48,213,377,201`,
  `48 213 377 201`, `48_213_377_201`, `48.213.377.201`, `48'213'377'201`), and, with 16 or
  more significant digits, as printers of doubles write it (`12345678901234567000` for
  `12345678901234567890`); a number in exponent notation is compared with a numeric secret by
  value, and any number is compared with a long one as a double. All spellings of all secrets
  are one trie-shaped expression run over the text folded (`_fold`): format characters
  (category Cf: soft hyphen, zero-width space ...) removed, `İ` and `ı` as `i`, in Unicode
  compatibility decomposition (NFKD: full-width `ｓ` is `s`, accents however composed) and case
  folded (`ß` and `SS` both `ss`); the span is mapped back to the text's own characters, and
  every occurrence is masked, overlapping ones included. Each view costs only where it can
  apply: ASCII text is only lower-cased.
* **A decoded view.** Escaping may cover any character, so the text is also searched after
  its escapes are decoded, repeatedly (double encoding): JSON `\\uXXXX` (surrogate pairs too)
  and `\\/` `\\"` ..., `\\xHH` runs and runs of two or more three-digit octal `\\ooo` (as UTF-8), `%HH` (as
  UTF-8), HTML character references with or without `;` and named entities, quoted-printable
  (`=HH` runs as UTF-8, soft line breaks removed); and the text as a person reads it, comments
  and tags removed, CDATA sections unwrapped (`sec<b>ret</b>`, `sec<![CDATA[ret]]>`,
  `tools.html_text.without_tags`). If a secret only appears in the decoded view, the decoded
  text (masked) is returned instead of the original: a little less faithful to the bytes the
  API sent, never a leak.
* **Base64 blobs decoded.** Each run of 12 or more base64 or URL-safe base64 characters (`/`
  perhaps written `\\/` or `%2F`, `+` as `%2B`) is decoded from each of its first four
  characters (a blob may start anywhere in the run), as UTF-8, and read by the two mechanisms
  above: so a pagination cursor of the percent- or form-encoded secret, or a JWT payload holding
  it JSON-escaped, is found, and the run is masked whole. One round (base64 of base64 is not
  read), and only the first `_BASE64_VIEW_CHARS` characters of runs of one text.

Not covered: a secret in pieces (a list of its characters, two fields, two numbers), base64
of base64, and the shapes the README lists.

`data` applies `text` to every string and key of a JSON-like value, and masks a number whose
value is a numeric secret (or, for one of 16 or more digits, the same double) or whose digits
hold one. `storable` makes a value that came from outside safe to store anywhere
(checkpoints, PostgreSQL JSON, msgpack).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import html
import math
import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from itertools import accumulate, repeat
from typing import Any
from urllib.parse import quote, quote_plus, unquote

from .html_text import without_tags

__all__ = ["MASK", "SPELLINGS", "Redactor", "storable"]

MASK = "***"
KEY_SECRET_MIN_CHARS = 4
"""Secrets shorter than this are masked in values only, never inside keys."""
MIN_SPELLING_CHARS = 4
"""Encoded spellings shorter than this are not searched (the value itself always is)."""
_ESCAPES = re.compile(
    r"\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\[/\"\\bfnrt]|\\[0-3][0-7]{2}|%[0-9a-fA-F]{2}|&#[xX]?[0-9a-fA-F]"
    r"|&\w+;?|<[^<>]*>|=[0-9A-Fa-f]{2}|=\r?\n"
)
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\([/\"\\bfnrt])")
_X_ESCAPES = re.compile(r"(?:\\x[0-9a-fA-F]{2})+")
_OCTAL_ESCAPES = re.compile(r"(?:\\[0-3][0-7]{2}){2,}")
"""Two or more octal escapes in a row: one alone (`\\055`) is not decoded, so that a text of
many single ones costs no more than one pass."""
_SIMPLE = {"/": "/", '"': '"', "\\": "\\", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_NUMERIC = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_EXPONENT_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?[eE][+-]?\d{1,4}(?![\w.])")
"""A number in exponent notation (`2.500000e+29`): compared by value with numeric secrets."""
_LONG_NUMBER = re.compile(r"(?<![\w.])(?=\d[\d.]{15})\d{1,64}(?:\.\d{1,64})?(?![\w.])")
"""A number of 16 characters or more: compared as a double with long numeric secrets."""
_ROUNDED_DIGITS = 16
"""A numeric secret of this many significant digits or more may be rounded to a double."""
FORMAT_CHARS: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
    (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001), (0xE0020, 0xE007F),
)  # fmt: skip
"""Unicode's format characters (category Cf, Unicode 14: soft hyphen, zero-width space and
joiners, bidi marks, the byte order mark ...), as ranges: invisible, so a secret with them
between its characters reads as the secret."""
_FOLD_TABLE: dict[int, str | None] = {
    **{c: None for low, high in FORMAT_CHARS for c in range(low, high + 1)},
    0x130: "i",  # İ, dotted capital I, and ı, dotless small i: one letter i (Turkish case rules)
    0x131: "i",
}
_FOLD_FIRST = re.compile(
    "[" + "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in (*FORMAT_CHARS, (0x130, 0x131))) + "]"
)
"""A character `_fold` removes or replaces before it normalises (as ranges: a class of single
characters is looked up several times slower)."""
_MAX_DECODE_ROUNDS = 3
_MEMO_ENTRIES = 4096
_MEMO_MAX_CHARS = 2048
"""A redactor remembers at most this many masked texts, each at most this long (8 M characters)."""
_LARGE_ENTRIES = 8
"""And this many longer ones (with their masked forms; at the size cap, 4 MB)."""


def _base64_inside(encode: Callable[[bytes], bytes]) -> Callable[[str], set[str]]:
    """The characters of `encode(before + secret + after)` that depend on the secret's bytes
    alone, for each of the three offsets `len(before) % 3` can put them at."""

    def spell(secret: str) -> set[str]:
        raw = secret.encode("utf-8", "surrogatepass")
        found = set()
        for offset in range(3):
            text = encode(bytes(offset) + raw).decode("ascii")
            first, end = -(-8 * offset // 6), 8 * (offset + len(raw)) // 6
            found.add(text[first:end])
        return found

    return spell


def _numeric(secret: str) -> set[str]:
    """A numeric secret as numbers are written: its digits without leading zeros, with a
    decimal point at every place (`482.13377201`, `48213377201.0`), and in exponent notation
    (`4.8213377201e10`, `4.8213377201e+10`, `9.765625e+11` for `976562500000`)."""
    number = _number(secret)
    if number is None:
        return set()
    mantissa = re.split("[eE]", secret.lstrip("+-"))[0]
    found = set()
    if "." not in mantissa or not mantissa.split(".")[1].strip("0"):
        found.add(mantissa.split(".")[0].lstrip("0"))
    digits = mantissa.replace(".", "").lstrip("0")
    for shown in {digits, digits.rstrip("0")}:
        found |= {shown[:i] + "." + shown[i:] for i in range(1, len(shown))}
    _, places, exponent = number.normalize().as_tuple()
    assert isinstance(exponent, int)
    lead = "".join(map(str, places))
    short = lead[0] + ("." + lead[1:] if len(lead) > 1 else "")
    power = len(lead) - 1 + exponent
    sign = "-" if power < 0 else "+"
    found |= {f"{short}e{power}", f"{short}e{sign}{abs(power)}", f"{short}e{sign}{abs(power):02d}"}
    return found


def _grouped(secret: str) -> set[str]:
    """A numeric secret of four or more digits before its point, the way numbers are written
    for people: in groups of three (`48,213,377,201`, `48 213 377 201`, `48_213_377_201`,
    `48.213.377.201`, `48'213'377'201`; a no-break or thin space folds to a space), its decimal
    part after a point or, where `.` or a space groups, a comma."""
    if _number(secret) is None or "e" in secret.lower():
        return set()
    whole, _, part = secret.lstrip("+-").partition(".")
    whole = whole.lstrip("0")
    if len(whole) < 4:
        return set()
    head = len(whole) % 3 or 3
    groups = [whole[:head], *(whole[i : i + 3] for i in range(head, len(whole), 3))]
    found = set()
    for sep, points in ((",", "."), (" ", ".,"), ("_", "."), (".", ","), ("'", ".")):
        written = sep.join(groups)
        found |= {written + point + part for point in points} if part else {written}
    return found


def _rounded(secret: str) -> set[str]:
    """A numeric secret of 16 or more significant digits as a double prints it (a JavaScript
    API's numbers are doubles): the shortest digits that read back as the double, padded with
    zeros (`12345678901234567000` for `12345678901234567890`), in Python's notation
    (`1.2345678901234567e+19`), and the double's exact value (`12345678901234567168`)."""
    value = _double(secret)
    if value is None:
        return set()
    found = {repr(value), format(Decimal(repr(value)), "f"), format(Decimal(value), "f")}
    return {f.removesuffix(".0") for f in found} | found


def _rejoined(secret: str) -> set[str]:
    """A secret written in parts (`Zq7-Wmx-4431`) as an API may echo it: the parts joined by
    another separator, or run together."""
    parts = [p for p in re.split(r"[-_. ]+", secret) if p]
    if len(parts) < 2:
        return set()
    return {sep.join(parts) for sep in ("-", "_", ".", " ", "")}


SPELLINGS: dict[str, Callable[[str], set[str]]] = {
    "as is": lambda s: {s},
    "percent-encoded": lambda s: {quote(s, safe=""), quote(s, safe="/")},
    "form-encoded (+ for space)": lambda s: {quote_plus(s, safe=""), s.replace(" ", "+")},
    "hex of the UTF-8 bytes": lambda s: {s.encode("utf-8", "surrogatepass").hex()},
    "hex of the UTF-8 bytes, each byte separated by `:`, `-` or a space": lambda s: {
        s.encode("utf-8", "surrogatepass").hex(sep) for sep in ":- "
    },
    "base64 at any offset in a blob": _base64_inside(base64.b64encode),
    "URL-safe base64 at any offset in a blob": _base64_inside(base64.urlsafe_b64encode),
    "a numeric secret's digits": _numeric,
    "a numeric secret's digits in groups of three": _grouped,
    "a long numeric secret rounded to a double": _rounded,
    "its parts joined by another separator (`-`, `_`, `.`, a space) or none": _rejoined,
}
"""Each encoding of a secret searched for in text (in any letter case), by name."""


def _spellings(secret: str) -> set[str]:
    forms = set().union(*(spell(secret) for spell in SPELLINGS.values()))
    return {secret} | {f for f in forms if len(f) >= MIN_SPELLING_CHARS}


def _double(secret: str) -> float | None:
    """The double a numeric secret of 16 or more significant digits is read as: a printer of
    doubles may write it with other digits (`34223867065065470` for `34223867065065472`)."""
    number = _number(secret)
    if number is None or len(number.normalize().as_tuple().digits) < _ROUNDED_DIGITS:
        return None
    value = float(number)
    return value if math.isfinite(value) and value else None


def _number(secret: str) -> Decimal | None:
    if not _NUMERIC.fullmatch(secret):
        return None
    try:
        value = Decimal(secret)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _fold(text: str) -> str:
    """`text` as its letters compare: without format characters (category Cf), with `İ` and
    `ı` as `i`, in Unicode compatibility decomposition (NFKD: full-width `ｓ` is `s`, `é` is `e`
    and its accent however it was composed, a no-break space is a space) and case folded
    (`ß` and `SS` both `ss`, `ſ` is `s`, `ς` is `σ`). Each character folds on its own, so
    `_fold(a + b) == _fold(a) + _fold(b)` (but for the order of stacked accents). ASCII text
    is only lower-cased."""
    if text.isascii():
        return text.lower()
    if _FOLD_FIRST.search(text):
        text = text.translate(_FOLD_TABLE)
    return unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())


def _folded(text: str) -> tuple[str, Callable[[int, int], tuple[int, int]] | None]:
    """`text` folded (`_fold`), and how a span of the folded text maps back to `text` (None
    when every character folds to one)."""
    folded = _fold(text)
    if text.isascii():
        return folded, None
    starts: array[int] | None = None  # where each character of `text` starts in `folded`

    def original(j: int) -> int:
        nonlocal starts
        if starts is None:
            # how long each distinct character folds, all at once: NUL folds to itself and
            # ends every decomposition, and no non-ASCII character is NUL
            chars = "".join({c for c in set(text) if not c.isascii()})
            widths = dict(zip(chars, map(len, _fold("\0".join(chars)).split("\0")), strict=True))
            widths.update((c, 1) for c in set(text) if c.isascii())
            starts = array("q", accumulate(map(widths.__getitem__, text), initial=0))
        return bisect.bisect_right(starts, j) - 1

    if len(folded) == len(text) and not _FOLD_FIRST.search(text):
        return folded, None  # nothing removed, and folding makes nothing shorter: nothing longer
    return folded, lambda start, end: (original(start), original(end - 1) + 1)


def _trie_pattern(words: Iterable[str]) -> str:
    """One expression matching the longest of `words` at a position; its size grows with the
    words' total length, and a match costs at most the longest word's length."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        run = ""
        while len(node) == 1 and "" not in node:  # a chain without a branch needs no group
            ((char, node),) = node.items()
            run += re.escape(char)
        alternatives = [re.escape(c) + emit(child) for c, child in sorted(node.items()) if c]
        if not alternatives:
            return run
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        return run + ("(?:" + body + ")?" if "" in node else body)

    return emit(trie)


def _decode_json_escapes(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return chr(int(match.group(1), 16))
        return _SIMPLE[match.group(2)]

    decoded = _JSON_ESCAPE.sub(one, text)
    # a surrogate pair escaped as two \\uXXXX becomes one character again
    return decoded.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _decode_x_escapes(text: str) -> str:
    return _X_ESCAPES.sub(
        lambda m: bytes.fromhex(m.group(0).replace("\\x", "")).decode("utf-8", "replace"), text
    )


def _decode_octal_escapes(text: str) -> str:
    """Runs of octal escapes (`\\163\\063`: C, PostgreSQL's bytea escape format, `od -b`) as
    UTF-8."""

    def run(match: re.Match[str]) -> str:
        codes = map(int, match.group(0).split("\\")[1:], repeat(8))
        return bytes(codes).decode("utf-8", "replace")

    return _OCTAL_ESCAPES.sub(run, text)


def _decode_quoted_printable(text: str) -> str:
    """Quoted-printable (e-mail bodies): `=HH` as bytes, read as UTF-8, and `=` at a line's end
    (a soft line break) removed; the rest as it was."""
    if "=" not in text:
        return text
    return binascii.a2b_qp(text.encode("utf-8", "surrogatepass")).decode("utf-8", "replace")


_DECODERS: tuple[Callable[[str], str], ...] = (
    _decode_json_escapes,
    _decode_x_escapes,
    _decode_octal_escapes,
    lambda text: unquote(text, errors="replace"),
    html.unescape,
    _decode_quoted_printable,
)
_VIEWS: tuple[Callable[[str], str], ...] = (*_DECODERS, without_tags)
"""Each decoding tried alone, and the text as a person reads it (tags and comments removed:
`sec<b>ret</b>`); not part of decoding all kinds at once, where a secret holding `<...>` would
lose it."""


_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")
"""A run of base64 or URL-safe base64 characters of 12 or more (with its padding): a blob of 9
bytes or more, the shortest an 8-character secret takes with one character escaped."""
_BASE64_VIEW_CHARS = 32_768
"""The characters of base64 runs of one text decoded at most: the first ones (a JSON string
is one text, so each field has its own; the whole body is read this way for the excerpt, whose
2,000 characters are at its start)."""
_PERCENT_BASE64 = re.compile(r"%2[BbFf]|%3[Dd]")
_STANDARD_BASE64 = str.maketrans("-_", "+/")


def _unescaped_base64(match: re.Match[str]) -> str:
    return {"2": {"f": "/", "b": "+"}, "3": {"d": "="}}[match.group(0)[1]][match.group(0)[2].lower()]


def _base64_decoded(run: str) -> str:
    """The bytes of a base64 run as UTF-8 text, decoded from each of its first four
    characters (a blob may start anywhere in the run), the four joined by NUL."""
    chars = run.rstrip("=").translate(_STANDARD_BASE64)
    views = []
    for start in range(4):
        part = chars[start:]
        part = part[: len(part) - 1] if len(part) % 4 == 1 else part
        raw = binascii.a2b_base64(part + "=" * (-len(part) % 4))
        views.append(raw.decode("utf-8", "replace"))
    return "\0".join(views)


def _decoded(text: str) -> str:
    """`text` with every kind of escape decoded once."""
    for decode in _DECODERS:
        text = decode(text)
    return text


class Redactor:
    """Replaces every secret value, in any letter case or common encoding, with `***`."""

    def __init__(self, secrets: Iterable[str] = ()):
        secrets = list(secrets)
        needles: set[str] = set()
        numbers: set[Decimal] = set()
        doubles: set[float] = set()
        for secret in secrets:
            if isinstance(secret, str) and secret:
                # the value upper- and lower-cased too: `İzmir` lower-cased is `i̇zmir`, an `i`
                # and a combining dot, which `_fold` keeps (`İ` alone folds to `i`)
                spelled = _spellings(secret) | {secret.upper(), secret.lower()}
                needles.update(folded for s in spelled if (folded := _fold(s)))
                if (number := _number(secret)) is not None:
                    numbers.add(number)
                if (double := _double(secret)) is not None:
                    doubles.add(double)
        self._count = len(needles)
        short = [s for s in secrets if isinstance(s, str) and s and len(s) < KEY_SECRET_MIN_CHARS]
        self._keys: Redactor = (
            Redactor([s for s in secrets if isinstance(s, str) and len(s) >= KEY_SECRET_MIN_CHARS])
            if short
            else self
        )
        """Masks keys: a secret of a character or two is masked in every value, but a key it
        spells part of is a name of the document's own shape (`text`, `type`), kept whole so
        readers of the document still find it."""
        self._numbers = frozenset(numbers)
        self._doubles = frozenset(doubles)
        self._large: dict[str, str] = {}
        self._memo: dict[str, str] = {}
        """Masked texts already seen (short ones): the same prompts, keys and names recur in
        every turn's trace, and a redactor lives until the secrets change."""
        # every start of every spelling (a lookahead finds overlapping ones); the longest wins
        self._pattern = re.compile(f"(?=({_trie_pattern(needles)}))") if needles else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __repr__(self) -> str:  # never the values
        return f"Redactor({self._count} spellings)"

    def text(self, value: str) -> str:
        if self._pattern is None or not value:
            return value
        if len(value) > _MEMO_MAX_CHARS:
            # a body's long text passes twice (the call's outcome, then the executor's exit):
            # the second time, the text masked the first time is known
            masked = self._large.get(value)
            if masked is None:
                if len(self._large) >= _LARGE_ENTRIES:
                    self._large.clear()
                masked = self._large[value] = self._masked(value)
                self._large[masked] = masked
            return masked
        masked = self._memo.get(value)
        if masked is None:
            if len(self._memo) >= _MEMO_ENTRIES:
                self._memo.clear()
            masked = self._memo[value] = self._masked(value)
        return masked

    def _spans(self, value: str) -> list[tuple[int, int]]:
        """Where spellings occur in `value`, overlapping occurrences merged."""
        assert self._pattern is not None
        spans: list[tuple[int, int]] = []
        folded, back = _folded(value)
        for match in self._pattern.finditer(folded):
            start, end = match.start(), match.end(1)
            if back is not None:
                start, end = back(start, end)
            if spans and start <= spans[-1][1]:
                if end > spans[-1][1]:
                    spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        return spans

    def _masked(self, value: str) -> str:
        masked = self._masked_in_views(value)
        if "\\/" in masked or "%2" in masked or "%3" in masked:  # `\/` in JSON, `%2F` in a URL
            return self._masked_blobs(
                _PERCENT_BASE64.sub(_unescaped_base64, masked.replace("\\/", "/")), masked
            )
        return self._masked_blobs(masked, masked)

    def _masked_blobs(self, text: str, otherwise: str) -> str:
        """`text` with every base64 run (`_BASE64_RUN`) masked whole whose decoded bytes spell a
        secret as `_masked_in_views` finds one (in any spelling or escaping but base64: one
        round), whatever the place in the run a blob starts at; `otherwise` when none does. All
        runs are read as one view first (the usual answer: nothing), and only when that finds
        a secret each run on its own. Only the first `_BASE64_VIEW_CHARS` characters of runs are
        read (a run that passes the bound, up to it)."""
        runs: list[re.Match[str]] = []
        views: list[str] = []
        budget = _BASE64_VIEW_CHARS
        for match in _BASE64_RUN.finditer(text):
            if budget <= 0:
                break
            runs.append(match)
            views.append(_base64_decoded(match.group(0)[:budget]))
            budget -= match.end() - match.start()
        together = "\0".join(views)
        if not runs or self._masked_in_views(together) == together:
            return otherwise
        secret_runs = [
            (run.start(), run.end())
            for run, view in zip(runs, views, strict=True)
            if self._masked_in_views(view) != view
        ]
        return _replace(text, secret_runs)

    def _masked_in_views(self, value: str) -> str:
        result = view = self._masked_once(value)
        for _ in range(_MAX_DECODE_ROUNDS):
            if not _ESCAPES.search(view):
                break
            # each kind of escape alone first: decoding them all at once can break a spelling
            # (`%\\x30\\x30` is `%00` before it is `00`), and a secret may itself hold `%00`
            found = False
            changed: list[str] = []
            for decode in _VIEWS:
                decoded = decode(view)
                if decoded != view:
                    changed.append(decoded)
                    if (masked := self._masked_once(decoded)) != decoded:
                        result = view = masked
                        found = True
            if found:
                continue
            if not changed:
                break
            # nothing in any one decoding: all kinds at once (the same text when one kind changed it)
            decoded = changed[0] if len(changed) == 1 else _decoded(view)
            view = self._masked_once(decoded) if len(changed) > 1 else decoded
            if view != decoded:
                result = view
        return result

    def _masked_once(self, value: str) -> str:
        spans = self._spans(value)
        masked = _replace(value, spans) if spans else value
        if self._numbers and ("e" in masked or "E" in masked):
            masked = _EXPONENT_NUMBER.sub(self._number_masked, masked)
        if self._doubles:
            masked = _LONG_NUMBER.sub(self._double_masked, masked)
        return masked

    def _double_masked(self, match: re.Match[str]) -> str:
        return MASK if float(match.group(0)) in self._doubles else match.group(0)

    def _number_masked(self, match: re.Match[str]) -> str:
        try:
            number = Decimal(match.group(0))
        except InvalidOperation:
            return match.group(0)
        return MASK if number in self._numbers or self._is_double(number) else match.group(0)

    def _is_double(self, number: Decimal | int | float) -> bool:
        """Whether `number` is a double a long numeric secret rounds to."""
        if not self._doubles:
            return False
        try:
            return float(number) in self._doubles
        except OverflowError:
            return False

    def data(self, value: Any) -> Any:
        """`value` with every string and key passed through `text`, and every number that is a
        numeric secret, or whose digits hold a secret, replaced by `***`, as a new structure.

        Each distinct string is masked once per call: a turn's trace repeats the same texts
        (the conversation in every step's input and every model call, the same keys throughout).
        """
        return self._data(value, {})

    def _data(self, value: Any, done: dict[str, str]) -> Any:
        if isinstance(value, str):
            masked = done.get(value)
            if masked is None:
                masked = done[value] = self.text(value)
            return masked
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, (int, float)):
            return MASK if self._is_secret_number(value) else value
        if isinstance(value, list):
            return [self._data(v, done) for v in value]
        if isinstance(value, tuple):
            return tuple(self._data(v, done) for v in value)
        if isinstance(value, dict):
            if self._keys is self:
                return {self._data(str(k), done): self._data(v, done) for k, v in value.items()}
            return {self._keys.text(str(k)): self._data(v, done) for k, v in value.items()}
        return value

    def _is_secret_number(self, value: int | float) -> bool:
        if isinstance(value, float) and not math.isfinite(value):
            return False
        try:
            written = repr(value)
        except ValueError:  # an int beyond the digit limit: no secret is that long
            return False
        if self._numbers and (Decimal(written) in self._numbers or self._is_double(value)):
            return True
        return self.text(written) != written


def _replace(text: str, spans: list[tuple[int, int]]) -> str:
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts += (text[last:start], MASK)
        last = end
    parts.append(text[last:])
    return "".join(parts)


TOO_DEEP = "<nested too deeply to keep>"
"""What `storable` keeps of a list or object nested past its `max_depth`."""


def storable(value: Any, *, max_depth: int | None = None) -> Any:
    """A value from outside (an API's JSON, a customer's input) that every store can keep.

    JSON may carry a lone surrogate ("\\ud800"), which cannot be encoded as UTF-8, and NUL,
    which PostgreSQL refuses in text: both become U+FFFD. An integer beyond 64 bits cannot be
    packed by the checkpointer: it becomes its digits as a string. NaN and infinities are not
    JSON: they become strings too. Lists and dicts are converted all the way down; with
    `max_depth`, a list or dict nested deeper than that becomes `TOO_DEEP` (the checkpointer's
    serialiser stops at a fixed depth).
    """
    return _storable(value, max_depth)


def _storable(value: Any, depth: int | None) -> Any:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return value.replace("\x00", "\ufffd")
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**64 else _digits(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (list, tuple, dict)):
        if depth is not None and depth <= 0:
            return TOO_DEEP
        inner = None if depth is None else depth - 1
        if isinstance(value, dict):
            return {
                _storable(k if isinstance(k, str) else str(k), None): _storable(v, inner)
                for k, v in value.items()
            }
        return [_storable(v, inner) for v in value]
    return value


def _digits(value: int) -> str:
    try:
        return str(value)
    except ValueError:  # beyond Python's int-to-text digit limit
        return "<an integer too long to show>"
