"""The "Done when" of both emulated Loket.nl worlds, end to end over real HTTP with the
provider's DEFAULT request budget (no ``requests_per_second`` in the configuration),
as an operator would run it: the other end-to-end tests lift the budget for speed,
so these make sure the throttled client converges too.

- classic (rights GET 405) and artefact (rights GET 501, UUID ids, writes unproven):
  plan, apply and import work; rights are PATCHed and marked unverified; product
  steps (and, in artefact, ak-gebruiker rights) go to the work order (exit 4), and
  once a person has done them apply exits 0 and keeps no work order;
- current (writes configured on: discovery proves none): one apply converges
  products, werkgevergebruiker and ak-gebruiker rights; only MijnLoket of the
  employer whose addendum Loket has not processed goes to the work order (exit 4),
  and once it is processed apply exits 0.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mijnloket_gitops.config import LoketProviderConfig
from mijnloket_gitops.plan.model import UNVERIFIED_FLAG
from mijnloket_gitops.sandbox.store import Store
from tests.emulator_fixtures import SeededEmulator, start_emulator
from tests.loket_emulated import authorize
from tests.test_loket_e2e import WORK_ORDER, api_changes, cli, switch_per_work_order
from tests.test_loket_worlds import WRITES_ON, drift

EMPLOYERS = 6

# The default budget makes each world take about half a minute.
pytestmark = pytest.mark.slow


def prepare_default_budget(started: SeededEmulator) -> Path:
    """The repository's configuration names only the URLs: every other setting,
    the request budget included, is the provider's default."""
    assert LoketProviderConfig.model_validate({"type": "loket"}).requests_per_second == 5.0
    (started.repo / "mijnloket-gitops.yaml").write_text(
        "version: 1\nprovider:\n  type: loket\n"
        f"  api_url: {started.server.base_url}\n  oauth_url: {started.server.oauth_url}\n",
        encoding="utf-8",
    )
    authorize(started.server, started.repo)
    return started.repo


def drift_werkgevergebruikers(started: SeededEmulator, skip: str) -> list[tuple[str, str]]:
    """Revoke one right of every werkgevergebruiker holding one (except in ``skip``);
    returns (employer id, change subject) as the emulator records a grant."""
    revoked = [
        (e.employer_id, u.login, u.rights[0])
        for _, e in started.employers
        if e.employer_id != skip
        for u in e.users
        if u.type == "werkgevergebruiker" and u.rights
    ]
    assert revoked, "the generated employers should give werkgevergebruikers rights"
    with Store.open(started.db) as store, store.write("test") as tx:
        for employer_id, login, right in revoked:
            tx.revoke(employer_id, login, right)
    return [(employer, f"{right} for {login}".casefold()) for employer, login, right in revoked]


@pytest.mark.parametrize("world", ["classic", "artefact"])
def test_classic_and_artefact_worlds_with_the_default_budget(tmp_path: Path, world: str) -> None:
    with start_emulator(tmp_path, employers=EMPLOYERS, world=world) as started:
        repo = prepare_default_budget(started)
        gated_id, _ = drift(started)
        revoked = drift_werkgevergebruikers(started, gated_id)
        shown = cli(repo, "plan")
        assert shown.returncode == 0, shown.stdout + shown.stderr
        assert "[unverified]" in shown.stdout
        seen = started.server.state.log.last_seq
        applied = cli(repo, "apply", "--auto-approve", "--allow-employer-share")
        assert applied.returncode == 4, applied.stdout + applied.stderr
        order = json.loads((repo / WORK_ORDER).read_text())
        tasks = [t for e in order["employers"] for t in e["tasks"]]
        assert tasks and all(t["product"] or t["user_type"] == "ak-gebruiker" for t in tasks), (
            "only product steps (and ak-gebruiker rights, unproven or unknown) are manual"
        )
        writes = {r.method for r in started.server.requests(seen) if r.method != "GET"}
        assert writes <= {"PATCH", "POST", "OPTIONS"}, writes
        granted = {(e, s.casefold()) for e, a, s in api_changes(started) if a == "grant"}
        assert set(revoked) <= granted, "werkgevergebruiker rights are sent by PATCH"
        journal = next((repo / ".mijnloket" / "journal").glob("*.jsonl"))
        done = [
            json.loads(line)
            for line in journal.read_text().splitlines()
            if json.loads(line)["event"] == "done"
        ]
        assert done and all(UNVERIFIED_FLAG in e["flags"] for e in done)
        started.server.set_portal_available(gated_id, True)  # Loket processed the addendum
        switch_per_work_order(started, repo)
        again = cli(repo, "apply", "--auto-approve", "--allow-employer-share")
        assert again.returncode == 0, again.stdout + again.stderr
        assert "work order" not in again.stdout, "notes to check by hand make no work order"
        assert not (repo / WORK_ORDER).exists(), "a finished apply keeps no work order"
        final = cli(repo, "plan", "--detailed-exitcode")
        assert final.returncode == 0, final.stdout + final.stderr
        assert "[unverified]" in final.stdout, "rights Loket cannot show are sent every time"
        assert "No verifiable changes" in final.stdout
        assert final.stdout.count("could not be read") == 1, "one note, not one per employer"
        imported = cli(repo, "import", "--all", "--output-dir", str(tmp_path / "imported"))
        assert imported.returncode == 0, imported.stdout + imported.stderr
        assert len(list((tmp_path / "imported").glob("*.yaml"))) >= EMPLOYERS


def test_current_world_with_the_default_budget(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=EMPLOYERS, world="current") as started:
        repo = prepare_default_budget(started)
        config = repo / "mijnloket-gitops.yaml"
        config.write_text(config.read_text() + WRITES_ON, encoding="utf-8")
        gated_id, _ = drift(started)
        revoked = drift_werkgevergebruikers(started, gated_id)
        applied = cli(repo, "apply", "--auto-approve", "--allow-employer-share")
        assert applied.returncode == 4, applied.stdout + applied.stderr
        order = json.loads((repo / WORK_ORDER).read_text())
        tasks = [(e["employer_id"], t["product"]) for e in order["employers"] for t in e["tasks"]]
        assert tasks == [(gated_id, "MijnLoket")]
        assert "addendum" in (repo / WORK_ORDER).with_suffix(".md").read_text()
        changes = api_changes(started)
        assert max(changes.values()) == 1
        granted = {(e, s.casefold()) for e, a, s in changes if a == "grant"}
        assert set(revoked) <= granted, "werkgevergebruiker rights were converged"
        assert any("kantoor" in s for _, s in granted), "ak-gebruiker rights were converged"
        assert any(a == "activate" and e != gated_id for e, a, _ in changes)
        final = cli(repo, "plan", "--detailed-exitcode")
        assert "unverified" not in final.stdout
        started.server.set_portal_available(gated_id, True)
        again = cli(repo, "apply", "--auto-approve", "--allow-employer-share")
        assert again.returncode == 0, again.stdout + again.stderr
        assert not (repo / WORK_ORDER).exists()
        assert cli(repo, "plan", "--detailed-exitcode").returncode == 0
