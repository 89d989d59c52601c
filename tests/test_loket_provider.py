"""The loket provider end to end: real HTTP against the emulator on 127.0.0.1.

The emulator serves the sandbox database, so the sandbox's own reading of that
database is the oracle: what the provider reads over HTTP must equal it, less what
the API cannot show (ak-gebruikers, A6; whether MijnLoket is offered, A7).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import httpx
import pytest

from mijnloket_gitops.catalog import UserType, builtin_catalog
from mijnloket_gitops.emulator.faults import FaultConfig, FaultKind
from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.loket.capabilities import Capability
from mijnloket_gitops.loket.fanout import Job, Workers
from mijnloket_gitops.loket.provider import LoketProvider
from mijnloket_gitops.loket.session import Hooks
from mijnloket_gitops.providers.base import Action, LiveEmployer, Step
from mijnloket_gitops.sandbox.store import Store
from tests.emulator_fixtures import SeededEmulator, start_emulator
from tests.loket_emulated import open_loket
from tests.loket_fakes import ENV as FAKE_ENV
from tests.loket_fakes import FakeEmployer, FakeLoket, FakeUser, seed_store
from tests.loket_fakes import config as fake_config

RIGHT = "Raadplegen MijnLoket e-mailadres"
WG: UserType = "werkgevergebruiker"
NO_PROVIDER_USERS = {"provider_users_read": "off"}


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[SeededEmulator]:
    with start_emulator(tmp_path, api="current") as started:
        yield started


@pytest.fixture
def loket(emulator: SeededEmulator) -> Iterator[LoketProvider]:
    """Provider users configured off: these tests read werkgevergebruikers as the
    sandbox holds them (tests/test_loket_worlds.py covers ak-gebruikers)."""
    with open_loket(emulator, capabilities=NO_PROVIDER_USERS) as provider:
        yield provider


@pytest.fixture
def classic(tmp_path: Path) -> Iterator[SeededEmulator]:
    with start_emulator(tmp_path / "classic", api="classic") as started:
        yield started


def oracle(db: Path, ids: list[str]) -> dict[str, LiveEmployer]:
    """The sandbox's reading of the emulator's database, as the API can show it."""
    with Store.open(db) as store:
        live = store.live(ids)
    return {
        i: LiveEmployer(
            e.employer_id,
            e.name,
            True,
            e.products,
            {k: u for k, u in e.users.items() if u.type == "werkgevergebruiker"},
        )
        for i, e in live.items()
    }


def all_ids(db: Path) -> list[str]:
    with Store.open(db) as store:
        return [e.employer_id for e in store.employers()]


def test_reads_what_the_database_holds(emulator: SeededEmulator, loket: LoketProvider) -> None:
    ids = all_ids(emulator.db)
    assert loket.read_employers(ids) == oracle(emulator.db, ids)
    assert loket.target == emulator.server.base_url


def test_lists_and_reads_over_several_pages(tmp_path: Path) -> None:
    with start_emulator(tmp_path, api="current", default_page_size=4, max_page_size=4) as started:
        with open_loket(started, capabilities=NO_PROVIDER_USERS) as loket:
            listed = loket.list_employers()
            ids = all_ids(started.db)
            assert sorted(s.employer_id for s in listed) == sorted(ids)
            assert len(ids) > 8  # three pages at least
            assert loket.read_employers(ids) == oracle(started.db, ids)
        pages = [
            r.query
            for r in started.server.requests()
            if r.path == "/v2/providers/employers" and r.method == "GET"
        ]
        assert len(pages) == -(-len(ids) // 4)
        assert all("pageSize=250" in q for q in pages)


def test_more_than_250_employers(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=260) as started, open_loket(started) as loket:
        ids = all_ids(started.db)
        assert len(ids) > 250
        assert {s.employer_id for s in loket.list_employers()} == set(ids)


def test_unknown_employer_is_absent(loket: LoketProvider) -> None:
    assert loket.read_employers(["00000000-0000-4000-8000-000000000000"]) == {}
    assert loket.read_employers([]) == {}


def test_unknown_modules_are_passed_through(emulator: SeededEmulator, loket: LoketProvider) -> None:
    employer_id = all_ids(emulator.db)[0]
    emulator.server.switch_module(employer_id, "Loket Nieuwe Module 2027", True)
    live = loket.read_employers([employer_id])[employer_id]
    assert "Loket Nieuwe Module 2027" in live.products
    assert "Loket Nieuwe Module 2027" not in builtin_catalog().products


def _employer_with_portal_user(db: Path) -> tuple[str, str]:
    with Store.open(db) as store:
        for record in store.employers():
            live = store.live([record.employer_id])[record.employer_id]
            if "MijnLoket" not in live.products:
                continue
            for user in live.users.values():
                if user.type == "werkgevergebruiker":
                    return record.employer_id, user.login
    raise AssertionError("the seed has no werkgevergebruiker at an employer with MijnLoket")


def test_rights_of_werkgevergebruikers_are_read_and_patched(
    emulator: SeededEmulator, loket: LoketProvider
) -> None:
    employer_id, login = _employer_with_portal_user(emulator.db)
    revoke = Step(employer_id, Action.REVOKE, right=RIGHT, login=login, user_type=WG)
    grant = Step(employer_id, Action.GRANT, right=RIGHT, login=login, user_type=WG)
    assert loket.can_perform(grant) and loket.can_perform(revoke)
    before = emulator.server.changes()
    loket.perform(revoke)
    assert RIGHT not in loket.read_employers([employer_id])[employer_id].users[login].rights
    loket.perform(grant)
    loket.perform(grant)  # idempotent: the second PATCH changes nothing
    assert RIGHT in loket.read_employers([employer_id])[employer_id].users[login].rights
    assert loket.read_employers([employer_id]) == oracle(emulator.db, [employer_id])
    changes = emulator.server.changes(before[-1].seq if before else 0)
    assert [c.action for c in changes if c.origin == "emulator-api"] in (
        ["revoke", "grant"],
        ["grant"],  # the user did not hold the right before
    )
    patches = [r for r in emulator.server.requests() if r.method == "PATCH"]
    assert len(patches) == 3
    sets = [r for r in emulator.server.requests() if r.path.endswith("/authorizationsets")]
    assert len(sets) == 1  # right ids are cached


def test_patch_for_an_unknown_user_says_so(emulator: SeededEmulator, loket: LoketProvider) -> None:
    employer_id = all_ids(emulator.db)[0]
    step = Step(
        employer_id,
        Action.GRANT,
        right=RIGHT,
        login="nobody@example.test",
        user_type=WG,
    )
    with pytest.raises(ProviderError, match="not a werkgevergebruiker"):
        loket.perform(step)


def test_ak_gebruikers_are_invisible_in_the_classic_world(classic: SeededEmulator) -> None:
    emulator = classic
    ids = all_ids(emulator.db)
    with Store.open(emulator.db) as store:
        in_db = {
            u.login
            for e in store.live(ids).values()
            for u in e.users.values()
            if u.type == "ak-gebruiker"
        }
    assert in_db
    with open_loket(emulator) as loket:
        seen = {u.login for e in loket.read_employers(ids).values() for u in e.users.values()}
        assert not in_db & seen
        assert not loket.observes("ak-gebruiker") and loket.observes("werkgevergebruiker")
        login = sorted(in_db)[0]
        step = Step(ids[0], Action.GRANT, right=RIGHT, login=login, user_type="ak-gebruiker")
        assert not loket.can_perform(step)
        with pytest.raises(ProviderError, match="manual"):
            loket.perform(step)


@pytest.mark.parametrize("action", [Action.ACTIVATE, Action.DEACTIVATE])
def test_product_steps_are_manual_in_the_classic_world(
    classic: SeededEmulator, action: Action
) -> None:
    step = Step(all_ids(classic.db)[0], action, product="Verlofregistratie")
    with open_loket(classic) as loket:
        assert not loket.can_perform(step)
        before = len(classic.server.requests())
        with pytest.raises(ProviderError, match="manual step"):
            loket.perform(step)
    assert len(classic.server.requests()) == before


def test_portal_is_reported_available(emulator: SeededEmulator, loket: LoketProvider) -> None:
    ids = all_ids(emulator.db)
    for employer_id in ids:
        emulator.server.set_portal_available(employer_id, False)
    assert all(e.portal_available for e in loket.read_employers(ids).values())


def test_unreadable_rights_degrade_to_unread_not_to_a_failure(tmp_path: Path) -> None:
    """A 405 on the rights GET: users are still listed, their rights marked unread, and
    the capability is remembered so the next read sends no rights GET at all."""
    with start_emulator(tmp_path, api="classic") as started:
        ids = all_ids(started.db)
        with open_loket(started) as loket:
            live = loket.read_employers(ids)
            assert live.keys() == set(ids)
            with_users = [e for e in live.values() if e.users]
            assert with_users, "the seed should have werkgevergebruikers"
            for employer in with_users:
                assert employer.rights_unread == {WG}
                assert all(not u.rights for u in employer.users.values())
            decision = loket.capabilities.decision(Capability.EMPLOYER_USER_RIGHTS_READ)
            assert decision is not None and not decision.available and decision.how == "405"
            seen = started.server.state.log.last_seq
            loket.read_employers(ids)
            again = started.server.requests(seen)
            assert again and not [r for r in again if r.path.endswith("/authorizations")]
        with open_loket(started) as fresh:  # the decision is cached for the next run
            seen = started.server.state.log.last_seq
            fresh.read_employers(ids)
            assert not [r for r in started.server.requests(seen) if "authorizations" in r.path]


def test_expired_access_tokens_are_renewed(emulator: SeededEmulator, loket: LoketProvider) -> None:
    ids = all_ids(emulator.db)
    first = loket.read_employers(ids)
    emulator.server.expire_tokens()
    assert loket.read_employers(ids) == first
    tokens = [r for r in emulator.server.requests() if r.path == "/oauth/token"]
    assert [r.status for r in tokens] == [200, 200]


def test_reads_converge_through_faults(tmp_path: Path) -> None:
    faults = FaultConfig(rate=0.3, seed=7, retry_after=0, slow_ms=20)
    with start_emulator(tmp_path, api="current", faults=faults) as started:
        hooks = Hooks(sleep=lambda s: None)
        with open_loket(started, hooks=hooks, capabilities=NO_PROVIDER_USERS) as loket:
            ids = all_ids(started.db)
            assert loket.read_employers(ids) == oracle(started.db, ids)
        kinds = {r.fault for r in started.server.requests()}
    assert len(kinds - {None}) >= 3  # several kinds of fault were met and overcome


def test_patches_through_faults_apply_once(tmp_path: Path) -> None:
    faults = FaultConfig(rate=0.5, seed=11, retry_after=0, kinds=(FaultKind.LOST, FaultKind.DROP))
    with start_emulator(tmp_path) as started:
        employer_id, login = _employer_with_portal_user(started.db)
        with open_loket(started, hooks=Hooks(sleep=lambda s: None)) as loket:
            loket.read_employers([employer_id])
            started.server.set_faults(faults)
            for action in (Action.REVOKE, Action.GRANT, Action.REVOKE):
                loket.perform(
                    Step(
                        employer_id,
                        action,
                        right=RIGHT,
                        login=login,
                        user_type=WG,
                    )
                )
            started.server.set_faults(FaultConfig())
            live = loket.read_employers([employer_id])[employer_id]
        assert RIGHT not in live.users[login].rights
        api = [c.action for c in started.server.changes() if c.origin == "emulator-api"]
        assert api in (["revoke", "grant", "revoke"], ["grant", "revoke"])


# -- concurrency (in-process fake, so requests can be held open and counted) -----------


def test_reading_is_concurrent_and_bounded(tmp_path: Path) -> None:
    employers = [
        FakeEmployer(f"e-{i}", f"Werkgever {i}", ["MijnLoket"], [FakeUser(f"u-{i}", f"{i}@x.nl")])
        for i in range(30)
    ]
    fake = FakeLoket(employers)
    lock = threading.Lock()
    in_flight = [0, 0]  # now, most

    def hold(request: httpx.Request) -> None:
        if request.url.host == "api.loket.test":
            with lock:
                in_flight[0] += 1
                in_flight[1] = max(in_flight)
            time.sleep(0.01)
            with lock:
                in_flight[0] -= 1

    fake.before = hold
    seed_store(tmp_path)
    with LoketProvider.open(
        fake_config(concurrency=5), tmp_path, env=FAKE_ENV, hooks=fake.hooks()
    ) as loket:
        live = loket.read_employers([e.employer_id for e in employers])
    assert len(live) == 30 and all(e.products == {"MijnLoket"} for e in live.values())
    assert in_flight[1] == 5


def test_a_failing_job_cancels_the_rest() -> None:
    ran: list[int] = []

    def fails() -> Iterable[Job]:
        raise ProviderError("boom")

    def job(n: int) -> Job:
        def run() -> Iterable[Job]:
            time.sleep(0.001)
            ran.append(n)
            return [job(n + 100)] if n < 3 else []

        return run

    with Workers(1) as pool, pytest.raises(ProviderError, match="boom"):
        pool.run([job(0), fails, *[job(i) for i in range(1, 50)]])
    assert len(ran) < 50


def _listing(pages: dict[int, tuple[list[str], int]]) -> FakeLoket:
    """A fake whose employer list answers ``pages``: number -> (ids, totalPages)."""
    fake = FakeLoket()

    def answer(request: httpx.Request) -> httpx.Response | None:
        if request.url.path != "/v2/providers/employers":
            return None
        number = int(request.url.params["pageNumber"])
        ids, total = pages[number]
        items = [{"id": i, "companyName": i.upper()} for i in ids]
        body = {"_embedded": items, "currentPage": number, "totalPages": total}
        return httpx.Response(200, json=body)

    fake.before = answer
    return fake


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        ({1: (["a"], 3), 2: (["b"], 3), 3: (["c"], 3)}, ["a", "b", "c"]),
        ({1: (["a"], 2), 2: (["b"], 3), 3: (["c"], 3)}, ["a", "b", "c"]),  # grew
        ({1: (["a"], 3), 2: ([], 1), 3: (["stale"], 3)}, ["a"]),  # shrank
        ({1: (["a"], 1)}, ["a"]),
        ({1: ([], 0)}, []),
    ],
)
def test_the_employer_list_is_read_to_its_end(
    tmp_path: Path, pages: dict[int, tuple[list[str], int]], expected: list[str]
) -> None:
    fake = _listing(pages)
    seed_store(tmp_path)
    with LoketProvider.open(
        fake_config(concurrency=4), tmp_path, env=FAKE_ENV, hooks=fake.hooks()
    ) as loket:
        assert [s.employer_id for s in loket.list_employers()] == expected
