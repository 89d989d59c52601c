"""Progress of a long read (plan, apply, import) on stderr, on a terminal or in a CI log.

On a terminal: click's progress bar. Off a terminal, where a bar would be noise and
silence looks like a hang (a CI log), a plain line at a regular interval, the way
Terraform prints "Still reading... [10s elapsed]"::

    read 240 of 800 employers [2 min 0 s elapsed], about 4 min left

A ticker thread writes the line even while one slow batch is still being read; a
closing line says how long it took. A read shorter than one interval prints nothing.
The clock is injectable and :meth:`Progress.tick` public, so tests drive it without
sleeping.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

import click

INTERVAL = 10.0
"""Seconds between two lines off a terminal."""


def now() -> float:
    """The clock a :class:`Progress` reads unless given one (tests replace it)."""
    return time.monotonic()


def duration(seconds: float) -> str:
    """``42 s``, ``3 min 5 s``, ``1 h 2 min``: what a person reads in a log."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


def _left(seconds: float) -> str:
    if seconds < 60:
        return f"about {max(int(seconds), 1)} s left"
    return f"about {round(seconds / 60)} min left"


class Progress:
    """Counts employers read (``progress(n)`` adds ``n``); :meth:`close` when done."""

    def __init__(
        self,
        total: int,
        label: str,
        *,
        stream: TextIO | None = None,
        clock: Callable[[], float] | None = None,
        interval: float | None = None,
        terminal: bool | None = None,
        ticker: bool = True,
        verb: str = "read",
        noun: str = "employers",
    ) -> None:
        self._stream = stream or sys.stderr
        self._clock = clock or now
        self._interval = INTERVAL if interval is None else interval
        self._total = total
        self._verb, self._noun = verb, noun
        self._done = 0
        self._lines = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._bar: Any = None
        self._start = self._last = self._clock()
        on_terminal = self._stream.isatty() if terminal is None else terminal
        if on_terminal:
            if total > 1:
                self._bar = click.progressbar(length=total, label=label, file=self._stream)
                self._bar.__enter__()
        elif ticker and total > 0:
            self._thread = threading.Thread(target=self._run, name="progress", daemon=True)
            self._thread.start()
        self._plain = not on_terminal

    def __call__(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(done)
            return
        with self._lock:
            self._done += done
        self.tick()

    def tick(self) -> None:
        """Write the line if an interval has passed since the last one (off a terminal)."""
        if not self._plain:
            return
        with self._lock:
            now = self._clock()
            if now - self._last < self._interval:
                return
            self._last = now
            elapsed = now - self._start
            line = f"{self._verb} {self._done} of {self._total} {self._noun}"
            line += f" [{duration(elapsed)} elapsed]"
            if 0 < self._done < self._total:
                line += ", " + _left(elapsed / self._done * (self._total - self._done))
            self._write(line)

    def _write(self, line: str) -> None:
        self._lines += 1
        self._stream.write(line + "\n")
        self._stream.flush()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.tick()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._lock:
            if self._plain and self._lines:
                elapsed = duration(self._clock() - self._start)
                self._write(f"{self._verb} {self._done} of {self._total} {self._noun} in {elapsed}")
                self._lines = 0
