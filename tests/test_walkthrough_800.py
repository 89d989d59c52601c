"""Done when (issue 21): the README's walkthrough after ``import --all`` of 800
employers from Loket.nl (its emulator), with the addendum evidence filled in from a
CSV, changes every werkgevergebruiker it says it will and converges to ``plan
--detailed-exitcode`` 0.

The emulated Loket.nl is the ``current`` world: werkgevergebruikers' rights can be
read, so import writes every one of them, with or without rights (in the ``classic``
world, where they cannot, import lists them in a comment instead).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.sandbox.store import Store
from mijnloket_gitops.validate.runner import validate_paths
from tests.emulator_fixtures import start_emulator
from tests.loket_emulated import ENV, authorize, loket_config
from tests.test_evidence import pending
from tests.test_import import run, use_directory

CATALOG = builtin_catalog()
RIGHT = "Raadplegen MijnLoket e-mailadres"
WHERE = "product=MijnLoket and user-type=werkgevergebruiker"


@pytest.mark.slow
def test_readme_walkthrough_after_importing_800_employers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    with start_emulator(tmp_path, employers=800, seed=21, api="current") as started:
        repo = started.repo
        authorize(started.server, repo)
        config = loket_config(started.server)
        use_directory(
            repo,
            "imported",
            [
                "provider:",
                "  type: loket",
                f"  api_url: {config.api_url}",
                f"  oauth_url: {config.oauth_url}",
                "  requests_per_second: 10000",
                "  concurrency: 8",
            ],
        )
        imported = run(repo, "import", "--all")
        assert imported.exit_code == 0, imported.output
        out = repo / "imported"
        with Store.open(started.db) as store:
            live = store.live([e.employer_id for e in store.employers()])
        everyone = {
            (e.employer_id, u.login)
            for e in live.values()
            if "MijnLoket" in e.products
            for u in e.users.values()
            if u.type == "werkgevergebruiker"
        }
        without = {(i, login) for i, login in everyone if RIGHT not in live[i].user(login).rights}  # type: ignore[union-attr]
        assert len(without) > 100, "the walkthrough has people to change"

        gaps = pending(out)
        assert len(gaps) > 100
        sheet = tmp_path / "evidence.csv"
        sheet.write_text(
            "employer_id;status;signed_on;ticket\n"
            + "".join(
                f"{data['employer_id']};signed;2025-03-{n % 28 + 1:02d};LKT-{60000 + n}\n"
                for n, data in enumerate(gaps.values())
            ),
            encoding="utf-8",
        )
        filled = run(repo, "edit", "--evidence", sheet)
        assert filled.exit_code == 0, filled.output
        assert f"{len(gaps)} changed" in filled.stdout and pending(out) == {}

        for wave in range(1, 5):
            edit = run(repo, "edit", "--where", WHERE, "--grant", RIGHT, "--to",
                       "werkgevergebruiker", "--wave", f"{wave}/4")  # fmt: skip
            assert edit.exit_code == 0, edit.output
            # a wave grants a personal-data right to dozens: the guard's override (issue 22)
            applied = run(repo, "apply", "--auto-approve", "--allow-personal-data-grants")
            assert applied.exit_code == 0, applied.output
        converged = run(repo, "plan", "--detailed-exitcode", "--format", "json")
        assert converged.exit_code == 0, converged.output
        assert json.loads(converged.stdout)["summary"]["employers_managed"] == len(live)

        with Store.open(started.db) as store:
            after = store.live(list(live))
        assert all(RIGHT in after[i].user(login).rights for i, login in everyone)  # type: ignore[union-attr]
        files = validate_paths([out], CATALOG)
        assert files.errors == 0
        listed = {
            (e.employer_id, u.login)
            for _, e in files.employers
            for u in e.users
            if u.type == "werkgevergebruiker" and RIGHT in u.rights
        }
        assert everyone <= listed
