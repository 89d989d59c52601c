"""Write capabilities are never decided by OPTIONS (issue 20): no artefact documents
it, and a real server (Mockoon) answers it 200 with CORS headers and no ``Allow``. A
write is used when configured ``on``, proven by the Loket profile, or (the rights of
werkgevergebruikers) documented; otherwise it is ``unproven``. ``loket probe`` shows
what OPTIONS said beside it, as a hint (:func:`options_hint`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mijnloket_gitops.config import CapabilitiesConfig
from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.loket.budget import RequestBudget
from mijnloket_gitops.loket.capabilities import Capability, CapabilityState
from mijnloket_gitops.loket.discovery import options_hint, write_decides
from mijnloket_gitops.loket.http import LoketHttp
from mijnloket_gitops.loket.profile import Profile
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


CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET,PATCH"}

ANSWERS = [
    (200, {}),
    (200, CORS),
    (200, {"Allow": "GET, PATCH"}),
    (204, {}),
    (501, {}),
    (405, {"Allow": "GET, PATCH"}),
    (404, {}),
    (403, {}),
]


@pytest.mark.parametrize(("status", "headers"), ANSWERS)
def test_no_options_answer_decides_a_write(status: int, headers: dict[str, str]) -> None:
    """Whatever OPTIONS would say, an undocumented write is unproven (off) and the
    documented rights write is on; deciding sends no request at all."""
    for _, methods in answered(status, headers):
        caps = state()
        assert write_decides(caps, Capability.MODULES_WRITE) is False
        decision = caps.decision(Capability.MODULES_WRITE)
        assert decision is not None and decision.how == "unproven"
        assert caps.unproven() == [Capability.MODULES_WRITE]
        assert write_decides(caps, Capability.EMPLOYER_USER_RIGHTS_WRITE) is True
        decision = caps.decision(Capability.EMPLOYER_USER_RIGHTS_WRITE)
        assert decision is not None and decision.how == "documented"
        assert methods == [], "nothing is asked, and a write is never tried by writing"


@pytest.mark.parametrize(
    ("status", "headers", "hint"),
    [
        (200, CORS, "no Allow (unknown)"),
        (200, {}, "no Allow (unknown)"),
        (501, {"Allow": "GET, PATCH"}, "no Allow (unknown)"),
        (200, {"Allow": "GET, PATCH"}, "Allow has PATCH"),
        (200, {"Allow": "get,patch"}, "Allow has PATCH"),
        (200, {"Allow": "GET"}, "Allow without PATCH"),
    ],
)
def test_options_is_a_hint_for_probe_only(status: int, headers: dict[str, str], hint: str) -> None:
    """No ``Allow`` means unknown, not absent (Mockoon answers CORS headers only)."""
    for http, methods in answered(status, headers):
        assert options_hint(http, PATH) == hint
        assert methods == ["OPTIONS"]


def test_a_write_proven_by_the_profile_is_used_and_one_refuted_is_not() -> None:
    profile = Profile(
        BASE,
        "2026-12-08T04:00:00Z",
        "0",
        {"modules_write": True, "provider_user_rights_write": False},
    )
    caps = CapabilityState(
        CapabilitiesConfig(), api_url=BASE, cache=None, ttl_seconds=0, profile=profile
    )
    assert write_decides(caps, Capability.MODULES_WRITE) is True
    assert write_decides(caps, Capability.PROVIDER_USER_RIGHTS_WRITE) is False
    assert caps.unproven() == []
    caps.record(Capability.MODULES_WRITE, False, "unproven")  # discovery never overrides proof
    assert caps.get(Capability.MODULES_WRITE) is True


def test_a_write_configured_on_needs_no_proof() -> None:
    caps = CapabilityState(
        CapabilitiesConfig(modules_write="on"), api_url=BASE, cache=None, ttl_seconds=0
    )
    assert write_decides(caps, Capability.MODULES_WRITE) is True


def test_discoveries_are_cached_per_api_url(tmp_path: Path) -> None:
    """Pointing the repository at another Loket (acceptance, production, an emulator)
    discovers afresh; the first URL's discoveries stay for when it comes back."""
    cache = tmp_path / "caps.json"
    bulk = Capability.MODULES_BULK_READ

    def at(url: str) -> CapabilityState:
        return CapabilityState(CapabilitiesConfig(), api_url=url, cache=cache, ttl_seconds=60)

    at(BASE).record(bulk, False, "404")
    other = at("https://api.acceptance.loket.test/v2")
    assert other.get(bulk) is None
    other.record(bulk, True, "answered")
    assert at(BASE).get(bulk) is False
    assert at("https://api.acceptance.loket.test/v2").get(bulk) is True


def test_write_decisions_are_not_cached(tmp_path: Path) -> None:
    """A write is decided by proof or configuration on every run, never by a cache: a
    cached "off" kept product steps manual after the API changed (issue 20)."""
    cache = tmp_path / "caps.json"

    def fresh() -> CapabilityState:
        return CapabilityState(CapabilitiesConfig(), api_url=BASE, cache=cache, ttl_seconds=60)

    fresh().refuse(Capability.MODULES_WRITE, "403")
    assert fresh().get(Capability.MODULES_WRITE) is None


def test_a_cached_decision_is_announced_with_its_age(tmp_path: Path) -> None:
    cache = tmp_path / "caps.json"
    clock = [1_000_000.0]

    def at() -> CapabilityState:
        return CapabilityState(
            CapabilitiesConfig(),
            api_url=BASE,
            cache=cache,
            ttl_seconds=86400,
            now=lambda: clock[0],
        )

    at().record(Capability.EMPLOYER_USER_RIGHTS_READ, False, "405")
    clock[0] += 3 * 3600
    later = at()
    assert later.notes() == [], "announced only once used"
    assert later.get(Capability.EMPLOYER_USER_RIGHTS_READ) is False
    (note,) = later.notes()
    assert "decided 3 h ago" in note and "employer_user_rights_read" in note
    assert "`mijnloket-gitops loket probe --refresh`" in note
    later.record(Capability.EMPLOYER_USER_RIGHTS_READ, True, "answered")  # contradicted
    assert later.notes() == [] and later.get(Capability.EMPLOYER_USER_RIGHTS_READ) is True


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_server_error_to_options_is_an_error_not_a_hint(status: int) -> None:
    """A Loket outage during ``loket probe`` is an error, not "PATCH not offered"."""
    for http, methods in answered(status, {}):
        with pytest.raises(ProviderError, match=str(status)):
            options_hint(http, PATH)
        assert set(methods) == {"OPTIONS"}


def test_an_answer_contradicting_a_proven_read_wins() -> None:
    """A profile proved the bulk read; Loket answers 404 now: the answer decides."""
    profile = Profile(BASE, "2026-12-08T04:00:00Z", "0", {"modules_bulk_read": True})
    caps = CapabilityState(
        CapabilitiesConfig(), api_url=BASE, cache=None, ttl_seconds=0, profile=profile
    )
    assert caps.get(Capability.MODULES_BULK_READ) is True
    caps.record(Capability.MODULES_BULK_READ, False, "404")
    assert caps.get(Capability.MODULES_BULK_READ) is False
