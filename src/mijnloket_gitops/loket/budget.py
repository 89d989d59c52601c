"""The client-side request budget: a token bucket shared by every thread of a client.

Loket.nl documents no rate limit; the budget keeps a large portfolio from flooding it
in the first place, and 429 handling (:mod:`.retry`) covers the rest.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RequestBudget:
    """At most ``rate`` requests per second on average, bursts of up to ``burst``.

    :meth:`acquire` reserves the next free slot under a lock and sleeps outside it, so
    waiting threads are spaced ``1 / rate`` apart instead of queueing on the lock.
    """

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one request's worth of budget; returns the seconds waited for it."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1.0
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait
