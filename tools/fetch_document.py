"""Fetch a document (an OpenAPI file) from a URL through the executor's one guarded path.

A document URL is as untrusted as an action URL, so it takes exactly the same road: the
definition's URL rules (no credentials in it, http/https only), the destination guard on every
hop (private addresses only for `allow_hosts`), redirects followed by hand, the deadline, the
size cap and the executor's own error mapping. Nothing here opens a connection: the request is
a synthetic GET action sent by `ActionExecutor.exchange` (the `transport.Delivery` every action
call uses). The only difference is what is kept: the raw body (a YAML document is not JSON, and a document is larger than an action
response), read up to `max_bytes`.
"""

from __future__ import annotations

import dataclasses

from .errors import ActionsError, ActionValidationError, ToolArgumentsError
from .executor import ActionExecutor
from .outcome import OutcomeKind
from .request_builder import build_request
from .validation import validate_action

DEFAULT_MAX_DOCUMENT_BYTES = 5_000_000
ACCEPT = "application/json, application/yaml;q=0.9, text/yaml;q=0.9, */*;q=0.5"


class DocumentFetchError(ActionsError):
    """The document could not be fetched: blocked, unreachable, an error status, too large."""


@dataclasses.dataclass(frozen=True)
class FetchedDocument:
    url: str
    text: str
    content_type: str | None


async def fetch_document(
    executor: ActionExecutor,
    url: str,
    *,
    max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
    timeout_seconds: float = 30.0,
) -> FetchedDocument:
    """GET `url` through the executor's guard and return the body as text.

    Raises `DocumentFetchError` with the executor's redacted summary when anything goes wrong.
    """
    try:
        action = validate_action(
            {
                "name": "fetch_document",
                "method": "GET",
                "url": url,
                "trigger": "Fetch a document.",
                "timeout_seconds": timeout_seconds,
                "headers": {"Accept": ACCEPT},
            }
        )
        prepared = await build_request(action, {}, executor.secrets)
    except (ActionValidationError, ToolArgumentsError) as exc:
        problems = getattr(exc, "problems", None)
        detail = "; ".join(p.message for p in problems) if problems else str(exc)
        raise DocumentFetchError(f"cannot fetch {url}: {detail}") from None
    exchange = await executor.exchange(action, prepared, max_response_bytes=max_bytes)
    outcome, received = exchange.outcome, exchange.received
    if received is None or outcome.kind in (OutcomeKind.HTTP_ERROR, OutcomeKind.CONFIG_ERROR):
        raise DocumentFetchError(f"cannot fetch the document: {outcome.summary}")
    if received.truncated:
        raise DocumentFetchError(f"the document at {url} is larger than {max_bytes} bytes")
    if not 200 <= received.status < 300:
        raise DocumentFetchError(f"cannot fetch the document: {outcome.summary}")
    try:
        text = received.body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentFetchError(f"the document at {url} is not UTF-8 text") from None
    return FetchedDocument(url=received.final_url, text=text, content_type=received.content_type)
