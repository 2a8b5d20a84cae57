"""The result of one action call: every outcome classified, every field safe to show.

Nothing in an `Outcome` carries a secret: the executor masks secret values in the request, in
error text and in the response excerpt before it builds one. It is what the model, the trace,
the UI and the CLI see.
"""

from __future__ import annotations

import enum
import hashlib
import json
from typing import Any

from pydantic import BaseModel, Field


class OutcomeKind(str, enum.Enum):
    OK = "ok"
    """2xx with a body that could be read (JSON, or text when the API sends text)."""
    HTTP_ERROR = "http_error"
    """The API answered 4xx or 5xx."""
    TIMEOUT = "timeout"
    """The call's total deadline passed (connect, a slow server, or one that drips bytes)."""
    NETWORK = "network"
    """DNS failure, connection refused or reset, TLS failure, too many redirects."""
    BLOCKED = "blocked"
    """The guard refused the destination (SSRF rules, scheme, port)."""
    INVALID_RESPONSE = "invalid_response"
    """The body could not be used: not JSON where JSON was needed, bad encoding, selection failed."""
    CONFIG_ERROR = "config_error"
    """The action or its arguments cannot make a request (missing secret, bad argument, ...)."""

    @property
    def is_error(self) -> bool:
        return self is not OutcomeKind.OK


class RedactedRequest(BaseModel):
    """The request as sent, secrets masked: shown in previews, traces and the UI."""

    method: str
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None

    def digest(self) -> str:
        """A fingerprint of exactly this request (as shown): what an approval is bound to."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


class Outcome(BaseModel):
    kind: OutcomeKind
    action: str
    request: RedactedRequest | None = None
    status: int | None = None
    latency_ms: float = 0.0
    attempts: int = 0
    summary: str
    """One redacted sentence, safe for a model, a trace or a screen."""
    data: Any = None
    """The selected response fields: exactly what the model may see."""
    link_url: str | None = None
    """For the link format: the URL read from the configured response field."""
    excerpt: str = ""
    """The start of the response body, redacted, for humans debugging."""
    truncated: bool = False
    """The body exceeded the size cap and was cut."""
    content_type: str | None = None

    @property
    def ok(self) -> bool:
        return self.kind is OutcomeKind.OK

    @property
    def was_sent(self) -> bool:
        """Whether the request (may have) reached the API: every outcome but a refusal before
        sending (the guard blocked it, or the action or its arguments could not make one)."""
        return self.kind not in NOT_SENT

    @property
    def may_have_applied(self) -> bool:
        """Whether the API may have done what was asked: a success, or a failure that leaves it
        unknown (a timeout, a dropped connection, a 500 or a gateway's 502 / 504, an unreadable
        body). A 4xx, a 503 or a 429 says it was not done: sending it again duplicates nothing."""
        if not self.was_sent:
            return False
        if self.kind is OutcomeKind.HTTP_ERROR and isinstance(self.status, int):
            return not (400 <= self.status < 500 or self.status == 503)
        return True


NOT_SENT = frozenset({OutcomeKind.BLOCKED, OutcomeKind.CONFIG_ERROR})
"""The outcome classes of a call that was never sent."""
