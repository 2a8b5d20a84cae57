"""The text of an HTML page (an API's error page), in time linear in its length.

Tags become a space, and so do `<script>` and `<style>` elements with their content; a CDATA
section (`<![CDATA[ ... ]]>`, in XML and in an HTML page's SVG or MathML) becomes its content,
which is text; a `<` that starts no tag (`<>`, or no `>` after it) stays text. The regular expression that says
this, `<(script|style)\\b.*?</\\1>|<[^>]+>`, rescans the rest of the page from every `<`
it cannot close: a page of unclosed tags just under the size cap took minutes and held the
event loop. Here every character is looked at a bounded number of times: each search for a
`>` or an end tag starts where the last one stopped, and an end tag found missing once is
never searched for again.
"""

from __future__ import annotations

import re

__all__ = ["CDATA_END", "CDATA_START", "html_text", "without_tags"]

_RAW_TEXT = {"script": re.compile(r"</script>", re.I), "style": re.compile(r"</style>", re.I)}
"""Elements whose content is not text; each ends at its own end tag."""
CDATA_START, CDATA_END = "<![CDATA[", "]]>"
"""The markers of a CDATA section: what is between them is text, `<` and `&` included."""


def _cdata_at(page: str, lt: int) -> bool:
    return page[lt : lt + len(CDATA_START)].upper() == CDATA_START


def html_text(page: str) -> str:
    """`page` with each tag, and each script and style element, replaced by a space."""
    out: list[str] = []
    ends = _EndTags(page)
    cdata_end = _Search(page, CDATA_END)
    bang = page.find("<![")  # where the next `<![` is: most `<` start no CDATA section
    i = 0
    while True:
        lt = page.find("<", i)
        if lt < 0:
            out.append(page[i:])
            return "".join(out)
        out.append(page[i:lt])
        if lt > bang >= 0:
            bang = page.find("<![", lt)
        if lt == bang and _cdata_at(page, lt) and (end := cdata_end.after(lt + len(CDATA_START))) >= 0:
            out.append(page[lt + len(CDATA_START) : end - len(CDATA_END)])
            i = end
            continue
        name = _raw_text_element(page, lt)
        end = ends.after(name, lt + 1 + len(name)) if name else -1
        if end >= 0:
            out.append(" ")
            i = end
            continue
        if page.startswith(">", lt + 1):  # `<>` is not a tag
            out.append("<")
            i = lt + 1
            continue
        gt = page.find(">", lt + 1)
        if gt < 0:  # no `>` anywhere after: the rest is text
            out.append(page[lt:])
            return "".join(out)
        out.append(" ")
        i = gt + 1


def _raw_text_element(page: str, lt: int) -> str:
    """`script` or `style` when the tag at `lt` opens one (the name ends at a non-word
    character), else ""."""
    for name in _RAW_TEXT:
        end = lt + 1 + len(name)
        if page[lt + 1 : end].lower() == name and not _is_word(page[end : end + 1]):
            return name
    return ""


def _is_word(char: str) -> bool:
    return bool(char) and (char.isalnum() or char == "_")


class _EndTags:
    """Where the next end tag of each raw-text element is, searched for at most once per
    stretch of the page: a later question is answered from the last search while it can be."""

    def __init__(self, page: str) -> None:
        self._page = page
        self._found: dict[str, tuple[int, int]] = {}  # name -> (searched from, match end or -1)

    def after(self, name: str, start: int) -> int:
        """The index just past the first `</name>` at or after `start`, or -1."""
        known = self._found.get(name)
        if known is not None and known[0] <= start:
            end = known[1]
            if end < 0 or end - len(name) - 3 >= start:
                return end
        match = _RAW_TEXT[name].search(self._page, start)
        end = match.end() if match else -1
        self._found[name] = (start, end)
        return end


def without_tags(page: str) -> str:
    """`page` as a person reads it: each comment (`<!-- ... -->`) and each tag (`<` up to the
    next `>`) removed with nothing in its place, and each CDATA section's markers (`<![CDATA[`
    and `]]>`) removed with its content kept as it is, so `sec<b>ret</b>`, `se<!-- -->cret` and
    `sec<![CDATA[ret]]>` read `secret`; a `<` with no `>` after it stays text. Linear in the
    page's length: a search for `-->`, `]]>` or `>` found missing once is not made again, and
    one found is reused until passed."""
    out: list[str] = []
    comment_end = _Search(page, "-->")
    cdata_end = _Search(page, CDATA_END)
    tag_end = _Search(page, ">")
    bang = page.find("<![")
    i = 0
    while (lt := page.find("<", i)) >= 0:
        if lt > bang >= 0:
            bang = page.find("<![", lt)
        if lt == bang and _cdata_at(page, lt) and (end := cdata_end.after(lt + len(CDATA_START))) >= 0:
            out += (page[i:lt], page[lt + len(CDATA_START) : end - len(CDATA_END)])
            i = end
            continue
        end = comment_end.after(lt + 4) if page.startswith("<!--", lt) else -1
        if end < 0:
            end = tag_end.after(lt + 1)
        if end < 0:  # no `>` anywhere after: the rest is text
            break
        out.append(page[i:lt])
        i = end
    out.append(page[i:])
    return "".join(out)


class _Search:
    """The index just past the first `needle` at or after a position, each search answered
    from the last one while it can be."""

    def __init__(self, page: str, needle: str) -> None:
        self._page, self._needle = page, needle
        self._from, self._at = len(page) + 1, -1

    def after(self, start: int) -> int:
        if not (self._from <= start and (self._at < 0 or self._at >= start)):
            self._from, self._at = start, self._page.find(self._needle, start)
        return self._at + len(self._needle) if self._at >= 0 else -1
