"""Issue 22: removals against the last apply. A completed full apply journals which
employers it managed; a file deleted since is "removed since the last apply" in every
plan, also once its deletion is committed (a plan against HEAD alone would call the
employer plainly unmanaged); `apply --base` compares with a ref as `plan --base`
does. In the sandbox and over HTTP against the Loket emulator.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.emulator_fixtures import start_emulator
from tests.loket_emulated import authorize, write_repo_config
from tests.repo_helpers import git
from tests.test_loket_e2e import api_changes, switch_per_work_order
from tests.test_plan_apply import BAKKERIJ, apply_changes, run
from tests.test_plan_binding import BAKKERIJ_FILE, OWNERSHIP
from tests.test_plan_binding import repo as repo  # the fixture: examples in git
from tests.test_plan_binding_loket import run as run_loket


def test_a_file_deleted_and_committed_since_the_last_apply_is_removed(repo: Path) -> None:
    assert run(repo, "apply", "--auto-approve").exit_code == 0
    git(repo, "rm", "-q", BAKKERIJ_FILE)
    git(repo, "commit", "-q", "-m", "stop managing the bakkerij")
    plan = run(repo, "plan", "--format", "json", "--detailed-exitcode")
    assert plan.exit_code == 2, plan.output
    data = json.loads(plan.output)
    assert [r["employer_id"] for r in data["removed"]] == [BAKKERIJ]
    assert data["removed"][0]["path"] == "employers/bakkerij-de-vries.yaml"
    assert "the last apply" in run(repo, "plan").output
    (repo / "mijnloket-gitops.yaml").write_text(OWNERSHIP.format(key="removed", value="refuse"))
    before = apply_changes(repo)
    refused = run(repo, "apply", "--auto-approve")
    assert refused.exit_code == 3, refused.output
    assert "removed since HEAD and the last apply" in refused.output
    assert apply_changes(repo) == before


def test_apply_base_compares_ownership_with_a_ref(repo: Path) -> None:
    (repo / "mijnloket-gitops.yaml").write_text(OWNERSHIP.format(key="removed", value="refuse"))
    git(repo, "rm", "-q", BAKKERIJ_FILE)
    git(repo, "commit", "-q", "-m", "stop managing the bakkerij")
    refused = run(repo, "apply", "--auto-approve", "--base", "HEAD~1")
    assert refused.exit_code == 3, refused.output
    assert "removed since HEAD~1" in refused.output
    assert apply_changes(repo) == []


def test_removed_since_the_last_apply_over_http(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=6) as started:
        write_repo_config(started)
        authorize(started.server, started.repo)
        repo = started.repo
        first = run_loket(repo, "apply", "--auto-approve")
        if first.exit_code == 4:  # a person switches the products in Loket.nl
            switch_per_work_order(started, repo)
            first = run_loket(repo, "apply", "--auto-approve")
        assert first.exit_code == 0, first.output
        path, employer = started.employers[0]
        (repo / path).unlink()
        plan = run_loket(repo, "plan", "--format", "json", "--detailed-exitcode")
        assert plan.exit_code == 2, plan.output
        removed = json.loads(plan.stdout)["removed"]
        assert [r["employer_id"] for r in removed] == [employer.employer_id]
        config = repo / "mijnloket-gitops.yaml"
        config.write_text(config.read_text() + "ownership:\n  removed: refuse\n")
        before = api_changes(started)
        refused = run_loket(repo, "apply", "--auto-approve")
        assert refused.exit_code == 3, refused.output
        assert api_changes(started) == before
