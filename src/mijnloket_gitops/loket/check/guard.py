"""Safety around ``loket check --write``: never production by accident, and Ctrl-C
never leaves the scratch employer changed.

- :func:`production_host`: whether an API URL is Loket's production (``loket.nl`` or
  a host under it; acceptance is ``loket-acc.nl``). ``--write`` refuses it unless the
  operator passes ``--i-know-this-is-production``.
- :class:`StopFlag` with :func:`deferred_interrupt`: while round trips run, SIGINT
  only sets a flag; the round trip stops at its next step (:meth:`StopFlag.check`
  raises :class:`Interrupted`), and the starting state is restored before the command
  exits with 130. A second Ctrl-C during the restore is noted and ignored too: the
  restore is a few requests, and leaving it half done is what this guard prevents.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

import httpx

PRODUCTION_DOMAIN = "loket.nl"


def production_host(api_url: str) -> bool:
    """Whether ``api_url`` is Loket.nl's production API (``api.loket.nl``)."""
    try:
        host = httpx.URL(api_url).host.lower().rstrip(".")
    except httpx.InvalidURL:
        return False
    return host == PRODUCTION_DOMAIN or host.endswith("." + PRODUCTION_DOMAIN)


class Interrupted(Exception):
    """Ctrl-C arrived; raised at the next step of a round trip."""


class StopFlag:
    """Set by SIGINT (or a test); checked between the steps of a round trip."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.on_request: Callable[[], None] = lambda: None

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def request(self) -> None:
        self._event.set()
        self.on_request()

    def check(self) -> None:
        if self._event.is_set():
            raise Interrupted


@contextmanager
def deferred_interrupt(flag: StopFlag) -> Iterator[StopFlag]:
    """SIGINT sets ``flag`` instead of raising, for the block (main thread only; in
    another thread the block runs unguarded, as signals reach only the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        flag.request()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)
