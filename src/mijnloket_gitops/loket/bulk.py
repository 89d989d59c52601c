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


class _ListRead:
    """One list read as jobs: the first page, which starts a job per further page.

    The pages of several lists then share the worker pool at once (a job starts
    further jobs instead of waiting on the pool from inside it, which with few
    workers would leave none to do the reading).
    """

    def __init__(
        self,
        http: LoketHttp,
        path: Callable[[], str],
        first: Callable[[str], Page | None] | None = None,
    ) -> None:
        self._http = http
        self._path = path
        self._first = first
        self.where = ""
        self.head: Page | None = None
        self.pages: dict[int, Page] = {}
        self._lock = threading.Lock()

    def job(self) -> Job:
        def first_page() -> Iterable[Job]:
            self.where = self._path()
            if self._first is not None:
                self.head = self._first(self.where)
            else:
                _, self.head = self._http.page(self.where, 1)
            if self.head is None or self.head.last:
                return ()
            return [self._page(n) for n in range(2, self.head.total + 1)]

        return first_page

    def _page(self, number: int) -> Job:
        def job() -> Iterable[Job]:
            _, page = self._http.page(self.where, number)
            assert page is not None  # without ``allow`` anything but 2xx raises
            with self._lock:
                self.pages[number] = page
            return ()

        return job

    def items(self) -> list[Any] | None:
        """Every item, once the jobs ran; None when the first page was not offered.

        A list that grew while it was read is followed page by page to its new end;
        one that shrank ends at its first empty page, as :meth:`.LoketHttp.items` does.
        """
        if self.head is None:
            return None
        result = list(self.head.items)
        page = self.head
        for number in range(2, self.head.total + 1):
            if page.last:
                return result
            page = self.pages[number]
            result.extend(page.items)
        while not page.last:  # the list grew since the first page
            _, following = self._http.page(self.where, page.number + 1)
            assert following is not None
            page = following
            result.extend(page.items)
        return result


def all_items(http: LoketHttp, workers: Workers, path: str) -> list[Any]:
    """Every item of a list: the first page, then the other pages concurrently."""
    read = _ListRead(http, lambda: path)
    workers.run([read.job()])
    return read.items() or []


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
    """The employer list, and the bulk reads Loket offers (decided on first use), all
    read at once: one list after another would leave the pool idle between them."""

    def offered(capability: Capability) -> Callable[[str], Page | None]:
        return lambda path: read_decides(http, caps, capability, path)

    listing = _ListRead(http, lambda: paths.EMPLOYERS)
    modules = users = None
    if caps.get(Capability.MODULES_BULK_READ) is not False:
        modules = _ListRead(
            http,
            lambda: paths.bulk_modules(provider_id()),
            offered(Capability.MODULES_BULK_READ),
        )
    if caps.get(Capability.EMPLOYER_USERS_BULK_READ) is not False:
        users = _ListRead(
            http,
            lambda: paths.bulk_users(provider_id()),
            offered(Capability.EMPLOYER_USERS_BULK_READ),
        )
    workers.run([read.job() for read in (listing, modules, users) if read is not None])
    found = Prefetch(listing.items() or [])
    for item in found.listing:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            found.contents[item["id"].lower()] = item
    if modules is not None and (items := modules.items()) is not None:
        found.modules = A.parse_bulk_modules(items)
    if users is not None and (items := users.items()) is not None:
        found.users = A.parse_bulk_users(items)
    return found
