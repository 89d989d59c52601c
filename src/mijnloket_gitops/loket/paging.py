"""One page of a list envelope, checked (fail closed, naming the URL): ``_embedded``
present, ``currentPage`` the page asked for, ``totalPages`` stable within a read.

Mockoon's list examples hold only paging fields, and a server answering "page 2 of 3"
to every page made an unchecked reader stop on a wrong list (issue 20).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mijnloket_gitops.errors import ProviderError


@dataclass(frozen=True)
class Page:
    """One page of a list envelope: its items, the number asked for, the page count."""

    items: list[Any]
    number: int
    total: int
    last: bool
    """No page follows: this or its ``currentPage`` is the last, or it is empty (a list
    that shrank while being read)."""


def parse_page(path: str, number: int, body: Any) -> Page:
    """One page, checked (fail closed, naming ``path``): a list envelope with
    ``_embedded``, ``currentPage`` the page asked for, and ``totalPages``."""
    if not isinstance(body, dict) or not isinstance(body.get("_embedded"), list):
        raise ProviderError(
            f"GET {path} (page {number}): expected a list envelope with '_embedded'; the"
            " answer has none, so its items cannot be read (the tool does not guess)"
        )
    current, total = body.get("currentPage"), body.get("totalPages")
    if not isinstance(current, int) or not isinstance(total, int):
        raise ProviderError(f"GET {path}: the list envelope lacks currentPage/totalPages")
    if current != number:
        raise ProviderError(
            f"GET {path}: asked for page {number}, Loket.nl answered page {current} of"
            f" {total}; the list cannot be read reliably, so nothing is planned from it"
        )
    items = body["_embedded"]
    return Page(items, number, total, number >= total or not items)


MAX_DRIFT_PAGES = 1
"""How far ``totalPages`` may move within one read of a list: a list that grows or
shrinks while it is read crosses a page boundary, never several per page read."""


def check_total(path: str, first: Page, page: Page) -> None:
    """``totalPages`` must stay what the first page said within one read of a list (up
    to :data:`MAX_DRIFT_PAGES`; an empty page ends a list that shrank); otherwise fail
    closed, naming ``path``: a server whose page count runs ahead of the reader would
    be read for ever."""
    if page.items and abs(page.total - first.total) > MAX_DRIFT_PAGES:
        raise ProviderError(
            f"GET {path}: page {page.number} says there are {page.total} pages, the first"
            f" page said {first.total}; the list cannot be read reliably, so nothing is"
            " planned from it"
        )
