"""A successful answer whose body is an error document, not the thing asked for.

Some APIs answer 200 and say in the body that the request failed: `{"ok": false, ...}`
(Slack), `{"success": false, ...}`, GraphQL's `{"data": null, "errors": [...]}`, JSend's
`{"status": "error", "message": ...}` and `{"status": "fail", "data": {...}}`, or a body that
holds only an error and its message. The executor treats such an answer as a failed call
(`tools.executor.classify_response`): presenting it through the action's response selection
would tell the customer "the status is error" as if it were their order. A `"status": "failed"`
among other fields (a payment's status) is data, not an error document.
"""

from __future__ import annotations

from typing import Any

ERROR_STATUS_WORDS = frozenset({"error", "fail", "failed", "failure"})
ERROR_ONLY_KEYS = frozenset(
    {"error", "errors", "error_description", "error_code", "message", "code", "status", "detail", "type"}
)


def error_document(data: Any) -> bool:
    """Whether a 2xx body is an error document rather than the thing asked for."""
    if not isinstance(data, dict) or not data:
        return False
    if data.get("ok") is False or data.get("success") is False:
        return True
    errors = data.get("errors")
    if errors and "data" in data and not data.get("data"):
        return True  # GraphQL: no data, errors
    status = data.get("status")
    if isinstance(status, str) and status.lower() in ERROR_STATUS_WORDS:
        if "message" in data or "error" in data:
            return True  # JSend "error"
        if status.lower() == "fail" and isinstance(data.get("data"), dict):
            return True  # JSend "fail": the data says why
    return bool(data.get("error") or errors) and set(map(str.lower, map(str, data))) <= ERROR_ONLY_KEYS
