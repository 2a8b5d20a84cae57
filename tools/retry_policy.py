"""When the executor sends an action's request again, and how long it waits first (tenacity).

- **Idempotent methods only.** GET, PUT and DELETE (`ActionDefinition.is_idempotent`) may be
  sent up to `1 + retries` times; any other method (POST, PATCH) is sent exactly once, whatever
  happens: its stop condition is one attempt, decided before the first one.
- **What is retried:** a dropped or refused connection or a broken response (not a TLS
  failure: trying again cannot fix a certificate), and the statuses that say "later":
  429, 502, 503, 504. Any other answer is final.
- **How long it waits:** the server's `Retry-After` (seconds or an HTTP date) when it sends one;
  otherwise `backoff_seconds`, doubled on each further retry, plus a random jitter of up to
  `backoff_seconds`, so clients that failed together do not retry together.
- **Within the deadline:** the whole call, waits included, runs inside the action's total
  timeout. A wait that would end past it, or a `Retry-After` longer than `max_retry_after`, ends
  the retries at once: the last answer (or error) is the outcome, not a timeout.

tenacity does the loop; this module only says what the rules are.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import time
from collections.abc import Callable
from typing import Protocol

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    retry_if_result,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)
from tenacity.stop import stop_base
from tenacity.wait import wait_base

RETRY_STATUSES = frozenset({429, 502, 503, 504})


class Answer(Protocol):
    """What the retry rules read of a received response."""

    status: int
    retry_after: str | None
    """The raw `Retry-After` header, if any."""


def retrying(
    *,
    idempotent: bool,
    retries: int,
    backoff_seconds: float,
    max_retry_after: float,
    deadline: float,
    retryable_error: Callable[[BaseException], bool],
) -> AsyncRetrying:
    """The retry loop of one call; `deadline` is on the running loop's clock (`loop.time()`)."""
    attempts = 1 + retries if idempotent else 1
    return AsyncRetrying(
        stop=stop_after_attempt(attempts) | _WaitPastDeadline(deadline),
        retry=retry_if_exception(retryable_error) | retry_if_result(_asks_for_later),
        wait=_RetryAfterOrBackoff(backoff_seconds, max_retry_after),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
    )


def _asks_for_later(answer: Answer) -> bool:
    return answer.status in RETRY_STATUSES


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` in seconds from now: delay-seconds or an HTTP date; None if unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


class _RetryAfterOrBackoff(wait_base):
    def __init__(self, backoff_seconds: float, max_retry_after: float) -> None:
        self._backoff = wait_exponential(multiplier=backoff_seconds) + wait_random(0, backoff_seconds)
        self._max_retry_after = max_retry_after

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        if outcome is not None and not outcome.failed:
            asked = retry_after_seconds(outcome.result().retry_after)
            if asked is not None:
                return asked if asked <= self._max_retry_after else math.inf
        return self._backoff(retry_state)


class _WaitPastDeadline(stop_base):
    """Stop when the next wait would end after the call's deadline."""

    def __init__(self, deadline: float) -> None:
        self._deadline = deadline

    def __call__(self, retry_state: RetryCallState) -> bool:
        return asyncio.get_running_loop().time() + retry_state.upcoming_sleep >= self._deadline
