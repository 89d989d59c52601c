"""The emulated Loket.nl worlds over real HTTP: ``loket probe`` tells them apart, and
in the ``current`` and ``artefact`` worlds (both readings of the rights flag) one
``apply`` converges products, werkgevergebruiker and ak-gebruiker rights once the
writes are configured ``on``, except MijnLoket where the addendum is not processed
(exit 4, work order with the addendum instruction). Discovery alone proves no write:
an OPTIONS ``Allow`` (``current``) or none (``artefact``) leaves writes unproven."""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from mijnloket_gitops.emulator.state import EmulatorConfig
from mijnloket_gitops.loket.capabilities import Capability
from mijnloket_gitops.sandbox.store import Store
from tests.emulator_fixtures import (
    CLIENT_ID,
    CLIENT_SECRET,
    WORLD_CASES,
    SeededEmulator,
    WorldCase,
    api_headers,
    emulator_process,
    seed_repo,
    start_emulator,
)
from tests.test_loket_e2e import WORK_ORDER, api_changes, cli, prepare, switch_per_work_order

UNKNOWN = "unproven (OPTIONS: no Allow (unknown))"
CLASSIC = {
    "modules_read": (True, "answered"),
    "modules_bulk_read": (False, "404"),
    "modules_write": (False, UNKNOWN),
    "employer_users_bulk_read": (False, "404"),
    "employer_user_rights_read": (False, "405"),
    "employer_user_rights_write": (True, "documented"),
    "provider_users_read": (False, "404"),
}
CURRENT = {
    "modules_read": (True, "answered"),
    "modules_bulk_read": (True, "answered"),
    "modules_write": (False, "unproven (OPTIONS: Allow has PATCH)"),
    "employer_users_bulk_read": (True, "answered"),
    "employer_user_rights_read": (True, "answered"),
    "employer_user_rights_write": (True, "documented"),
    "provider_users_read": (True, "answered"),
    "provider_user_rights_read": (True, "answered"),
    "provider_user_rights_write": (False, "unproven (OPTIONS: Allow has PATCH)"),
}
ARTEFACT = {
    **CURRENT,
    "modules_write": (False, UNKNOWN),
    "employer_user_rights_read": (False, "501"),
    "provider_user_rights_write": (False, UNKNOWN),
}
WRITES_ON = "  capabilities:\n    modules_write: 'on'\n    provider_user_rights_write: 'on'\n"
"""Configuration lines switching on the writes that discovery cannot prove."""


def probed(repo: Path) -> dict[str, tuple[bool, str]]:
    done = cli(repo, "loket", "probe", "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    return {c["capability"]: (c["available"], c["how"]) for c in document["capabilities"]}


@pytest.mark.parametrize(
    ("world", "expected"),
    [("classic", CLASSIC), ("current", CURRENT), ("artefact", ARTEFACT)],
)
def test_probe_tells_the_worlds_apart(
    tmp_path: Path, world: str, expected: dict[str, tuple[bool, str]]
) -> None:
    with start_emulator(tmp_path, employers=4, world=world) as started:
        repo = prepare(started)
        seen = started.server.state.log.last_seq
        found = probed(repo)
        assert {k: v for k, v in found.items() if k in expected} == expected
        assert set(found) == {c.value for c in Capability}
        methods = {r.method for r in started.server.requests(seen) if r.path.startswith("/v2")}
        assert methods <= {"GET", "OPTIONS"}, "discovery must never write"
        text = cli(repo, "loket", "probe")
        assert text.returncode == 0
        line = next(x for x in text.stdout.splitlines() if "modules_write" in x)
        assert "unproven" in line and "work order" in line, "discovery proves no write"


def test_a_switched_off_capability_shows_in_the_probe(tmp_path: Path) -> None:
    off = frozenset({Capability.MODULES_WRITE, Capability.PROVIDER_USERS_READ})
    with start_emulator(tmp_path, employers=3, world="current", disabled=off) as started:
        found = probed(prepare(started))
    assert found["modules_write"] == (False, "unproven (OPTIONS: Allow without PATCH)")
    assert found["provider_users_read"] == (False, "404")
    assert found["employer_user_rights_read"] == (True, "answered")


def test_configured_capabilities_win_over_discovery(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=3, world="current") as started:
        repo = prepare(started)
        config = repo / "mijnloket-gitops.yaml"
        config.write_text(
            config.read_text() + "  capabilities:\n    modules_write: 'off'\n", encoding="utf-8"
        )
        found = probed(repo)
        assert found["modules_write"] == (False, "configured")
        shown = cli(repo, "plan")
        assert shown.returncode == 0, shown.stderr


def drift(started: SeededEmulator) -> tuple[str, list[str]]:
    """Drift in every kind the current world can fix, and one employer whose addendum
    Loket has not processed (its products switched off). Returns that employer's id
    and the ak-gebruiker rights revoked."""
    gated = next(
        e
        for _, e in started.employers
        if "MijnLoket" in e.products
        and not any(u.type == "ak-gebruiker" and u.rights for u in e.users)
    )
    wanted_ak = [
        (e.employer_id, u.login, right)
        for _, e in started.employers
        if e.employer_id != gated.employer_id
        for u in e.users
        if u.type == "ak-gebruiker"
        for right in u.rights
    ]
    assert wanted_ak, "the generated employers should give ak-gebruikers rights"
    with Store.open(started.db) as store, store.write("test") as tx:
        for product in gated.products:
            tx.deactivate(gated.employer_id, product)
        tx.set_portal_available(gated.employer_id, False)
        for employer_id, login, right in wanted_ak:
            tx.revoke(employer_id, login, right)
    return gated.employer_id, [login for _, login, _ in wanted_ak]


@pytest.mark.parametrize("world", [c for c in WORLD_CASES if c.id != "classic"])
def test_one_apply_converges_where_the_writes_are_configured_on(
    tmp_path: Path, world: WorldCase
) -> None:
    with start_emulator(tmp_path, employers=12, **world) as started:
        repo = prepare(started)
        config = repo / "mijnloket-gitops.yaml"
        config.write_text(config.read_text() + WRITES_ON, encoding="utf-8")
        gated_id, ak_logins = drift(started)
        # the drift touches 7 of 12 employers: over the employer-share guard's 50%
        applied = cli(repo, "apply", "--auto-approve", "--allow-employer-share")
        assert applied.returncode == 4, applied.stdout + applied.stderr
        order = json.loads((repo / WORK_ORDER).read_text())
        tasks = [(e["employer_id"], t["product"]) for e in order["employers"] for t in e["tasks"]]
        assert tasks == [(gated_id, "MijnLoket")]
        markdown = (repo / WORK_ORDER).with_suffix(".md").read_text()
        assert "addendum" in markdown and "LKT-" in markdown
        changes = api_changes(started)
        assert max(changes.values()) == 1
        assert any(action == "activate" for _, action, _ in changes), "products were switched"
        granted = [subject for _, action, subject in changes if action == "grant"]
        assert any(s.endswith(f" for {login}") for s in granted for login in ak_logins), (
            "ak-gebruiker rights were granted"
        )
        started.server.set_portal_available(gated_id, True)
        again = cli(repo, "apply", "--auto-approve", "--allow-employer-share")
        assert again.returncode == 0, again.stdout + again.stderr
        assert not (repo / WORK_ORDER).exists(), "a finished apply keeps no work order"
        final = cli(repo, "plan", "--detailed-exitcode")
        assert final.returncode == 0, final.stdout + final.stderr


def test_classic_world_leaves_products_to_the_work_order(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=12) as started:
        repo = prepare(started)
        drift(started)
        applied = cli(repo, "apply", "--auto-approve", "--force")
        assert applied.returncode == 4, applied.stdout + applied.stderr
        order = json.loads((repo / WORK_ORDER).read_text())
        assert all(t["product"] for e in order["employers"] for t in e["tasks"])
        checks = [c for e in order["employers"] for c in e.get("check_by_hand", [])]
        assert any("ak-gebruiker" in c for c in checks)
        assert not [c for c in api_changes(started) if c[1] in ("activate", "deactivate")]


def test_the_default_world_is_classic() -> None:
    config = EmulatorConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    assert config.world == "classic"
    assert config.offers(Capability.MODULES_READ)
    assert not config.offers(Capability.EMPLOYER_USER_RIGHTS_READ)
    assert not config.offers(Capability.MODULES_WRITE)


def plan_requests(started: SeededEmulator, repo: Path, *args: str) -> list[tuple[str, str]]:
    seen = started.server.state.log.last_seq
    shown = cli(repo, "plan", *args)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    return [(r.method, r.path) for r in started.server.requests(seen) if r.path != "/oauth/token"]


def per_employer(requests: list[tuple[str, str]], suffix: str = "") -> int:
    """Resources ``/v2/providers/employers/{id}{suffix}`` read (suffix "": one employer);
    a list of more than one page counts once."""
    pattern = "/v2/providers/employers/*" + suffix
    return len(
        {
            path
            for method, path in requests
            if method == "GET"
            and fnmatch.fnmatchcase(path, pattern)
            and path.count("/") == pattern.count("/")
        }
    )


@pytest.mark.parametrize("api", ["classic", "current", "artefact"])
def test_a_full_plan_reads_lists_not_employers(tmp_path: Path, api: str) -> None:
    with start_emulator(
        tmp_path, employers=40, world=api, default_page_size=10, max_page_size=10
    ) as started:
        repo = prepare(started)
        requests = plan_requests(started, repo)
        wanted_rights = per_employer(requests, "/users/*/authorizations")
        assert per_employer(requests) == 0, "the employer list already says it"
        if api in ("current", "artefact"):
            assert per_employer(requests, "/modules") == 0
            assert per_employer(requests, "/users") == 0
            rights = [p for m, p in requests if m == "GET" and p.endswith("/authorizations")]
            with Store.open(started.db) as store:
                users = sum(
                    1
                    for e in store.live([e.employer_id for _, e in started.employers]).values()
                    for u in e.users.values()
                    if u.type == "werkgevergebruiker"
                )
            employer_rights = [p for p in rights if p.startswith("/v2/providers/employers/")]
            if api == "current":  # one rights read per werkgevergebruiker
                assert len(employer_rights) == users
            else:  # after the first 501 (at most one per worker in flight)
                assert len(employer_rights) <= 4
            assert len(requests) - len(rights) <= 30  # O(pages): 43 employers in pages of 10
        else:
            assert per_employer(requests, "/modules") == 40  # the employers with a file
            assert wanted_rights <= 4  # after the first 405 (at most one per worker in flight)


@pytest.mark.parametrize("api", ["classic", "current", "artefact"])
def test_a_plan_of_a_few_employers_reads_only_those(tmp_path: Path, api: str) -> None:
    with start_emulator(
        tmp_path, employers=40, world=api, default_page_size=10, max_page_size=10
    ) as started:
        repo = prepare(started)
        plan_requests(started, repo)  # discovery is cached from here on
        targets = [e.employer_id for _, e in started.employers[:3]]
        args = [a for t in targets for a in ("--target", t)]
        requests = plan_requests(started, repo, *args)
        touched = {p.split("/")[4] for _, p in requests if p.startswith("/v2/providers/employers/")}
        assert touched <= set(targets)
        assert per_employer(requests, "/modules") == 3
        assert len(requests) <= 3 * 8 + 10  # O(k) plus the list pages and provider users


def test_apply_wait_rereads_only_employers_with_outstanding_manual_steps(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=12) as started:
        repo = prepare(started)
        first_pass = cli(repo, "apply", "--auto-approve", "--force")  # the seed's own drift
        assert first_pass.returncode == 4, first_pass.stdout + first_pass.stderr
        switch_per_work_order(started, repo)
        drifted = next(e for _, e in started.employers if "Verlofregistratie" in e.products)
        started.server.switch_module(drifted.employer_id, "Verlofregistratie", active=False)
        argv = [sys.executable, "-m", "mijnloket_gitops", "apply", "--auto-approve", "--force"]
        argv += ["--wait", "--timeout", "60", "--poll-interval", "0.2", "--repo", str(repo)]
        env = {**os.environ, "LOKET_CLIENT_ID": CLIENT_ID, "LOKET_CLIENT_SECRET": CLIENT_SECRET}
        with subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        ) as process:
            assert process.stderr is not None
            for line in process.stderr:
                if "waiting for" in line:
                    break
            first = started.server.state.log.last_seq
            time.sleep(1.5)  # several polls at 0.2 s
            polled = started.server.requests(first)
            started.server.switch_module(drifted.employer_id, "Verlofregistratie", active=True)
            output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output
        modules = {r.path.split("/")[4] for r in polled if r.path.endswith("/modules")}
        assert modules == {drifted.employer_id}
        assert not [r for r in polled if r.path == "/v2/providers/employers"]


def test_emulator_serve_takes_the_world_and_switches(tmp_path: Path) -> None:
    _, db, _ = seed_repo(tmp_path, employers=2)
    with emulator_process(db, "--api", "current", "--no-modules-write") as served:
        assert any("world      current without modules_write" in b for b in served.banner)
        token = httpx.post(
            f"{served.oauth_url}/token",
            data={
                "grant_type": "authorization_code",
                "code": _code(served.oauth_url),
                "redirect_uri": "http://127.0.0.1/callback",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
        ).json()["access_token"]
        with Store.open(db) as store:
            employer_id = store.employers()[0].employer_id
        path = f"{served.base_url}/providers/employers/{employer_id}/modules"
        answer = httpx.options(path, headers=api_headers(token))
        assert answer.status_code == 204
        assert set(answer.headers["Allow"].split(", ")) == {"GET", "OPTIONS"}


def _code(oauth_url: str) -> str:
    query = {
        "client_id": CLIENT_ID,
        "redirect_uri": "http://127.0.0.1/callback",
        "response_type": "code",
        "state": "s",
    }
    answer = httpx.get(
        f"{oauth_url}/authorize", params=query, headers={"Accept": "application/json"}
    )
    code: str = answer.json()["code"]
    return code


def test_discovered_capabilities_are_cached_for_their_time(tmp_path: Path) -> None:
    from mijnloket_gitops.config import CapabilitiesConfig
    from mijnloket_gitops.loket.capabilities import CapabilityState

    now = [1000.0]
    cache = tmp_path / "caps.json"

    def state(ttl: float = 60.0, **settings: str) -> CapabilityState:
        config = CapabilitiesConfig.model_validate(settings)
        return CapabilityState(
            config, api_url="https://x/v2", cache=cache, ttl_seconds=ttl, now=lambda: now[0]
        )

    first = state()
    first.record(Capability.MODULES_BULK_READ, True, "answered")
    assert state().get(Capability.MODULES_BULK_READ) is True  # read back from the cache
    off = state(modules_bulk_read="off")
    assert off.get(Capability.MODULES_BULK_READ) is False  # configured wins
    now[0] += 61
    assert state().get(Capability.MODULES_BULK_READ) is None  # expired: discover again
    assert state(ttl=0).get(Capability.EMPLOYER_USER_RIGHTS_READ) is None


def test_a_write_configured_on_but_refused_goes_to_the_work_order(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=12) as started:  # classic: no module switching
        repo = prepare(started)
        config = repo / "mijnloket-gitops.yaml"
        config.write_text(
            config.read_text() + "  capabilities:\n    modules_write: 'on'\n", encoding="utf-8"
        )
        shown = cli(repo, "plan")
        assert "[manual]" not in shown.stdout  # configured on: planned as automatic
        applied = cli(repo, "apply", "--auto-approve", "--force")
        assert applied.returncode == 4, applied.stdout + applied.stderr
        order = json.loads((repo / WORK_ORDER).read_text())
        assert [t for e in order["employers"] for t in e["tasks"] if t["product"]]
        assert ", 0 failed," in applied.stdout  # refused, so manual: not a failure


@pytest.mark.parametrize("world", [c for c in WORLD_CASES if str(c.id).startswith("artefact")])
def test_artefact_rights_writes_take_effect_in_either_reading_and_say_unverified(
    tmp_path: Path, world: WorldCase
) -> None:
    """Grants and revokes of werkgevergebruiker rights reach Loket whichever flag it
    honours, and, with no read to show it (GET 501, PATCH 204), every one is flagged
    unverified in the plan and in the journal."""
    with start_emulator(tmp_path, employers=12, **world) as started:
        repo = prepare(started)
        drift_werkgevergebruikers(started)
        shown = cli(repo, "plan", "--format", "json", "--allow-employer-share")
        assert shown.returncode == 0, shown.stderr
        steps = [
            s
            for e in json.loads(shown.stdout)["employers"]
            for s in e["steps"]
            if s["right"] and s["user_type"] == "werkgevergebruiker"
        ]
        assert {s["action"] for s in steps} == {"grant", "revoke"}
        assert all("unverified" in s["flags"] for s in steps)
        applied = cli(repo, "apply", "--auto-approve", "--allow-employer-share")
        assert applied.returncode in (0, 4), applied.stdout + applied.stderr
        journal = next((repo / ".mijnloket" / "journal").glob("*.jsonl"))
        done = [json.loads(line) for line in journal.read_text().splitlines()]
        rights_done = [
            e
            for e in done
            if e["event"] == "done" and e.get("right") and e["user_type"] == "werkgevergebruiker"
        ]
        assert len(rights_done) == len(steps)
        assert all("unverified" in e["flags"] for e in rights_done)
        ids = [e.employer_id for _, e in started.employers]
        with Store.open(started.db) as store:
            live = store.live(ids)
        for _, employer in started.employers:
            for user in employer.users:
                if user.type == "werkgevergebruiker":
                    held = live[employer.employer_id].user(user.login)
                    assert held is not None and held.rights == frozenset(user.rights), user.login


def drift_werkgevergebruikers(started: SeededEmulator) -> None:
    """Take every werkgevergebruiker's rights live away and give each one the rights of
    the catalog its file does not give: every right of theirs needs a PATCH."""
    with Store.open(started.db) as store:
        rights = [r.name for r in store.rights()]
    with Store.open(started.db) as store, store.write("test") as tx:
        for _, employer in started.employers:
            for user in employer.users:
                if user.type != "werkgevergebruiker":
                    continue
                for right in rights:
                    if right in user.rights:
                        tx.revoke(employer.employer_id, user.login, right)
                    else:
                        tx.grant(employer.employer_id, user.login, right, user.type)
