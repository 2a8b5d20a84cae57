"""Response field selection with JMESPath or JSONPath: only selected parts reach the model."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError
from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.ext import parse as jsonpath_parse


@lru_cache(maxsize=4096)
def compile_expression(language: str, expression: str) -> tuple[Any, str | None]:
    """(compiled, None) or (None, error message)."""
    if not expression.strip():
        return None, "expression is empty"
    try:
        if language == "jsonpath":
            return jsonpath_parse(expression), None
        return jmespath.compile(expression), None
    except (JMESPathError, JsonPathLexerError, JsonPathParserError, Exception) as exc:
        # jsonpath-ng raises bare Exception subclasses for some syntax errors
        return None, f"invalid {language} expression {expression!r}: {str(exc).splitlines()[0]}"


def evaluate(language: str, expression: str, data: Any) -> Any:
    compiled, err = compile_expression(language, expression)
    if err:
        raise ValueError(err)
    if language == "jsonpath":
        matches = [m.value for m in compiled.find(data)]
        if not matches:
            return None
        return matches[0] if len(matches) == 1 else matches
    return compiled.search(data)


def select_fields(language: str, fields: dict[str, str], data: Any) -> Any:
    """Apply the selection; an empty selection returns the data unchanged."""
    if not fields:
        return data
    return {label: evaluate(language, expr, data) for label, expr in fields.items()}
