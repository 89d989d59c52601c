"""Which workflow run holds the plan that was reviewed for a commit on main.

A push to main that merged pull request N was reviewed through N's plan comment;
that plan was saved as an artifact by the newest completed run of the pull-request
workflow for N's last head commit. Only that run counts: an older run's plan is not
what the reviewers last saw. Anything else (a direct push, a plan run still going,
a run that saved no plan, an expired artifact) is an error, so that nothing
unreviewed is ever applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mijnloket_gitops.errors import ExitCode
from mijnloket_gitops.gitops.github import GitHub, GitHubError

MANUAL_RUN = (
    "to apply main anyway, run the apply workflow by hand (workflow_dispatch): it plans "
    "on main and waits for that plan to be approved"
)


class NoReviewedPlanError(GitHubError):
    """No reviewed plan exists for the commit: refused, nothing is applied (exit 3)."""

    exit_code = ExitCode.REFUSED


@dataclass(frozen=True)
class ReviewedRun:
    """The run whose artifact holds the reviewed plan."""

    run_id: int
    run_url: str
    pull_request: int
    head_sha: str


def merged_pull_request(github: GitHub, commit: str) -> dict[str, Any]:
    """The pull request whose merge produced ``commit``."""
    pulls = github.call("GET", f"{github.repo}/commits/{commit}/pulls") or []
    for pull in pulls:
        if pull.get("merged_at") and pull.get("merge_commit_sha") == commit:
            return dict(pull)
    raise NoReviewedPlanError(
        f"commit {commit[:12]} is not the merge of a pull request, so no plan was reviewed "
        f"for it and nothing is applied; {MANUAL_RUN}"
    )


def reviewed_run(github: GitHub, commit: str, workflow: str, artifact: str) -> ReviewedRun:
    """The run of ``workflow`` that saved the plan reviewed for ``commit``."""
    pull = merged_pull_request(github, commit)
    number, head = int(pull["number"]), str(pull["head"]["sha"])
    runs = github.paginate(
        f"{github.repo}/actions/workflows/{workflow}/runs",
        {"head_sha": head, "event": "pull_request", "status": "completed"},
        key="workflow_runs",
    )
    newest = max(runs, key=lambda run: str(run.get("created_at", "")), default=None)
    if newest is None:
        raise NoReviewedPlanError(
            f"pull request #{number} has no completed run of {workflow} for its last commit "
            f"{head[:12]}; wait for it to finish and re-run this workflow, or {MANUAL_RUN}"
        )
    found = github.call(
        "GET", f"{github.repo}/actions/runs/{newest['id']}/artifacts", params={"name": artifact}
    )
    usable = [a for a in found.get("artifacts", []) if not a.get("expired")]
    if not usable:
        raise NoReviewedPlanError(
            f"the last plan run of pull request #{number} ({newest.get('html_url')}) saved no "
            f"artifact {artifact!r} (the plan failed, or the artifact expired); {MANUAL_RUN}"
        )
    return ReviewedRun(int(newest["id"]), str(newest.get("html_url", "")), number, head)
