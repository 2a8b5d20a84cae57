"""A successful answer whose body is an error document, not the thing asked for.

Some APIs answer 200 and say in the body that the request failed. The executor treats such an
answer as a failed call (`tools.executor.classify_response`): presenting it through the
action's response selection would tell the customer "the error code is ORDER_NOT_FOUND" or
"the status is error" as if it were their order.

A body is an error document when

- it carries an explicit failure flag: `ok` / `success` / `succeeded` false (Slack, many
  in-house APIs), `isError` / `hasError` true, or JSend's `status` "error" or "fail" with only
  JSend's own keys beside it; or
- once its metadata is set aside (request, trace and host ids, timestamps, paths, a numeric
  status, documentation links, JSON-RPC's `id`, JSON-LD's `@` keys), what remains is only the
  words of a failure (`error`, `errors`, `errorCode`, `Error: {...}`, `fault`, `message`,
  `detail`, `code`, ... in any case style, an error key holding whatever it likes) and optionally an empty `data` /
  `result` (or one whose fields are all null), and one of them says it failed: an error key
  with something in it, a status or code of 400 or more, a code naming a failure
  (`ORDER_NOT_FOUND`), `"type": "error"` or `"result": "error"`, or an empty result beside a
  message (`{"result": null, "message": "not found"}`, GraphQL's `{"data": null, "errors":
  [...]}` and `{"data": {"order": null}, "errors": [...]}`).

Any domain field (`order_id`, `amount`, a non-empty `data`) makes the body data: the record of a
failed payment, `{"order_id": ..., "status": "failed", "message": "Card declined", ...}`, is the
thing asked for. A message alone (`{"message": "Order cancelled"}`) is data too: it is how many
APIs confirm an action.
"""

from __future__ import annotations

import re
from typing import Any

FAILURE_FLAGS = frozenset({"ok", "success", "succeeded", "issuccess", "successful"})
"""Keys (normalised: lower case, letters and digits only) whose `false` says the call failed."""
ERROR_FLAGS = frozenset({"iserror", "haserror", "haserrors"})
"""Keys whose `true` says the call failed."""
JSEND_FAILURES = frozenset({"error", "fail"})
FAILURE_RESULTS = frozenset({"error", "fail", "failure"})
"""`"result": "error"` / `"type": "error"`: the answer says it is a failure."""
JSEND_KEYS = frozenset({"status", "data", "message", "code"})
ERROR_KEYS = frozenset(
    {
        "error",
        "errors",
        "errorcode",
        "errormessage",
        "errormsg",
        "errordescription",
        "errordetail",
        "errordetails",
        "errortype",
        "err",
        "errcode",
        "errmsg",
        "fault",
        "faultcode",
        "faultstring",
        "exception",
        "exceptionmessage",
        "exceptiontype",
        "validationerrors",
        "fielderrors",
        "invalidparams",
        "violations",
    }
)
"""Keys that name a failure: something in one of them says the call failed."""
WORD_KEYS = frozenset(
    {
        "message",
        "msg",
        "messages",
        "detail",
        "details",
        "description",
        "reason",
        "title",
        "type",
        "hint",
        "cause",
        "code",
        "field",
        "param",
        "parameter",
        "pointer",
        "source",
        "target",
        "loc",
        "stack",
        "stacktrace",
    }
)
"""Keys an error document words its failure with, which a record of data may use too."""
EMPTY_RESULT_KEYS = frozenset({"data", "result", "results", "payload"})
"""Where the thing asked for would be: allowed beside an error when empty."""
METADATA_KEYS = frozenset(
    {
        "timestamp",
        "time",
        "ts",
        "datetime",
        "servertime",
        "path",
        "instance",
        "uri",
        "url",
        "method",
        "documentationurl",
        "documentation",
        "docurl",
        "docsurl",
        "docs",
        "moreinfo",
        "helpurl",
        "helplink",
        "links",
        "extensions",
        "jsonrpc",
        "jsonapi",
        "meta",
        "metadata",
        "version",
        "apiversion",
    }
)
"""Keys that say about the exchange, not about the thing asked for."""
METADATA_SUFFIXES = ("requestid", "traceid", "correlationid", "spanid", "hostid", "debugid")
STATUS_KEYS = frozenset({"status", "statuscode", "httpstatus", "httpstatuscode", "httpcode"})
FAILURE_CODE_RE = re.compile(
    r"error|fail|invalid|not_?found|no_?such|denied|forbidden|unauthori[sz]ed|unauthenticated|"
    r"expired|unavailable|exceeded|conflict|missing|required|bad_?request|timed_?out|timeout|"
    r"rate_?limit|too_?many|exception",
    re.I,
)
"""A code that names a failure: `ORDER_NOT_FOUND`, `NoSuchKey`, `invalid_auth`."""
SUCCESS_WORDS = frozenset({"ok", "okay", "success", "successful", "succeeded", "done", "true"})
NO_ERROR_WORDS = frozenset({"none", "null", "noerror", "nil", "false", "0", *SUCCESS_WORDS})
"""What an error key holds when there was none (`"errmsg": "ok"`, `"error": "none"`)."""


def _key(name: Any) -> str:
    """`errorCode`, `error_code`, `Error-Code`, `hydra:title` -> `errorcode`, `title`."""
    return re.sub(r"[^a-z0-9]", "", str(name).rsplit(":", 1)[-1].lower())


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _no_result(value: Any) -> bool:
    """Nothing asked for: empty, or GraphQL's `{"order": null}` (a field that could not be had)."""
    return _empty(value) or (isinstance(value, dict) and all(map(_empty, value.values())))


def _result(key: str, value: Any) -> bool:
    """Where the thing asked for would be (`"result": "error"` is a word, not a result)."""
    return key in EMPTY_RESULT_KEYS and not (isinstance(value, str) and value.strip())


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _says_success(value: Any) -> bool:
    number = _number(value)
    if number is not None:
        return number == 0 or 200 <= number < 300
    return isinstance(value, str) and _key(value) in SUCCESS_WORDS


def _metadata(key: str, value: Any, body: dict[str, Any]) -> bool:
    if key in STATUS_KEYS:
        return _number(value) is not None  # an HTTP status; a status word is content
    if key == "id":
        return "jsonrpc" in body  # JSON-RPC's request id; elsewhere an id is the record's
    return key in METADATA_KEYS or key.endswith(METADATA_SUFFIXES)


def _names_failure(key: str, value: Any) -> bool:
    """Whether one field of a body of failure words says the call failed."""
    if key in ERROR_KEYS:
        if isinstance(value, str):
            return _key(value) not in NO_ERROR_WORDS
        return value is True or (isinstance(value, (list, dict)) and not _empty(value))
    if key in EMPTY_RESULT_KEYS:  # {"result": "error", ...}
        return isinstance(value, str) and value.lower() in FAILURE_RESULTS
    if key == "type":  # {"type": "error", ...}, {"__type": "ResourceNotFoundException", ...}
        return isinstance(value, str) and bool(
            value.lower() in FAILURE_RESULTS or FAILURE_CODE_RE.search(value)
        )
    if key == "status" and value is False:  # {"status": false, "message": ...}
        return True
    number = _number(value)
    if key in STATUS_KEYS or key == "code":
        if number is not None:
            return number >= 400 or number < 0  # -1, -32602: a failure
        return key == "code" and isinstance(value, str) and bool(FAILURE_CODE_RE.search(value))
    return False


def _failure_words(key: str, value: Any) -> bool:
    """Whether a field (not metadata) is one an error document words its failure with."""
    if key in STATUS_KEYS:  # "status": "NOT_FOUND" / "failed" / false beside an error; "shipped" is data
        return value is False or (isinstance(value, str) and bool(FAILURE_CODE_RE.search(value)))
    if key in EMPTY_RESULT_KEYS:
        return isinstance(value, str) and value.lower() in FAILURE_RESULTS
    return key in ERROR_KEYS or key in WORD_KEYS


def error_document(data: Any) -> bool:
    """Whether a 2xx body is an error document rather than the thing asked for."""
    if not isinstance(data, dict) or not data:
        return False
    body = {_key(k): v for k, v in data.items() if not str(k).startswith("@")}  # JSON-LD's own keys
    flags = [body[k] for k in FAILURE_FLAGS if k in body]
    if any(flag is False for flag in flags) or any(body.get(k) is True for k in ERROR_FLAGS):
        return True
    if any(flag is True for flag in flags):
        return False
    content = {k: v for k, v in body.items() if not _metadata(k, v, body)}
    status = content.get("status")
    if isinstance(status, str) and status.lower() in JSEND_FAILURES and set(content) <= JSEND_KEYS:
        return True  # JSend: "error" with its message, "fail" with the data that says why
    results = [v for k, v in content.items() if _result(k, v)]
    words = {k: v for k, v in content.items() if not _result(k, v)}
    if not all(map(_no_result, results)):
        return False  # the thing asked for is here
    if not words or not all(_failure_words(k, v) for k, v in words.items()):
        return False  # a domain field, or nothing said
    if any(_names_failure(k, v) for k, v in body.items()):
        return True
    # {"result": null, "message": "not found"}: nothing asked for, only words (unless they say ok)
    said = any(isinstance(v, str) and v.strip() for v in words.values())
    return bool(results) and said and not any(map(_says_success, words.values()))
