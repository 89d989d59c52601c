"""Reading many employers in O(pages) requests instead of O(employers).

Before a plan reads its employers (:meth:`~.provider.LoketProvider.prepare`), a large
enough batch is prefetched from lists: the employer list itself (so no per-employer
``GET /providers/employers/{id}``, which repeats what the list says), and where Loket
offers them, the modules of all employers (A10) and the users of all employers (A11).
What is not prefetched is read per employer, as before. The rights of each
werkgevergebruiker still cost one request each: no bulk read of them is known.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from mijnloket_gitops.loket import assumptions as A
from mijnloket_gitops.loket import paths
from mijnloket_gitops.loket.capabilities import Capability, CapabilityState
from mijnloket_gitops.loket.discovery import read_decides
from mijnloket_gitops.loket.fanout import Job, Workers
from mijnloket_gitops.loket.http import LoketHttp, Page

BULK_MIN = 25
"""Batches smaller than this are read per employer: a plan of k changed employers
then costs O(k) requests, never all the list pages of a large portfolio."""


def all_items(http: LoketHttp, workers: Workers, path: str, first: Page | None = None) -> list[Any]:
    """Every item of a list: the first page, then the other pages concurrently.

    A list that grew while it was read is followed page by page to its new end; one
    that shrank ends at its first empty page, as :meth:`.LoketHttp.items` does.
    """
    if first is None:
        _, first = http.page(path, 1)
        assert first is not None  # without ``allow`` anything but 2xx raises
    if first.last:
        return list(first.items)
    pages: dict[int, Page] = {}
    lock = threading.Lock()

    def read(number: int) -> Job:
        def job() -> Iterable[Job]:
            _, page = http.page(path, number)
            assert page is not None
            with lock:
                pages[number] = page
            return ()

        return job

    workers.run([read(n) for n in range(2, first.total + 1)])
    result = list(first.items)
    page = first
    for number in range(2, first.total + 1):
        page = pages[number]
        result.extend(page.items)
        if page.last:
            return result
    while not page.last:  # the list grew since the first page
        _, following = http.page(path, page.number + 1)
        assert following is not None
        page = following
        result.extend(page.items)
    return result


@dataclass
class Prefetch:
    """What a bulk read found, by employer id (lower case); None: not read in bulk."""

    listing: list[Any]
    contents: dict[str, dict[str, Any]] = field(default_factory=dict)
    modules: dict[str, list[Any]] | None = None
    users: dict[str, list[Any]] | None = None

    def take(self, employer_id: str) -> dict[str, Any] | None:
        """The keyword arguments for :class:`.reading.EmployerRead`, or None when the
        list does not know the employer (it does not exist live)."""
        key = employer_id.lower()
        content = self.contents.get(key)
        if content is None:
            return None
        return {
            "content": content,
            "modules": None if self.modules is None else self.modules.get(key, []),
            "users": None if self.users is None else self.users.get(key, []),
        }


def prefetch(
    http: LoketHttp, caps: CapabilityState, workers: Workers, provider_id: Callable[[], str]
) -> Prefetch:
    """The employer list, and the bulk reads Loket offers (decided on first use)."""
    listing = all_items(http, workers, paths.EMPLOYERS)
    found = Prefetch(listing)
    for item in listing:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            found.contents[item["id"].lower()] = item
    if caps.get(Capability.MODULES_BULK_READ) is not False:
        path = paths.bulk_modules(provider_id())
        first = read_decides(http, caps, Capability.MODULES_BULK_READ, path)
        if first is not None:
            found.modules = A.parse_bulk_modules(all_items(http, workers, path, first))
    if caps.get(Capability.EMPLOYER_USERS_BULK_READ) is not False:
        path = paths.bulk_users(provider_id())
        first = read_decides(http, caps, Capability.EMPLOYER_USERS_BULK_READ, path)
        if first is not None:
            found.users = A.parse_bulk_users(all_items(http, workers, path, first))
    return found
