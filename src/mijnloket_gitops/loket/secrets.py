"""Keeping tokens and the client secret out of messages.

The tool never formats a secret into a message on purpose; this is the second line
of defence for text it does not control (an error body echoing a request, say).
"""

from __future__ import annotations

import json
import re
import threading
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"
_MIN_LENGTH = 6  # shorter values would redact ordinary words


def _lower_hex(text: str) -> str:
    """``%2F`` as ``%2f``: some clients and servers write percent-escapes in lower case."""
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), text)


class Secrets:
    """The secret values of one session; :meth:`scrub` removes them from text."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: str | None) -> None:
        """Remember ``value`` in every encoding it may be sent in: as is, percent-encoded
        (form bodies, URL queries; ``+`` or ``%20`` for a space, either case of hex)
        and JSON-escaped, so an error body echoing a request is scrubbed too."""
        if value and len(value) >= _MIN_LENGTH:
            variants = {
                value,
                quote(value, safe=""),
                quote_plus(value, safe=""),
                quote(value, safe="/"),
                json.dumps(value)[1:-1],
                json.dumps(value, ensure_ascii=False)[1:-1],
            }
            variants |= {_lower_hex(v) for v in variants}
            with self._lock:
                self._values.update(variants)

    def scrub(self, text: str) -> str:
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)
        for value in values:
            text = text.replace(value, REDACTED)
        return text

    def __repr__(self) -> str:
        return f"Secrets({len(self._values)} values)"
