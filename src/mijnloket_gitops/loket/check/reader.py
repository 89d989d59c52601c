"""The requests of ``loket check``: each answer recorded, scrubbed, in the capture, and
each list answer checked against the list envelope (``docs/loket-api-contract.md``,
"Requests": ``_embedded``, ``currentPage`` equal to the page asked for, ``totalPages``).

Statuses are answers here, not errors: a check wants to see a 404 or a 501, so every
status but 401 (the token; :class:`~mijnloket_gitops.errors.AuthError`) comes back.
Transient failures are retried as in the provider (:mod:`..http`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from mijnloket_gitops.loket.check.shapes import TELLING_HEADERS, Capture, Seen, shape_of
from mijnloket_gitops.loket.http import PAGE_SIZE, LoketHttp

ANY_STATUS = frozenset(range(300, 600)) - {401}


@dataclass(frozen=True)
class Answer:
    """One answer: its status, its JSON body (None when there is none or it is not
    JSON), and the list envelope's fault (None when it is a good list or not a list)."""

    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def items(self) -> list[Any] | None:
        """``_embedded`` of a list envelope; None when the body is not one."""
        if isinstance(self.body, dict) and isinstance(self.body.get("_embedded"), list):
            return list(self.body["_embedded"])
        return None

    @property
    def content(self) -> dict[str, Any] | None:
        """``content`` of a single-resource envelope; None when the body is not one."""
        if isinstance(self.body, dict) and isinstance(self.body.get("content"), dict):
            return dict(self.body["content"])
        return None


def envelope_fault(body: Any, asked: int) -> str | None:
    """What is wrong with a list envelope answering page ``asked``; None if nothing.

    Every fault found, joined by ``; ``. Scrubbed: names keys and JSON types, never
    values (but the page numbers).
    """
    if not isinstance(body, dict):
        return f"the body is a JSON {type(body).__name__}, not an object"
    faults = []
    if not isinstance(body.get("_embedded"), list):
        faults.append(f"no '_embedded' list; keys: {', '.join(sorted(body)) or '(none)'}")
    current, total = body.get("currentPage"), body.get("totalPages")
    if not isinstance(current, int) or isinstance(current, bool):
        faults.append("'currentPage' is not an integer")
    elif current != asked:
        faults.append(f"asked for page {asked}, the answer says currentPage {current}")
    if not isinstance(total, int) or isinstance(total, bool):
        faults.append("'totalPages' is not an integer")
    return "; ".join(faults) or None


class Reader:
    """Requests through the provider's HTTP client, every answer captured."""

    def __init__(self, http: LoketHttp, capture: Capture) -> None:
        self.http = http
        self.capture = capture

    def send(
        self,
        method: str,
        operation: str,
        path: str,
        *,
        params: Mapping[str, int] | None = None,
        body: Any = None,
    ) -> Answer:
        """One request; ``operation`` is its method and path template, for the capture."""
        response = self.http.request(method, path, params=params, json_body=body, allow=ANY_STATUS)
        decoded = _json(response)
        headers = tuple(h for h in TELLING_HEADERS if h in response.headers)
        shaped = None if decoded is _NO_JSON else shape_of(decoded)
        self.capture.seen.append(Seen(operation, response.status_code, headers, shaped))
        return Answer(response.status_code, None if decoded is _NO_JSON else decoded)

    def get(self, operation: str, path: str) -> Answer:
        """A single resource."""
        return self.send("GET", operation, path)

    def page(self, operation: str, path: str, number: int = 1, size: int = PAGE_SIZE) -> Answer:
        """One page of a list, as the provider asks for it."""
        return self.send("GET", operation, path, params={"pageNumber": number, "pageSize": size})

    def options(self, operation: str, path: str) -> tuple[int, str | None]:
        """The status and ``Allow`` header of an OPTIONS (None without one)."""
        response = self.http.request("OPTIONS", path, allow=ANY_STATUS)
        headers = tuple(h for h in TELLING_HEADERS if h in response.headers)
        self.capture.seen.append(Seen(operation, response.status_code, headers, None))
        return response.status_code, response.headers.get("Allow")


class _NoJson:
    pass


_NO_JSON: Any = _NoJson()


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return _NO_JSON
    try:
        return response.json()
    except ValueError:
        return _NO_JSON
