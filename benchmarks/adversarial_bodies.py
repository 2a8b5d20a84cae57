"""Response bodies shaped to make a parser rescan: the cases every body reader must survive.

Each shape is a function of the size in bytes (ASCII, so characters and bytes agree). They are
shared by `tests/test_response_parsing.py` (read at the size cap without hanging) and
`benchmarks/response_parsing.py` (the worst time at the size cap).
"""

from __future__ import annotations

from collections.abc import Callable


def _repeat(unit: str, size: int, head: str = "", tail: str = "") -> str:
    room = max(0, size - len(head) - len(tail))
    return head + (unit * (room // len(unit) + 1))[:room] + tail


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
}
