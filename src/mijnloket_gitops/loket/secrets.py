"""Keeping tokens and the client secret out of messages.

The tool never formats a secret into a message on purpose; this is the second line
of defence for text it does not control (an error body echoing a request, say).
"""

from __future__ import annotations

import threading

REDACTED = "[redacted]"
_MIN_LENGTH = 6  # shorter values would redact ordinary words


class Secrets:
    """The secret values of one session; :meth:`scrub` removes them from text."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: str | None) -> None:
        if value and len(value) >= _MIN_LENGTH:
            with self._lock:
                self._values.add(value)

    def scrub(self, text: str) -> str:
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)
        for value in values:
            text = text.replace(value, REDACTED)
        return text

    def __repr__(self) -> str:
        return f"Secrets({len(self._values)} values)"
