"""JSON text from outside the program: one parser, and one kind of error when it is not JSON.

`json.loads` fails in more ways than `JSONDecodeError`, and accepts text that is not JSON:

* a number with more digits than the interpreter converts raises a bare `ValueError`
  (`sys.get_int_max_str_digits`, 4300 by default);
* nesting deeper than the recursion limit raises `RecursionError`;
* bytes that are not UTF-8 raise `UnicodeDecodeError`, and a UTF-8 byte order mark (which some
  editors write) is refused although the text after it is fine;
* `NaN`, `Infinity` and `-Infinity` are accepted, and so is `1e400`, which becomes `inf`: none
  of them is a JSON number, and none survives being written back as JSON.

`parse_json` turns every one of these into `JsonTextError`, whose message is one line meant to
follow the name of what was read ("catalog.json: is not valid JSON: ..."). A leading byte order
mark is skipped. Response bodies of APIs are read with `finite_numbers=False`: some servers write
`NaN`, and a response is data to select from, not a definition to store.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

from .errors import JsonTextError, Problem

BYTE_ORDER_MARK = "\ufeff"


def parse_json(data: bytes | str, *, finite_numbers: bool = True) -> Any:
    """The value of a JSON text (UTF-8 bytes or str); `JsonTextError` when it is not one."""
    text = decode_utf8(data) if isinstance(data, bytes) else data
    text = text.removeprefix(BYTE_ORDER_MARK)
    hooks: dict[str, Any] = {"parse_int": _int}
    if finite_numbers:
        hooks.update(parse_float=_finite_float, parse_constant=_no_constant)
    try:
        return json.loads(text, **hooks)
    except json.JSONDecodeError as exc:
        raise JsonTextError(
            f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", syntax=True
        ) from None
    except RecursionError:  # the parser recurses once per nested [ or {
        raise JsonTextError("is not usable JSON: it is nested too deeply", syntax=False) from None


def decode_utf8(data: bytes) -> str:
    """UTF-8 bytes as text; `JsonTextError` naming the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonTextError(
            f"is not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} ({exc.reason})",
            syntax=True,
        ) from None


def _int(digits: str) -> int:
    try:
        return int(digits)
    except ValueError:  # more digits than the interpreter converts
        raise JsonTextError(
            f"is not usable JSON: it has a number with {len(digits.lstrip('-'))} digits (at most "
            f"{sys.get_int_max_str_digits()} are read)",
            syntax=False,
        ) from None


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise JsonTextError(f"is not usable JSON: the number {shown} is too large", syntax=False)
    return value


def _no_constant(name: str) -> float:
    raise JsonTextError(f"is not valid JSON: {name} is not a JSON number", syntax=True)


def is_text(value: str) -> bool:
    """Whether `value` can be written as UTF-8: no lone surrogate (a "\\ud800" escape that is
    half of a character, which JSON allows and no store, header or log can hold)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


SURROGATE_NOTE = (
    "holds a lone surrogate (a '\\ud800'-style escape that is half of a character), which is not text"
)


def text_problems(raw: Any) -> list[Problem]:
    """Every string (key or value) UTF-8 cannot encode: a lone surrogate such as JSON's "\\ud800".

    The one check of text for every shape that is validated and then stored or sent (an action
    definition, a shared auth setting): Python text may hold a lone surrogate, but no database,
    HTTP request or file can, so a shape holding one would validate and then fail wherever it is
    written or sent. Walked with a stack, not by recursion, so a deeply nested field cannot
    exhaust the interpreter's stack here.
    """
    problems: list[Problem] = []
    stack: list[tuple[str, Any]] = [("", raw)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            for key, value in reversed(node.items()):
                where = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and not is_text(key):
                    problems.append(Problem(where, f"this name {SURROGATE_NOTE}"))
                stack.append((where, value))
        elif isinstance(node, list):
            stack.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(node))))
        elif isinstance(node, str) and not is_text(node):
            problems.append(Problem(path, f"{SURROGATE_NOTE}: remove it or write the whole character"))
    return problems
