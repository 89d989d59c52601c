"""Loket's answer shapes: list envelopes with pagination, ``content``, errors, ``Accept``.

- A list is ``{"_embedded": [...], "currentPage", "totalPages", "pageSize",
  "totalSize"}``; ``pageNumber`` is 1-based (default 1), ``pageSize`` defaults to the
  configured default and is clamped to the maximum (250). An empty list has
  ``totalPages`` 0 (the contract allows 0 or 1; 0 is the case a client is likelier
  to get wrong). A page past the end is an empty ``_embedded``.
- A single resource is ``{"content": {...}}``; in the ``artefact`` world it also
  carries ``"version": {"obsoleteDate", "resourceVersion"}`` (:data:`VERSION`), as the
  Mockoon environment's single resources do.
- API errors are ``{"message": "..."}``: Loket's error format is undocumented, and
  the contract tells clients not to parse it.
- Requests must accept ``application/json;version=2018-01-01``; anything else is
  ``406``. This is stricter than Loket may be, on purpose: it proves that a client
  asks for the version it was written against.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

MEDIA_TYPE = "application/json"
API_VERSION = "2018-01-01"
ACCEPT = f"{MEDIA_TYPE};version={API_VERSION}"


class ApiError(Exception):
    """An error answer of the API; raised by handlers, answered by the API middleware."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def response(self) -> web.Response:
        return web.json_response(
            {"message": self.message}, status=self.status, headers=self.headers
        )


@dataclass(frozen=True)
class Page:
    number: int
    size: int


def page_of(query: Any, default_size: int, max_size: int) -> Page:
    """``pageNumber`` and ``pageSize`` from the query; 400 when not positive integers."""
    values = []
    for name, default in (("pageNumber", 1), ("pageSize", default_size)):
        text = query.get(name)
        if text is None:
            values.append(default)
            continue
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise ApiError(400, f"{name} must be a positive integer, not {text!r}")
        values.append(value)
    return Page(values[0], min(values[1], max_size))


def listing(items: Sequence[dict[str, Any]], page: Page) -> dict[str, Any]:
    """The list envelope of one page of ``items``."""
    start = (page.number - 1) * page.size
    return {
        "_embedded": list(items[start : start + page.size]),
        "currentPage": page.number,
        "totalPages": math.ceil(len(items) / page.size),
        "pageSize": page.size,
        "totalSize": len(items),
    }


VERSION = {"obsoleteDate": "2027-06-30", "resourceVersion": API_VERSION}
"""The ``version`` object of a single resource: both strings, as in the Mockoon
environment (``obsoleteDate`` a date, ``resourceVersion`` the media type's version)."""


def content(item: dict[str, Any], *, version: bool = False) -> dict[str, Any]:
    """A single resource's envelope; ``version`` adds the :data:`VERSION` object."""
    return {"content": item, "version": dict(VERSION)} if version else {"content": item}


def _accepts(header: str) -> bool:
    for media_range in header.split(","):
        kind, *params = (part.strip() for part in media_range.split(";"))
        if kind.lower() != MEDIA_TYPE:
            continue
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "version" and value.strip().strip('"') == API_VERSION:
                return True
    return False


def check_accept(request: web.Request) -> None:
    header = request.headers.get("Accept", "")
    if not _accepts(header):
        raise ApiError(406, f"send Accept: {ACCEPT} (got {header[:80]!r})")


def bearer_token(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None
