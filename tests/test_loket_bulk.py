"""The bulk lists a large plan starts with (:mod:`mijnloket_gitops.loket.bulk`): the
employer list and, where Loket offers them, the modules and users of all employers.
After the employer list's first page (which tells their size), they are read at once,
every page of each, and assembled in page order; each only where it costs fewer
requests than reading per employer."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import httpx
import pytest

from mijnloket_gitops.config import CapabilitiesConfig
from mijnloket_gitops.loket.budget import RequestBudget
from mijnloket_gitops.loket.bulk import all_items, prefetch
from mijnloket_gitops.loket.capabilities import Capability, CapabilityState
from mijnloket_gitops.loket.fanout import Workers
from mijnloket_gitops.loket.http import LoketHttp
from mijnloket_gitops.loket.retry import RetryPolicy

BASE = "https://api.loket.test/v2"
PAGE = 250
EMPLOYERS = [{"id": f"E{i}", "name": f"Werkgever {i}"} for i in range(600)]
MODULES = [{"employerId": f"E{i}", "modules": [{"name": "MijnLoket"}]} for i in range(300)]
USERS = [{"employerId": f"E{i}", "id": f"U{i}", "name": f"u{i}@w.nl"} for i in range(260)]
LISTS: dict[str, list[Any]] = {
    "/v2/providers/employers": EMPLOYERS,
    "/provider/providers/P1/employers/modules": MODULES,
    "/v2/providers/P1/employers/users": USERS,
}


def serve(
    lists: dict[str, list[Any]], first_pages: threading.Barrier | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        items = lists.get(request.url.path)
        if items is None:
            return httpx.Response(404)
        number = int(request.url.params["pageNumber"])
        if number == 1 and first_pages is not None:
            first_pages.wait()  # every list's first page is asked for before any answer
        total = max(1, -(-len(items) // PAGE))
        chunk = items[(number - 1) * PAGE : number * PAGE]
        return httpx.Response(
            200, json={"_embedded": chunk, "currentPage": number, "totalPages": total}
        )

    return handler


@pytest.fixture
def workers() -> Iterator[Workers]:
    with Workers(4) as pool:
        yield pool


def http(handler: Callable[[httpx.Request], httpx.Response]) -> LoketHttp:
    policy = RetryPolicy(max_retries=0, budget_seconds=5.0, sleep=lambda _: None)
    return LoketHttp(
        BASE, policy=policy, budget=RequestBudget(1e6), transport=httpx.MockTransport(handler)
    )


def capabilities() -> CapabilityState:
    return CapabilityState(CapabilitiesConfig(), api_url=BASE, cache=None, ttl_seconds=0)


ALL = [str(e["id"]) for e in EMPLOYERS]


def test_the_lists_are_read_at_once(workers: Workers) -> None:
    """One list after another would leave the pool idle between them: here the first
    pages of the two bulk lists must be in flight together, or the barrier breaks."""
    caps = capabilities()
    with closing(http(serve(LISTS, threading.Barrier(2, timeout=10)))) as client:
        with closing(http(serve(LISTS))) as head:
            first = head.page("providers/employers", 1)[1]
        assert first is not None

        def barrier_free_head(path: str, number: int, **kw: Any) -> Any:
            return (
                (200, first)
                if number == 1 and path == "providers/employers"
                else page(path, number, **kw)
            )

        page = client.page
        client.page = barrier_free_head  # type: ignore[method-assign]
        found = prefetch(client, caps, workers, lambda: "P1", ALL)
    assert found is not None
    assert found.listing == EMPLOYERS
    assert found.modules is not None and len(found.modules) == 300
    assert found.users is not None and len(found.users) == 260
    assert found.take("e599") == {"content": EMPLOYERS[599], "modules": [], "users": []}
    assert caps.get(Capability.MODULES_BULK_READ) is True
    assert caps.get(Capability.EMPLOYER_USERS_BULK_READ) is True


def test_lists_loket_does_not_offer_are_decided_off(workers: Workers) -> None:
    caps = capabilities()
    with closing(http(serve({"/v2/providers/employers": EMPLOYERS}))) as client:
        found = prefetch(client, caps, workers, lambda: "P1", ALL)
    assert found is not None
    assert found.listing == EMPLOYERS
    assert found.modules is None and found.users is None
    assert caps.get(Capability.MODULES_BULK_READ) is False
    assert caps.get(Capability.EMPLOYER_USERS_BULK_READ) is False


def test_one_worker_reads_every_page_in_order() -> None:
    """A job starts the jobs of the further pages instead of waiting on the pool from
    inside it: with one worker, waiting would leave nobody to read."""
    with Workers(1) as pool, closing(http(serve(LISTS))) as client:
        found = prefetch(client, capabilities(), pool, lambda: "P1", ALL)
        assert found is not None
        assert all_items(client, pool, "providers/employers") == EMPLOYERS
    assert found.listing == EMPLOYERS


PORTFOLIO: dict[str, list[Any]] = {
    "/v2/providers/employers": EMPLOYERS,
    "/provider/providers/P1/employers/modules": [
        {"employerId": f"E{i}", "modules": [{"name": "MijnLoket"}]} for i in range(600)
    ],  # A10: one item per employer
    "/v2/providers/P1/employers/users": [
        {"employerId": f"E{i % 600}", "id": f"U{i}", "userName": f"u{i}@w.nl"} for i in range(700)
    ],
}
"""A portfolio as the bulk lists show it: every employer in the modules list, at least
as many users as employers."""


def counting(lists: dict[str, list[Any]]) -> tuple[Any, list[str]]:
    asked: list[str] = []
    inner = serve(lists)

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return inner(request)

    return handler, asked


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 6, 10, 24, 25, 100, 300, 600])
def test_no_cliff_lists_or_per_employer_whichever_is_cheaper(count: int, workers: Workers) -> None:
    """Issue 20: below 25 employers nothing was read from lists (73 requests for 24
    employers, 14 for 25). Now, at every size, the requests are within two of the
    cheaper of "all from lists" and "all per employer" (three reads each)."""
    handler, asked = counting(PORTFOLIO)
    wanted = ALL[:: max(1, len(ALL) // count)][:count]
    with closing(http(handler)) as client:
        found = prefetch(client, capabilities(), workers, lambda: "P1", wanted)
    per_list = {path: max(1, -(-len(items) // PAGE)) for path, items in PORTFOLIO.items()}
    given = {"content": 0, "modules": 0, "users": 0}
    for employer_id in wanted:
        taken = found.take(employer_id) if found is not None else {}
        assert taken is not None
        for what in given:
            given[what] += taken.get(what) is not None
    per_employer_left = sum(len(wanted) - n for n in given.values())
    total = len(asked) + per_employer_left
    cheaper = min(3 * len(wanted), sum(per_list.values()) + 1)  # + GET /providers
    assert total <= cheaper + 2, (total, cheaper, asked)


def test_a_list_that_grew_while_read_is_followed_to_its_end(workers: Workers) -> None:
    grown = [{"id": f"E{i}"} for i in range(2 * PAGE + 10)]
    asked: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["pageNumber"])
        asked.append(number)
        total = 2 if number == 1 else 3  # the first page still saw two pages
        chunk = grown[(number - 1) * PAGE : number * PAGE]
        return httpx.Response(
            200, json={"_embedded": chunk, "currentPage": number, "totalPages": total}
        )

    with closing(http(handler)) as client:
        assert all_items(client, workers, "providers/employers") == grown
    assert sorted(asked) == [1, 2, 3]
