"""Reading many employers in O(pages) requests instead of O(employers), where that
is cheaper.

Before a plan reads its ``k`` employers (:meth:`~.provider.LoketProvider.prepare`),
each of three things is read from a list or per employer, whichever costs fewer
requests (:func:`prefetch`): the employers themselves (the employer list, or ``GET
/providers/employers/{id}`` each), their modules (the bulk list A10, or ``.../modules``
each) and their users (the bulk list A11, or ``.../users`` each). A list costs its
pages, a per-employer read ``k`` requests. The first page of the employer list (one
request, for ``k >= 2``) tells how many pages the lists have (A10: one item per
employer; the users list's own first page corrects the estimate for users) and already
holds up to a page of the employers. So the cost never jumps at some ``k``: at every
size it is within two requests of the cheaper of "all from lists" and "all per
employer". The rights of each werkgevergebruiker cost one request each either way: no
bulk read of them is known.
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
from mijnloket_gitops.loket.http import LoketHttp
from mijnloket_gitops.loket.paging import Page, check_total


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

    def following(self, head: Page) -> list[Job]:
        """Jobs for the pages after ``head``, a first page read already."""
        self.where, self.head = self._path(), head
        return [self._page(n) for n in range(2, head.total + 1)]

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
            check_total(self.where, self.head, page)
            result.extend(page.items)
        while not page.last:  # the list grew since the first page
            _, following = self._http.page(self.where, page.number + 1)
            assert following is not None
            page = following
            check_total(self.where, self.head, page)
            result.extend(page.items)
        return result


def all_items(http: LoketHttp, workers: Workers, path: str) -> list[Any]:
    """Every item of a list: the first page, then the other pages concurrently."""
    read = _ListRead(http, lambda: path)
    workers.run([read.job()])
    return read.items() or []


@dataclass
class Prefetch:
    """What lists gave, by employer id (lower case); None: not read from a list."""

    listing: list[Any] | None
    """The whole employer list, when it was read to its end (else None)."""
    contents: dict[str, dict[str, Any]] = field(default_factory=dict)
    modules: dict[str, list[Any]] | None = None
    users: dict[str, list[Any]] | None = None

    def take(self, employer_id: str) -> dict[str, Any] | None:
        """The keyword arguments for :class:`.reading.EmployerRead`, or None when the
        whole list was read and does not know the employer (it does not exist live)."""
        key = employer_id.lower()
        content = self.contents.get(key)
        if content is None and self.listing is not None:
            return None
        return {
            "content": content,
            "modules": None if self.modules is None else self.modules.get(key, []),
            "users": None if self.users is None else self.users.get(key, []),
        }


def _by_id(items: Iterable[Any]) -> dict[str, dict[str, Any]]:
    return {
        item["id"].lower(): item
        for item in items
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }


def prefetch(
    http: LoketHttp,
    caps: CapabilityState,
    workers: Workers,
    provider_id: Callable[[], str],
    employer_ids: Iterable[str],
    *,
    provider_known: bool = False,
) -> Prefetch | None:
    """What lists give cheaper than per-employer reads (see the module docstring); None
    when nothing is (fewer than two employers). ``provider_known``: the provider's id
    (needed in the bulk lists' paths) costs no request."""
    wanted = {i.lower() for i in employer_ids}
    if len(wanted) < 2:
        return None
    _, head = http.page(paths.EMPLOYERS, 1)
    assert head is not None  # without ``allow`` anything but 2xx raises
    found = Prefetch(None, _by_id(head.items))
    uncovered = len(wanted - set(found.contents))
    listing = None
    if not head.last and head.total - 1 <= uncovered:
        listing = _ListRead(http, lambda: paths.EMPLOYERS)
    elif head.last:
        found.listing = list(head.items)
    # A10: the bulk modules list has one item per employer, as many pages as the
    # employer list; users (A11) are estimated so, and corrected by their first page.
    bulk_cost = head.total + (0 if provider_known else 1)

    def offered(capability: Capability) -> _ListRead | None:
        if caps.get(capability) is False or bulk_cost >= len(wanted):
            return None
        path = paths.bulk_modules if capability == MODULES else paths.bulk_users

        def first(where: str) -> Page | None:
            page = read_decides(http, caps, capability, where)
            if page is not None and capability == USERS and page.total - 1 > len(wanted):
                return None  # more pages than employers: per employer is cheaper
            return page

        return _ListRead(http, lambda: path(provider_id()), first)

    modules, users = offered(MODULES), offered(USERS)
    jobs = [read.job() for read in (modules, users) if read is not None]
    if listing is not None:
        jobs += listing.following(head)
    workers.run(jobs)
    if listing is not None:
        found.listing = listing.items() or []
        found.contents = _by_id(found.listing)
    if modules is not None and (items := modules.items()) is not None:
        found.modules = A.parse_bulk_modules(items)
    if users is not None and (items := users.items()) is not None:
        found.users = A.parse_bulk_users(items)
    return found


MODULES = Capability.MODULES_BULK_READ
USERS = Capability.EMPLOYER_USERS_BULK_READ
