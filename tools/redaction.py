"""`Redactor`: the one place secret values are masked, whatever form an API echoes them in.

An API may send a secret back verbatim, in another letter case, or escaped the way its
language's JSON or URL encoder escapes text: `tok\\/en` (PHP escapes `/`), `\\u003c` (Go escapes
`<>&`), `\\u0074ok` (any character may be escaped), `%74ok`, `&#116;ok`, or base64 of the value.
Matching every escaped spelling of every secret is a losing game, so masking works on a decoded
view: each text is searched as it is and, when it holds escapes, once more after they are
decoded (repeatedly, for double encoding). If a secret only appears in the decoded view, the
decoded text (masked) is returned instead of the original: a little less faithful to the bytes
the API sent, never a leak.

`data` applies `text` to every string and key of a JSON-like value; `storable` makes a value
that came from outside safe to store anywhere (checkpoints, PostgreSQL JSON, msgpack).
"""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, unquote

__all__ = ["MASK", "Redactor", "storable"]

MASK = "***"
MIN_SPELLING_CHARS = 4
"""Encoded spellings shorter than this are not searched (the value itself always is)."""
_ESCAPES = re.compile(r"\\u[0-9a-fA-F]{4}|\\[/\"\\bfnrt]|%[0-9a-fA-F]{2}|&#?\w+;")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\([/\"\\bfnrt])")
_SIMPLE = {"/": "/", '"': '"', "\\": "\\", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_MAX_DECODE_ROUNDS = 3
_MEMO_ENTRIES = 4096
_MEMO_MAX_CHARS = 2048
"""A redactor remembers at most this many masked texts, each at most this long (8 M characters)."""


def _spellings(secret: str) -> set[str]:
    """The value and the encodings an API commonly echoes it in, beside the decoded view."""
    raw = secret.encode("utf-8", "surrogatepass")
    forms = {secret, quote(secret, safe="")}
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode("ascii")
        forms.update({text, text.rstrip("=")})
    return {secret} | {f for f in forms if len(f) >= MIN_SPELLING_CHARS}


def _decode_json_escapes(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return chr(int(match.group(1), 16))
        return _SIMPLE[match.group(2)]

    decoded = _JSON_ESCAPE.sub(one, text)
    # a surrogate pair escaped as two \\uXXXX becomes one character again
    return decoded.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _decoded(text: str) -> str:
    return html.unescape(unquote(_decode_json_escapes(text), errors="replace"))


class Redactor:
    """Replaces every secret value, in any letter case or common encoding, with `***`."""

    def __init__(self, secrets: Iterable[str] = ()):
        needles: set[str] = set()
        for secret in secrets:
            if isinstance(secret, str) and secret:
                needles.update(_spellings(secret))
        self._count = len(needles)
        self._memo: dict[str, str] = {}
        """Masked texts already seen (short ones): the same prompts, keys and names recur in
        every turn's trace, and a redactor lives until the secrets change."""
        ordered = sorted(needles, key=len, reverse=True)  # the longest spelling wins
        self._pattern = re.compile("|".join(map(re.escape, ordered)), re.IGNORECASE) if ordered else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __repr__(self) -> str:  # never the values
        return f"Redactor({self._count} spellings)"

    def text(self, value: str) -> str:
        if self._pattern is None or not value:
            return value
        if len(value) > _MEMO_MAX_CHARS:
            return self._masked(value)
        masked = self._memo.get(value)
        if masked is None:
            if len(self._memo) >= _MEMO_ENTRIES:
                self._memo.clear()
            masked = self._memo[value] = self._masked(value)
        return masked

    def _masked(self, value: str) -> str:
        assert self._pattern is not None
        masked = self._pattern.sub(MASK, value)
        view = masked
        for _ in range(_MAX_DECODE_ROUNDS):
            if not _ESCAPES.search(view):
                break
            decoded = _decoded(view)
            if decoded == view:
                break
            view = decoded
            if self._pattern.search(view):
                return self._pattern.sub(MASK, view)
        return masked

    def data(self, value: Any) -> Any:
        """`value` with every string and key passed through `text`, as a new structure.

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
        if isinstance(value, list):
            return [self._data(v, done) for v in value]
        if isinstance(value, tuple):
            return tuple(self._data(v, done) for v in value)
        if isinstance(value, dict):
            return {self._data(str(k), done): self._data(v, done) for k, v in value.items()}
        return value


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
