"""Response bodies shaped to make a parser rescan: the cases every body reader must survive.

Each shape is a function of the size in bytes of its UTF-8 encoding (most are ASCII; the last
few are not, for the views of the text that only non-ASCII text needs). They are
shared by `tests/test_response_parsing.py` (read at the size cap without hanging) and
`benchmarks/response_parsing.py` (the worst time at the size cap).
"""

from __future__ import annotations

from collections.abc import Callable


def _repeat(unit: str, size: int, head: str = "", tail: str = "") -> str:
    """`unit` repeated between `head` and `tail`, at most `size` bytes in UTF-8 (whole units
    when `unit` is not ASCII)."""
    room = max(0, size - len(head.encode()) - len(tail.encode()))
    if unit.isascii():
        return head + (unit * (room // len(unit) + 1))[:room] + tail
    return head + unit * (room // len(unit.encode())) + tail


ADVERSARIAL_SHAPES: dict[str, Callable[[int], str]] = {
    "lt-run": lambda n: _repeat("<", n),
    "lt-run-then-gt": lambda n: _repeat("<", n, tail=">"),
    "unclosed-tags": lambda n: _repeat("<a ", n),
    "unclosed-script": lambda n: _repeat("<script>", n),
    "unclosed-style-mixed-case": lambda n: _repeat("<StYlE x>", n),
    "script-then-never-closed": lambda n: _repeat("<script>a", n, tail="</scrip"),
    "nested-tags": lambda n: _repeat("<div>", n // 2) + _repeat("</div>", n - n // 2),
    "spaces": lambda n: _repeat(" ", n, head="<p>", tail="x"),
    "spaces-in-a-tag": lambda n: _repeat(" ", n, head="<p", tail=""),
    "lt-space-runs": lambda n: _repeat("< ", n),
    "entities-without-semicolon": lambda n: _repeat("&#x41", n),
    "ampersand-words": lambda n: _repeat("&amp", n),
    "percent-escapes": lambda n: _repeat("%4", n),
    "json-escapes": lambda n: _repeat("\\u00", n),
    "backslashes": lambda n: _repeat("\\", n),
    "hex-digits": lambda n: _repeat("0123456789abcdef", n),
    "base64-run": lambda n: _repeat("QUJDRA", n),
    "newlines": lambda n: _repeat("\n", n, head="<pre>"),
    "comment-never-closed": lambda n: _repeat("<!--", n),
    "cdata-never-closed": lambda n: _repeat("<![CDATA[", n),
    "cdata-sections": lambda n: _repeat("<![CDATA[<a]]>", n),
    "octal-escapes": lambda n: _repeat("\\101", n),
    "quoted-printable": lambda n: _repeat("=41=\n", n),
    "accented-letters": lambda n: _repeat("é", n),
    "full-width-letters": lambda n: _repeat("ｓ", n),
    "soft-hyphens": lambda n: _repeat("a\u00ad", n),
    "hangul-and-dotted-i": lambda n: _repeat("한İ", n),
}
