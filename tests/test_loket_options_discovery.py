"""Write capabilities decided by OPTIONS when the server does not really answer it:
no ``Allow`` header, 501 Not Implemented, a 405 or 404 to OPTIONS. None of these shows
PATCH, so an undocumented write stays off and the documented rights write stays on
(nothing is ever decided by writing)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mijnloket_gitops.config import CapabilitiesConfig
from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.loket.budget import RequestBudget
from mijnloket_gitops.loket.capabilities import Capability, CapabilityState
from mijnloket_gitops.loket.discovery import write_decides
from mijnloket_gitops.loket.http import LoketHttp
from mijnloket_gitops.loket.retry import RetryPolicy

BASE = "https://api.loket.test/v2"
PATH = "/providers/employers/e-1/modules"


def answered(status: int, headers: dict[str, str]) -> Iterator[tuple[LoketHttp, list[str]]]:
    methods: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        return httpx.Response(status, headers=headers)

    client = LoketHttp(
        BASE,
        policy=RetryPolicy(max_retries=0, budget_seconds=1.0, sleep=lambda _: None),
        budget=RequestBudget(1e6),
        transport=httpx.MockTransport(handler),
    )
    try:
        yield client, methods
    finally:
        client.close()


def state() -> CapabilityState:
    return CapabilityState(CapabilitiesConfig(), api_url=BASE, cache=None, ttl_seconds=0)


NOT_SHOWN = [
    (200, {}),
    (204, {}),
    (501, {}),
    (501, {"Allow": "GET, PATCH"}),
    (405, {"Allow": "GET, PATCH"}),
    (404, {}),
    (403, {}),
]


@pytest.mark.parametrize(("status", "headers"), NOT_SHOWN)
def test_an_options_answer_without_a_usable_allow_decides_nothing_by_itself(
    status: int, headers: dict[str, str]
) -> None:
    for http, methods in answered(status, headers):
        caps = state()
        assert write_decides(http, caps, Capability.MODULES_WRITE, PATH) is False
        decision = caps.decision(Capability.MODULES_WRITE)
        assert decision is not None and decision.how == "not shown"
        assert write_decides(http, caps, Capability.EMPLOYER_USER_RIGHTS_WRITE, PATH) is True
        decision = caps.decision(Capability.EMPLOYER_USER_RIGHTS_WRITE)
        assert decision is not None and decision.how == "documented"
        assert set(methods) == {"OPTIONS"}, "a write is never tried by writing"


@pytest.mark.parametrize(
    ("allow", "expected", "how"),
    [
        ("GET, PATCH", True, "allow"),
        ("get,patch", True, "allow"),
        ("GET", False, "allow without PATCH"),
    ],
)
def test_an_allow_header_decides_both_ways(allow: str, expected: bool, how: str) -> None:
    for http, _ in answered(200, {"Allow": allow}):
        caps = state()
        assert write_decides(http, caps, Capability.EMPLOYER_USER_RIGHTS_WRITE, PATH) is expected
        decision = caps.decision(Capability.EMPLOYER_USER_RIGHTS_WRITE)
        assert decision is not None and decision.how == how


def test_discoveries_are_cached_per_api_url(tmp_path: Path) -> None:
    """Pointing the repository at another Loket (acceptance, production, an emulator)
    discovers afresh; the first URL's discoveries stay for when it comes back."""
    cache = tmp_path / "caps.json"

    def at(url: str) -> CapabilityState:
        return CapabilityState(CapabilitiesConfig(), api_url=url, cache=cache, ttl_seconds=60)

    at(BASE).record(Capability.MODULES_WRITE, False, "not shown")
    other = at("https://api.acceptance.loket.test/v2")
    assert other.get(Capability.MODULES_WRITE) is None
    other.record(Capability.MODULES_WRITE, True, "allow")
    assert at(BASE).get(Capability.MODULES_WRITE) is False
    assert at("https://api.acceptance.loket.test/v2").get(Capability.MODULES_WRITE) is True


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_server_error_to_options_decides_nothing(status: int) -> None:
    """A Loket outage during discovery is an error, not "PATCH not offered": cached,
    it would switch module switching off for a day."""
    for http, methods in answered(status, {}):
        caps = state()
        with pytest.raises(ProviderError, match=str(status)):
            write_decides(http, caps, Capability.MODULES_WRITE, PATH)
        assert caps.get(Capability.MODULES_WRITE) is None
        assert set(methods) == {"OPTIONS"}
