"""Which failures are retried, how long to wait between tries, and when to give up.

Transient: ``429`` (waiting at least its ``Retry-After``), ``502``, ``503``, ``504``,
dropped connections and timeouts; for idempotent requests also ``500`` (every API
request the provider makes is idempotent: GETs, and PATCHes with merge semantics that
set a right to a value, so a repeat is a no-op). The token endpoint's POST is not
idempotent (a refresh token is valid once) and is not retried on ``500``.

Waits grow exponentially with full jitter (a random wait between 0 and the exponential
cap, so many threads do not retry in step); the number of retries and the total time
spent waiting are both bounded, and a wait that would overrun the time budget is not
started. Built on tenacity; the sleep function
is injectable so tests never sleep for real.

Most requests succeed at once, so the client sends the first attempt itself and asks
:meth:`RetryPolicy.retryable` about the answer; only a transient failure brings in a
tenacity controller (:meth:`RetryPolicy.retrying`), which is handed that first
attempt's outcome and its start time, so it counts and bounds exactly as if it had
made the first attempt itself.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    wait_random_exponential,
)
from tenacity.stop import stop_base

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT_RETRY_STATUSES = RETRY_STATUSES | {500}

TRANSIENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,  # the server dropped the connection mid-answer
)


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """How one request is retried (from ``max_retries`` and ``retry_budget_seconds``)."""

    max_retries: int = 5
    budget_seconds: float = 120.0
    base_seconds: float = 0.5
    cap_seconds: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def retryable(self, response: httpx.Response, *, idempotent: bool = True) -> bool:
        """Whether this answer is a transient failure worth another attempt."""
        statuses = IDEMPOTENT_RETRY_STATUSES if idempotent else RETRY_STATUSES
        return response.status_code in statuses

    def retrying(
        self, describe: str, *, idempotent: bool = True, started: float | None = None
    ) -> Retrying:
        """A fresh tenacity controller for one request (``describe``: "GET /path").

        ``started`` is when the request's first attempt began (``time.monotonic()``),
        if that was before the controller exists; the time budget counts from there.
        """
        statuses = IDEMPOTENT_RETRY_STATUSES if idempotent else RETRY_STATUSES
        return Retrying(
            retry=retry_if_exception_type(TRANSIENT_ERRORS)
            | retry_if_result(lambda r: r.status_code in statuses),
            wait=_Wait(self.base_seconds, self.cap_seconds),
            stop=stop_after_attempt(self.max_retries + 1)
            | _WallBudget(self.budget_seconds, time.monotonic() if started is None else started)
            | _IdleBudget(self.budget_seconds),
            sleep=self.sleep,
            before_sleep=lambda state: _log_retry(describe, state, self.max_retries),
            retry_error_callback=_last_outcome,
        )


class _Wait:
    """Full-jitter exponential backoff, but never less than the server's Retry-After."""

    def __init__(self, base: float, cap: float) -> None:
        self._jitter = wait_random_exponential(multiplier=base, max=cap)

    def __call__(self, state: RetryCallState) -> float:
        wait = float(self._jitter(state))
        outcome = state.outcome
        if outcome is not None and not outcome.failed:
            response: httpx.Response = outcome.result()
            asked = retry_after_seconds(response.headers.get("Retry-After"))
            if asked is not None:
                wait = max(wait, asked)
        return wait


class _WallBudget(stop_base):
    """tenacity's ``stop_before_delay``, counting from ``started`` (a monotonic time).

    Stop when the next attempt would begin ``budget`` seconds or more after the first
    attempt began.
    """

    def __init__(self, budget: float, started: float) -> None:
        self._budget = budget
        self._started = started

    def __call__(self, state: RetryCallState) -> bool:
        ended = time.monotonic() if state.outcome_timestamp is None else state.outcome_timestamp
        return ended - self._started + state.upcoming_sleep >= self._budget


class _IdleBudget(stop_base):
    """Stop when the planned waits would add up to more than the budget.

    tenacity's ``stop_before_delay`` bounds wall-clock time; this bounds the waiting
    itself, which is what an injected sleep function sees.
    """

    def __init__(self, budget: float) -> None:
        self._budget = budget

    def __call__(self, state: RetryCallState) -> bool:
        return state.idle_for + state.upcoming_sleep > self._budget


def _last_outcome(state: RetryCallState) -> httpx.Response:
    """On giving up: the last response, or the last connection error raised again."""
    assert state.outcome is not None
    response: httpx.Response = state.outcome.result()
    return response


def _log_retry(describe: str, state: RetryCallState, max_retries: int) -> None:
    outcome = state.outcome
    if outcome is None:  # pragma: no cover - tenacity always sets it before sleeping
        return
    if outcome.failed:
        reason = type(outcome.exception()).__name__
    else:
        reason = str(outcome.result().status_code)
    log.warning(
        "%s: %s, retry %d of %d in %.1f s",
        describe,
        reason,
        state.attempt_number,
        max_retries,
        state.upcoming_sleep,
    )
