"""``github check-approvals`` (issue 23): the required status check of a pull request
whose plan needs approvals, and the apply job's check again before it changes anything."""

from __future__ import annotations

import os
from pathlib import Path

import click

from mijnloket_gitops.errors import ExitCode
from mijnloket_gitops.gitops.approvals_check import check_approvals
from mijnloket_gitops.gitops.github import GitHub, GitHubEnv
from mijnloket_gitops.gitops.runner_io import append_summary, in_actions
from mijnloket_gitops.plan.saved import read_plan


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
    "--github-repository",
    metavar="OWNER/NAME",
    help="The GitHub repository [default: $GITHUB_REPOSITORY].",
)
def check_approvals_command(
    plan_file: Path, pr: int, head_sha: str | None, github_repository: str | None
) -> None:
    """Fail until every approval the plan needs has an approving review.

    The plan lists its approvals (approvals: in mijnloket-gitops.yaml, by what the plan
    does). Each needs a reviewer's latest review to approve the pull request's head
    commit; @org/team reviewers count through team membership. Exit 0 when all are
    met (or none is needed), 1 otherwise, naming what is missing.
    """
    needed = read_plan(plan_file).get("approvals") or []
    if not needed:
        click.echo("The plan needs no approvals.")
        return
    env = GitHubEnv.from_environ(os.environ, repository=github_repository)
    with GitHub(env) as github:
        head, statuses = check_approvals(github, pr, needed, head_sha)
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
