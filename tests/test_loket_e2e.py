"""plan and apply through the loket provider against the emulator, via the real CLI.

Products are manual with Loket.nl: apply performs the rights it can, writes a work
order and exits 4; `apply --wait` finishes once a person (here: the emulator's admin
endpoint) has switched the modules. With 20% faults, apply still converges and the
emulator's change log shows every change exactly once. Both run in every world
(``WORLD_CASES``: ``artefact`` once per reading of the rights flag).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from mijnloket_gitops.emulator.faults import FaultConfig
from mijnloket_gitops.emulator.state import UI_ORIGIN
from mijnloket_gitops.sandbox.store import Store
from tests.emulator_fixtures import WORLD_CASES, SeededEmulator, WorldCase, start_emulator
from tests.loket_emulated import ENV, authorize, write_repo_config

WORK_ORDER = Path(".mijnloket/work-order/work-order.json")


def cli(repo: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mijnloket_gitops", *args, "--repo", str(repo)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **ENV},
    )


def prepare(started: SeededEmulator) -> Path:
    write_repo_config(started)
    authorize(started.server, started.repo)
    return started.repo


def drift_products(started: SeededEmulator, count: int) -> list[tuple[str, str]]:
    """Switch off desired non-portal products live, as a consultant might."""
    switched: list[tuple[str, str]] = []
    for _, employer in started.employers:
        for product in employer.products:
            if product != "MijnLoket" and len(switched) < count:
                started.server.switch_module(employer.employer_id, product, active=False)
                switched.append((employer.employer_id, product))
                break
    return switched


def switch_per_work_order(started: SeededEmulator, repo: Path) -> int:
    """Do the work order's tasks as a person in Loket.nl's web UI would: switch the
    products, and grant or revoke the rights the API may not change (ak-gebruikers')."""
    order = json.loads((repo / WORK_ORDER).read_text())
    done = 0
    for employer in order["employers"]:
        for task in employer["tasks"]:
            if task["product"]:
                started.server.switch_module(
                    employer["employer_id"], task["product"], task["action"] == "activate"
                )
                done += 1
            elif task["right"]:
                with Store.open(started.db) as store, store.write(UI_ORIGIN) as tx:
                    if task["action"] == "grant":
                        tx.grant(
                            task["employer_id"], task["login"], task["right"], task["user_type"]
                        )
                    else:
                        tx.revoke(task["employer_id"], task["login"], task["right"])
                done += 1
    return done


def api_changes(started: SeededEmulator) -> Counter[tuple[str, str, str]]:
    return Counter(
        (c.employer_id, c.action, c.subject)
        for c in started.server.changes()
        if c.origin == "emulator-api"
    )


@pytest.mark.parametrize("world", WORLD_CASES)
def test_manual_products_make_a_work_order_and_wait_finishes(
    tmp_path: Path, world: WorldCase
) -> None:
    with start_emulator(tmp_path, employers=12, **world) as started:
        repo = prepare(started)
        switched = drift_products(started, 3)
        # where rights can be read (current) the seed's drift touches over half the employers
        share = "--allow-employer-share"
        plan = cli(repo, "plan", share)
        assert plan.returncode == 0, plan.stderr
        assert "[manual]" in plan.stdout
        waiting = cli(repo, "apply", "--auto-approve", share)
        assert waiting.returncode == 4, waiting.stdout + waiting.stderr
        order = json.loads((repo / WORK_ORDER).read_text())
        products = {
            (e["employer_id"], t["product"])
            for e in order["employers"]
            for t in e["tasks"]
            if t["product"]
        }
        assert set(switched) <= products
        markdown = (repo / WORK_ORDER).with_suffix(".md").read_text()
        assert "Beheer → Werkgever → Producten" in markdown
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mijnloket_gitops",
                "apply",
                "--auto-approve",
                share,
                "--wait",
                "--timeout",
                "90",
                "--poll-interval",
                "0.2",
                "--repo",
                str(repo),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **ENV},
        )
        # no fixed sleep: read until apply says it waits for the person
        assert process.stdout is not None
        before: list[str] = []
        for line in process.stdout:
            before.append(line)
            if "waiting for" in line:
                break
        assert "waiting for" in before[-1], "apply --wait returned before the person acted"
        assert switch_per_work_order(started, repo) >= len(switched)
        rest, _ = process.communicate(timeout=90)
        output = "".join(before) + rest
        assert process.returncode == 0, output
        assert "Verified: live state matches the configuration." in output
        final = cli(repo, "plan", "--detailed-exitcode")
        assert final.returncode == 0, final.stdout + final.stderr
        assert max(api_changes(started).values(), default=1) == 1


@pytest.mark.parametrize("world", WORLD_CASES)
def test_apply_converges_through_twenty_percent_faults(tmp_path: Path, world: WorldCase) -> None:
    with start_emulator(tmp_path, employers=20, **world) as started:
        repo = prepare(started)
        plan = cli(repo, "plan", "--format", "json")
        assert plan.returncode == 0, plan.stderr
        ids = [employer.employer_id for _, employer in started.employers]
        wanted = {
            (employer.employer_id, user.login.casefold(), right)
            for _, employer in started.employers
            for user in employer.users
            for right in user.rights
        }
        with Store.open(started.db) as store:  # revoke rights live: automatic steps to redo
            holders = [
                (e.employer_id, u.login, r)
                for e in store.live(ids).values()
                for u in e.users.values()
                if u.type == "werkgevergebruiker"
                for r in u.rights
                if (e.employer_id, u.login.casefold(), r) in wanted
            ]
        assert holders, "the generated employers should grant rights to werkgevergebruikers"
        with Store.open(started.db) as store, store.write("test") as tx:
            for employer_id, login, right in holders:
                tx.revoke(employer_id, login, right)
        started.server.set_faults(FaultConfig(rate=0.2, seed=5, retry_after=0, slow_ms=50))
        applied = cli(repo, "apply", "--auto-approve", "--force")
        started.server.set_faults(FaultConfig())
        assert applied.returncode in (0, 4), applied.stdout + applied.stderr
        assert [r for r in started.server.requests() if r.fault], "no fault was injected"
        counts = api_changes(started)
        assert max(counts.values()) == 1, "a change was applied twice"
        with Store.open(started.db) as store:
            live = store.live(ids)
        for employer_id, login, right in holders:
            user = live[employer_id].user(login)
            assert user is not None and right in user.rights, "a change was lost"
