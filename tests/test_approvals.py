"""Approvals routed by what a plan changes (issue 23): the plan lists them, and
``github check-approvals`` checks reviews and team membership on the fake GitHub."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mijnloket_gitops.cli.main import cli
from mijnloket_gitops.gitops.approvals_check import approvers
from mijnloket_gitops.plan.render.plan_schema import plan_validator
from tests.github_fake import REPO, TOKEN, FakeGitHub, serve

ROOT = Path(__file__).resolve().parent.parent
HEAD = "abc123head"
APPROVALS = """\
approvals:
  - name: price
    when: tier_change           # a plan flag: tier_change, personal_data_grant,
    reviewers: ["@org/sales"]   #   mijnloket_removal, takeover, cost_increase
  - name: privacy
    when: personal_data_grant
    reviewers: ["@org/privacy"]
  - name: account
    when: mijnloket_removal
    reviewers: ["@jdevries"]
"""


def run(repo: Path, *args: str) -> Result:
    result = CliRunner().invoke(cli, [*args, "--repo", str(repo)])
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "employers", tmp_path / "employers")
    (tmp_path / "mijnloket-gitops.yaml").write_text(APPROVALS, encoding="utf-8")
    assert run(tmp_path, "sandbox", "seed").exit_code == 0
    return tmp_path


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    for fake in serve():
        monkeypatch.setenv("GITHUB_API_URL", fake.url)
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
        monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
        fake.pulls.append({"number": 7, "head": {"sha": HEAD, "label": "acme:x"}, "state": "open"})
        fake.teams = {"org/sales": {"s.sales"}, "org/privacy": {"p.privacy"}}
        yield fake


def test_the_plan_lists_the_approvals_it_needs_in_every_format(repo: Path) -> None:
    data = json.loads(run(repo, "plan", "--format", "json").output)
    plan_validator().validate(data)
    assert [(a["name"], a["when"], a["reviewers"]) for a in data["approvals"]] == [
        ("price", "tier_change", ["@org/sales"]),
        ("privacy", "personal_data_grant", ["@org/privacy"]),
    ]  # no MijnLoket removal in this plan: no account approval
    assert data["approvals"][0]["reasons"] == [
        "ICT Partners Utrecht B.V. (7e1b4c58-92d0-4a3f-b6e7-3f8a0d5c2b19): tier plus -> pro"
    ]
    text = run(repo, "plan").output
    assert "Approvals needed before apply (github check-approvals checks them):" in text
    assert "  price by @org/sales (tier_change)" in text
    markdown = run(repo, "plan", "--format", "markdown").output
    assert "### Approvals needed" in markdown
    assert "privacy by @&#8288;org/privacy (personal\\_data\\_grant)" in markdown


def test_without_approvals_the_plan_has_no_approvals_key(repo: Path) -> None:
    (repo / "mijnloket-gitops.yaml").write_text("version: 1\n", encoding="utf-8")
    assert "approvals" not in json.loads(run(repo, "plan", "--format", "json").output)


def test_a_bulk_personal_data_grant_needs_privacy_whatever_its_when(repo: Path) -> None:
    config = APPROVALS.replace("when: personal_data_grant", "when: takeover")
    (repo / "mijnloket-gitops.yaml").write_text(config, encoding="utf-8")
    single = json.loads(run(repo, "plan", "--format", "json").output)
    assert "privacy" not in [a["name"] for a in single["approvals"]]  # one employer only
    drift = run(
        repo, "sandbox", "set", "Bakkerij",
        "--revoke", "Raadplegen MijnLoket e-mailadres=m.bakker@salarisbureau-noord.nl",
    )  # fmt: skip
    assert drift.exit_code == 0, drift.output  # the plan grants it again: two employers
    bulk = json.loads(run(repo, "plan", "--format", "json").output)
    (privacy,) = [a for a in bulk["approvals"] if a["name"] == "privacy"]
    assert privacy["reasons"][0] == "bulk grant of personal-data rights at 2 employers"


def save_plan(repo: Path) -> Path:
    out = repo / "plan.json"
    assert run(repo, "plan", "--out", str(out)).exit_code == 0
    return out


def check(repo: Path, plan: Path, *extra: str) -> Result:
    args = ["github", "check-approvals", "--plan", str(plan), "--pr", "7", *extra]
    result = CliRunner().invoke(cli, args)
    assert "Traceback" not in result.output, result.output
    return result


def test_check_approvals_fails_until_every_group_approved_at_the_head(
    repo: Path, fake: FakeGitHub
) -> None:
    plan = save_plan(repo)
    result = check(repo, plan)
    assert result.exit_code == 1, result.output
    assert "missing price: needs an approving review at abc123head by @org/sales" in result.output
    assert "Approvals missing: price, privacy." in result.output
    fake.review(7, "s.sales", "APPROVED", HEAD)
    fake.review(7, "p.privacy", "APPROVED", "an-older-commit")  # stale: pushed since
    fake.review(7, "outsider", "APPROVED", HEAD)  # in no team
    result = check(repo, plan)
    assert result.exit_code == 1, result.output
    assert "ok      price: approved by s.sales" in result.output
    assert "missing privacy" in result.output
    fake.review(7, "p.privacy", "APPROVED", HEAD)
    result = check(repo, plan)
    assert result.exit_code == 0, result.output
    assert "ok      privacy: approved by p.privacy" in result.output
    fake.review(7, "p.privacy", "CHANGES_REQUESTED", HEAD)
    assert check(repo, plan).exit_code == 1
    assert ("GET", "/orgs/org/teams/sales/memberships/s.sales") in fake.log


def test_a_plan_that_needs_nothing_passes_without_asking_github(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "employers", tmp_path / "employers")
    assert run(tmp_path, "sandbox", "seed").exit_code == 0
    plan = save_plan(tmp_path)
    result = check(tmp_path, plan)
    assert result.exit_code == 0 and "The plan needs no approvals." in result.output


def test_comments_do_not_undo_an_approval_but_a_later_decision_does() -> None:
    def review(user: str, state: str, commit: str = HEAD) -> dict[str, object]:
        return {"user": {"login": user}, "state": state, "commit_id": commit}

    reviews = [review("a", "APPROVED"), review("a", "COMMENTED"), review("b", "APPROVED")]
    assert approvers(reviews, HEAD) == ["a", "b"]
    assert approvers([*reviews, review("b", "DISMISSED")], HEAD) == ["a"]
    assert approvers([review("c", "CHANGES_REQUESTED"), review("c", "APPROVED")], HEAD) == ["c"]


def test_a_pull_request_cannot_drop_the_governance_its_plan_is_judged_by() -> None:
    from mijnloket_gitops.config import RepoConfig
    from mijnloket_gitops.gitops.pr_settings import effective

    base = RepoConfig.model_validate(
        {
            "approvals": [{"name": "price", "when": "tier_change", "reviewers": ["@org/sales"]}],
            "policies": [{"id": "p", "on": "step", "rule": "true", "message": "m"}],
            "windows": [{"name": "w", "kind": "deny", "schedule": "FREQ=DAILY", "duration": "1h"}],
        }
    )
    planned = effective(base, RepoConfig())
    assert planned.approvals == base.approvals
    assert planned.policies == base.policies
    assert planned.windows == base.windows


def test_a_login_reviewer_counts_by_login_without_asking_for_teams(fake: FakeGitHub) -> None:
    from mijnloket_gitops.gitops.approvals_check import check_approvals
    from mijnloket_gitops.gitops.github import GitHub, GitHubEnv

    needed = [{"name": "account", "reviewers": ["@JDevries"], "reasons": ["x"]}]
    fake.review(7, "jdevries", "APPROVED", HEAD)
    with GitHub(GitHubEnv(fake.url, REPO, TOKEN)) as github:
        head, (status,) = check_approvals(github, 7, needed, None)
    assert head == HEAD  # the pull request's head, asked for
    assert status.met and status.approved_by == ("jdevries",)
    assert not [path for _, path in fake.log if path.startswith("/orgs/")]


def test_status_sets_the_required_check_on_the_head_commit(repo: Path, fake: FakeGitHub) -> None:
    plan = save_plan(repo)
    assert check(repo, plan, "--status").exit_code == 1
    fake.review(7, "s.sales", "APPROVED", HEAD)
    fake.review(7, "p.privacy", "APPROVED", HEAD)
    assert check(repo, plan, "--status").exit_code == 0
    assert fake.statuses[HEAD] == [
        {
            "state": "failure",
            "context": "mijnloket approvals",
            "description": "approvals missing: price, privacy",
        },
        {
            "state": "success",
            "context": "mijnloket approvals",
            "description": "every approval is given",
        },
    ]


def test_a_plan_that_needs_nothing_sets_a_passing_status(tmp_path: Path, fake: FakeGitHub) -> None:
    shutil.copytree(ROOT / "employers", tmp_path / "employers")
    assert run(tmp_path, "sandbox", "seed").exit_code == 0
    plan = save_plan(tmp_path)
    assert check(tmp_path, plan, "--status").exit_code == 0
    assert [s["state"] for s in fake.statuses[HEAD]] == ["success"]


def test_team_membership_is_asked_with_the_approvals_token(
    repo: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIJNLOKET_APPROVALS_TOKEN", "not-the-fake-token")
    plan = save_plan(repo)
    fake.review(7, "s.sales", "APPROVED", HEAD)
    result = check(repo, plan)
    # the fake accepts one token only: the membership request carried the other one
    assert result.exit_code == 1
    assert "/orgs/org/teams/sales/memberships/s.sales answered 401" in result.output


def test_plan_run_finds_the_plan_of_a_pull_request_at_its_head(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = tmp_path / "outputs"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    name = f"mijnloket-plan-7-{HEAD}"
    for run_id, event in ((601, "workflow_run"), (602, "pull_request")):  # 602: planted
        fake.runs.append(
            {"id": run_id, "path": ".github/workflows/mijnloket-pr-plan.yml", "event": event,
             "conclusion": "success", "html_url": f"https://github.test/runs/{run_id}"}
        )  # fmt: skip
        fake.artifacts.append(
            {"id": run_id * 10, "name": name, "expired": False,
             "created_at": f"2026-12-08T10:0{run_id - 600}:00Z", "workflow_run": {"id": run_id}}
        )  # fmt: skip
    args = ["github", "plan-run", "--pull-request", "7", "--head-sha", HEAD]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert f"run-id=601\nartifact={name}\n" in outputs.read_text()
    missing = CliRunner().invoke(
        cli, ["github", "plan-run", "--pull-request", "8", "--head-sha", HEAD]
    )
    assert missing.exit_code == 3, missing.output


def test_a_team_is_asked_by_its_lower_case_slug(fake: FakeGitHub) -> None:
    from mijnloket_gitops.gitops.approvals_check import check_approvals
    from mijnloket_gitops.gitops.github import GitHub, GitHubEnv

    fake.review(7, "s.sales", "APPROVED", HEAD)
    needed = [{"name": "price", "reviewers": ["@org/Sales"]}]
    with GitHub(GitHubEnv(fake.url, REPO, TOKEN)) as github:
        _, (status,) = check_approvals(github, 7, needed, HEAD)
    assert status.approved_by == ("s.sales",)
