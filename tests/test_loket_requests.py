"""Issue 20: requests in proportion to the work, and what plan and apply say about how
they decided, through the CLI against the emulator (counted in its request log).

- no cliff: below 25 employers every employer was fetched again (73 requests for 24
  employers, 14 for 25, ``current`` world);
- ``plan --target`` of one employer read the rights of every ak-gebruiker of the
  provider (998 requests at 800 employers);
- the hint after exit 4 said ``apply --wait``, which re-plans the whole portfolio;
- capabilities came from a 24 h cache without a word;
- an unproven write (module switching found by OPTIONS) now stays manual, and the
  work order says how to prove it; a profile that proved it makes it automatic.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mijnloket_gitops.emulator.state import LoggedRequest
from mijnloket_gitops.loket.profile import Profile, profile_path, write_profile
from tests.emulator_fixtures import SeededEmulator, start_emulator
from tests.loket_emulated import authorize, write_repo_config
from tests.test_loket_evidence import cli

WORK_ORDER = Path(".mijnloket/work-order/work-order.md")


def api_requests(started: SeededEmulator, since: int) -> list[LoggedRequest]:
    return [r for r in started.server.requests(since) if r.path.startswith(("/v2", "/provider"))]


def prepared(started: SeededEmulator) -> Path:
    write_repo_config(started)
    authorize(started.server, started.repo)
    return started.repo


def planned_requests(tmp_path: Path, employers: int, world: str, *args: str) -> list[LoggedRequest]:
    """The API requests of ``plan ARGS`` (``TARGET``: the first employer's id)."""
    with start_emulator(tmp_path, employers=employers, world=world) as started:
        repo = prepared(started)
        target = started.employers[0][1].employer_id
        seen = started.server.state.log.last_seq
        done = cli(repo, "plan", *[target if a == "TARGET" else a for a in args])
        assert done.returncode == 0, done.stdout + done.stderr
        return api_requests(started, seen)


def test_no_cliff_between_24_and_25_employers(tmp_path: Path) -> None:
    """Bulk or per employer by cost at every size: one employer more costs about one
    employer's reads more, never three requests per employer more."""
    fewer = len(planned_requests(tmp_path / "24", 24, "current"))
    more = len(planned_requests(tmp_path / "25", 25, "current"))
    assert fewer <= more + 2, (fewer, more)


@pytest.mark.parametrize("world", ["classic", "current", "artefact"])
def test_plan_target_of_one_employer_reads_what_it_needs(tmp_path: Path, world: str) -> None:
    """At 200 employers, at most 10 requests in every world: the employer's own reads
    and the ak-gebruikers its file names, never every ak-gebruiker's rights."""
    asked = planned_requests(tmp_path, 200, world, "--target", "TARGET")
    assert len(asked) <= 10, [r.path for r in asked]
    rights_of_provider_users = [r for r in asked if r.path.startswith("/v2/providers/users/")]
    assert len(rights_of_provider_users) <= 1, "the target's file names one ak-gebruiker"
    listing = [r for r in asked if r.path == "/v2/providers/employers"]
    assert listing == [], "no list of every employer: 4 pages at 800 employers"


@pytest.mark.parametrize("world", ["current", "artefact"])
def test_a_plan_of_part_of_the_portfolio_says_which_ak_gebruikers_it_read(
    tmp_path: Path, world: str
) -> None:
    """A targeted plan reads only the ak-gebruikers its files name, so it cannot plan
    the revoke of a right another ak-gebruiker holds there: it says so, a full plan
    does not."""
    with start_emulator(tmp_path, employers=6, world=world) as started:
        repo = prepared(started)
        target = started.employers[0][1].employer_id
        part = cli(repo, "plan", "--target", target)
        whole = cli(repo, "plan")
    said = "read the rights of only the"
    assert said in part.stderr and "plan of the whole portfolio" in part.stderr, part.stderr
    assert said not in whole.stderr, whole.stderr


def drift_products(started: SeededEmulator, count: int) -> list[str]:
    """Switch off desired non-portal products live; the employers changed."""
    changed: list[str] = []
    for _, employer in started.employers:
        for product in sorted(employer.products):
            if product != "MijnLoket" and len(changed) < count:
                started.server.switch_module(employer.employer_id, product, active=False)
                changed.append(employer.employer_id)
                break
    return changed


def test_the_wait_hint_names_the_employers_and_the_saved_plan(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=12, world="classic") as started:
        repo = prepared(started)
        changed = drift_products(started, 2)
        saved = repo / "plan.json"
        assert cli(repo, "plan", "--out", str(saved)).returncode == 0
        done = cli(repo, "apply", str(saved), "--auto-approve")
    assert done.returncode == 4, done.stdout + done.stderr
    hint = next(line for line in done.stdout.splitlines() if "apply --wait" in line)
    assert "`mijnloket-gitops apply --wait --target " in hint
    assert all(f"--target {i}" in hint for i in changed)
    assert f"of the saved plan {saved} with steps left" in hint


def test_cached_capabilities_are_announced_with_how_to_refresh(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=3, world="classic") as started:
        repo = prepared(started)
        first = cli(repo, "plan")
        second = cli(repo, "plan")
    assert "from the cache" not in first.stderr
    assert "Loket.nl capabilities from the cache, decided" in second.stderr
    assert "`mijnloket-gitops loket probe --refresh`" in second.stderr


def test_an_unproven_module_switch_is_manual_and_the_work_order_says_how_to_prove_it(
    tmp_path: Path,
) -> None:
    """The current world answers OPTIONS with ``Allow: PATCH``: a hint, not a proof."""
    with start_emulator(tmp_path, employers=12, world="current") as started:
        repo = prepared(started)
        drift_products(started, 1)
        plan = cli(repo, "plan", "--target", started.employers[0][1].employer_id)
        done = cli(repo, "apply", "--auto-approve", "--target", started.employers[0][1].employer_id)
        order = (repo / WORK_ORDER).read_text(encoding="utf-8")
    assert "[manual]" in plan.stdout
    assert "modules_write" in plan.stderr and "loket check --write --employer ID" in plan.stderr
    assert done.returncode == 4, done.stdout + done.stderr
    assert "`mijnloket-gitops loket check --write --employer ID`" in order
    target = started.employers[0][1].employer_id
    assert f"`mijnloket-gitops apply --wait --target {target}`" in order, "not all 12 again"


def test_a_module_switch_the_profile_proved_is_automatic_and_verified(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=12, world="artefact") as started:
        repo = prepared(started)
        target = drift_products(started, 1)[0]
        proof = Profile(
            started.server.base_url, "2026-12-08T04:00:00Z", "test", {"modules_write": True}
        )
        write_profile(profile_path(repo), proof)
        done = cli(repo, "apply", "--auto-approve", "--target", target)
        journal = sorted((repo / ".mijnloket" / "journal").glob("*.jsonl"))[-1]
        events = [json.loads(line) for line in journal.read_text("utf-8").splitlines()]
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Verified: live state matches the configuration." in done.stdout
    assert "modules_write (proven by loket check)" in done.stderr
    performed = [e for e in events if e["event"] == "done" and e.get("product")]
    assert performed, events
    assert {e.get("verified_by") for e in performed} == {"a read of the modules afterwards"}


def test_apply_target_reads_before_and_after_only_what_its_employer_needs(
    tmp_path: Path,
) -> None:
    """apply reads before and after: at 200 employers neither read lists every employer
    or reads the rights of an ak-gebruiker the target's file does not name."""
    with start_emulator(tmp_path, employers=200, world="current") as started:
        repo = prepared(started)
        target = drift_products(started, 1)[0]
        seen = started.server.state.log.last_seq
        done = cli(repo, "apply", "--auto-approve", "--target", target)
        asked = api_requests(started, seen)
    assert done.returncode == 4, done.stdout + done.stderr  # the product is manual here
    assert not [r for r in asked if r.path == "/v2/providers/employers"]
    rights_of_provider_users = {r.path for r in asked if r.path.startswith("/v2/providers/users/")}
    assert len(rights_of_provider_users) <= 1
    assert len(asked) <= 20, [r.path for r in asked]
