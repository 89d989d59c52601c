"""``github check-approvals`` (issue 23): the required status check of a pull request
whose plan needs approvals, and the apply job's check again before it changes anything."""

from __future__ import annotations

import os
from pathlib import Path

import click

from mijnloket_gitops.cli.github_plan import ARTIFACT_PREFIX, PLAN_WORKFLOW
from mijnloket_gitops.errors import ExitCode
from mijnloket_gitops.gitops.approvals_check import STATUS_CONTEXT, check_approvals, post_status
from mijnloket_gitops.gitops.github import GitHub, GitHubEnv
from mijnloket_gitops.gitops.reviewed import artifact_name, plan_run
from mijnloket_gitops.gitops.runner_io import append_summary, in_actions, set_outputs
from mijnloket_gitops.plan.saved import read_plan

MEMBERS_TOKEN = "MIJNLOKET_APPROVALS_TOKEN"
"""A token that may read the organisation's team membership (github.token may not);
used only for those requests. Without it the workflow token asks."""


@click.command("check-approvals")
@click.option(
    "--plan",
    "plan_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The saved plan (plan --out) whose approvals are checked.",
)
@click.option("--pr", type=click.IntRange(min=1), required=True, help="Pull request number.")
@click.option("--head-sha", help="The commit reviews must approve [default: the PR's head].")
@click.option(
    "--status",
    "set_status",
    is_flag=True,
    help=f"Also set the commit status {STATUS_CONTEXT!r} on the head commit (the required "
    "check of a ruleset).",
)
@click.option(
    "--github-repository",
    metavar="OWNER/NAME",
    help="The GitHub repository [default: $GITHUB_REPOSITORY].",
)
def check_approvals_command(
    plan_file: Path,
    pr: int,
    head_sha: str | None,
    set_status: bool,
    github_repository: str | None,
) -> None:
    """Fail until every approval the plan needs has an approving review.

    The plan lists its approvals (approvals: in mijnloket-gitops.yaml, by what the plan
    does). Each needs a reviewer's latest review to approve the pull request's head
    commit; @org/team reviewers count through team membership (asked with
    $MIJNLOKET_APPROVALS_TOKEN when set). Exit 0 when all are met (or none is needed),
    1 otherwise, naming what is missing.
    """
    needed = read_plan(plan_file).get("approvals") or []
    if not needed and not set_status:  # nothing to ask GitHub
        click.echo("The plan needs no approvals.")
        return
    env = GitHubEnv.from_environ(os.environ, repository=github_repository)
    members = None
    if os.environ.get(MEMBERS_TOKEN):
        members = GitHubEnv.from_environ(
            os.environ, repository=github_repository, token_var=MEMBERS_TOKEN
        )
    with GitHub(env) as github, GitHub(members or env) as teams:
        head, statuses = check_approvals(github, pr, needed, head_sha, teams)
        if set_status:
            post_status(github, head, statuses)
    if not needed:
        click.echo("The plan needs no approvals.")
        return
    lines = []
    for status in statuses:
        if status.met:
            lines.append(f"ok      {status.name}: approved by {', '.join(status.approved_by)}")
        else:
            lines.append(
                f"missing {status.name}: needs an approving review at {head[:12]} by "
                f"{', '.join(status.reviewers)} ({'; '.join(status.reasons)})"
            )
    click.echo("\n".join(lines))
    missing = [s.name for s in statuses if not s.met]
    if in_actions(os.environ):
        summary = "### Approvals\n\n" + "".join(f"- `{line}`\n" for line in lines)
        append_summary(os.environ, summary)
    if missing:
        click.secho(f"Approvals missing: {', '.join(missing)}.", fg="red", err=True)
        raise SystemExit(ExitCode.ERROR)
    click.echo("Every approval the plan needs is given.")


@click.command("plan-run")
@click.option("--pull-request", type=click.IntRange(min=1), required=True, help="The pull request.")
@click.option("--head-sha", required=True, help="Its head commit.")
@click.option(
    "--github-repository",
    metavar="OWNER/NAME",
    help="The GitHub repository [default: $GITHUB_REPOSITORY].",
)
def plan_run_command(pull_request: int, head_sha: str, github_repository: str | None) -> None:
    """Find the run of the plan workflow that saved the plan of PULL_REQUEST at HEAD_SHA
    (outputs run-id and artifact); exit 3 when there is none."""
    env = GitHubEnv.from_environ(os.environ, repository=github_repository)
    with GitHub(env) as github:
        found = plan_run(github, pull_request, head_sha, PLAN_WORKFLOW, ARTIFACT_PREFIX)
    click.echo(f"The plan of pull request #{pull_request}: run {found.run_url}")
    name = artifact_name(ARTIFACT_PREFIX, pull_request, head_sha)
    set_outputs(os.environ, {"run-id": str(found.run_id), "artifact": name})
