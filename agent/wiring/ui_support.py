"""What the Streamlit app needs from the agent besides `SupportAgent`: form fields and checks.

The collect-info form, the confirmation's Edit form and the test panel build their widgets from
the same field description the `collect_info` interrupt sends, and check answers with the
action's own strict model before they are submitted, so the UI never re-implements a rule.
"""

from __future__ import annotations

from typing import Any

from agent.wording.inputs import form_field
from tools.action import ActionDefinition
from tools.compiler import compile_action


def form_fields(definition: ActionDefinition) -> list[dict[str, Any]]:
    """Every input of an action, described as a collect-info payload describes its fields."""
    return [form_field(spec) for spec in compile_action(definition).fields]


def check_answer(definition: ActionDefinition, values: dict[str, Any]) -> dict[str, str]:
    """Problems of the given values only: name -> plain-language reason (empty when all fit).

    Inputs that were not given are not reported; a required input given empty is.
    """
    check = compile_action(definition).check(values)
    given = set(values)
    problems = {n: reason for n, reason in check.invalid.items() if n in given}
    problems.update({n: "is required" for n in check.missing if n in given})
    return problems
