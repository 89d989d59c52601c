"""Which workflow run holds the plan that was reviewed for a commit on main.

A push to main that merged pull request N was reviewed through N's plan comment,
which the privileged plan workflow (``mijnloket-pr-plan.yml``, run by
``workflow_run`` from the default branch) posted and whose plan it saved as the
artifact ``mijnloket-plan-N-HEAD`` for N's last head commit. Only an artifact of a
*successful* run of that workflow, triggered by ``workflow_run``, counts: the
pull-request workflow itself runs the pull request's own version of its file, so an
artifact it uploaded under the same name is the author's, not ours. Anything else (a
direct push, no successful plan run, an expired artifact) is refused, so that
nothing unreviewed is ever applied.
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


def artifact_name(prefix: str, pull_request: int, head_sha: str) -> str:
    """The plan artifact's name for one pull request at one head commit."""
    return f"{prefix}-{pull_request}-{head_sha}"


def _trusted(run: dict[str, Any], workflow: str) -> bool:
    path = str(run.get("path", "")).split("@", 1)[0]
    return (
        path == f".github/workflows/{workflow}"
        and run.get("event") == "workflow_run"
        and run.get("conclusion") == "success"
    )


def reviewed_run(github: GitHub, commit: str, workflow: str, prefix: str) -> ReviewedRun:
    """The successful ``workflow_run`` run of ``workflow`` that saved the plan
    reviewed for ``commit`` (the newest, when there are several)."""
    pull = merged_pull_request(github, commit)
    return plan_run(github, int(pull["number"]), str(pull["head"]["sha"]), workflow, prefix)


def plan_run(github: GitHub, number: int, head: str, workflow: str, prefix: str) -> ReviewedRun:
    """The successful ``workflow_run`` run of ``workflow`` that saved the plan of pull
    request ``number`` at commit ``head`` (the newest, when there are several)."""
    name = artifact_name(prefix, number, head)
    found = github.paginate(f"{github.repo}/actions/artifacts", {"name": name}, key="artifacts")
    usable = [a for a in found if not a.get("expired") and a.get("name") == name]
    usable.sort(key=lambda a: str(a.get("created_at", "")), reverse=True)
    for artifact in usable:
        run_id = int(artifact.get("workflow_run", {}).get("id", 0))
        run = github.call("GET", f"{github.repo}/actions/runs/{run_id}") if run_id else {}
        if _trusted(run, workflow):
            return ReviewedRun(run_id, str(run.get("html_url", "")), number, head)
    raise NoReviewedPlanError(
        f"no successful run of {workflow} saved a plan for pull request #{number} at its last "
        f"commit {head[:12]} (artifact {name!r}: the plan failed or was refused, is still "
        f"running, or expired); {MANUAL_RUN}"
    )


def pull_request_for_run(github: GitHub, head_sha: str, head_label: str) -> int:
    """The open pull request whose head is ``head_label`` (``owner:branch``) at commit
    ``head_sha``: the pull request a ``workflow_run`` event was triggered by (its own
    ``pull_requests`` list is empty for forks)."""
    pulls = github.paginate(f"{github.repo}/pulls", {"state": "open", "head": head_label})
    for pull in pulls:
        if pull.get("head", {}).get("sha") == head_sha:
            return int(pull["number"])
    raise NoReviewedPlanError(
        f"no open pull request from {head_label} has head commit {head_sha[:12]} (pushed "
        "again or closed since): nothing is planned for it"
    )


class NotTheTipError(NoReviewedPlanError):
    """A newer commit reached the default branch: this run applies nothing (exit 3)."""


def check_tip(github: GitHub, commit: str) -> str:
    """Refuse unless ``commit`` is the tip of the default branch (returned)."""
    branch = str(github.call("GET", github.repo)["default_branch"])
    tip = str(github.call("GET", f"{github.repo}/branches/{branch}")["commit"]["sha"])
    if tip != commit:
        raise NotTheTipError(
            f"commit {commit[:12]} is no longer the tip of {branch} ({tip[:12]} is): the run "
            f"for the newer commit applies its own plan, and applying this older one after "
            "it would undo the newer change. Nothing was applied"
        )
    return branch
