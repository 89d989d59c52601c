"""``github ...`` subcommands of the reviewed-plan chain (``github_cmd`` adds them
to its group): the privileged plan job finds its pull request, imports the pull
request's files as data and records which run made the plan; the apply workflow
finds that run, checks the plan's provenance and that its commit is still the tip.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import click

from mijnloket_gitops.cli.common import repo_option
from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.gitops import journal_seal, provenance
from mijnloket_gitops.gitops.github import GitHub, GitHubEnv
from mijnloket_gitops.gitops.journals import APPLY_WORKFLOW, journal_run, prune
from mijnloket_gitops.gitops.pr_data import PullRequestRefused, import_pull_request
from mijnloket_gitops.gitops.pr_settings import refusal_notice
from mijnloket_gitops.gitops.reviewed import (
    artifact_name,
    check_tip,
    pull_request_for_run,
    reviewed_run,
)
from mijnloket_gitops.gitops.runner_io import command_data, quoted, set_outputs
from mijnloket_gitops.gitops.visibility import require_private
from mijnloket_gitops.words import plural

PLAN_WORKFLOW = "mijnloket-pr-plan.yml"
ARTIFACT_PREFIX = "mijnloket-plan"

_github_repository = click.option(
    "--github-repository",
    metavar="OWNER/NAME",
    help="The GitHub repository [default: $GITHUB_REPOSITORY].",
)
_head_sha = click.option("--head-sha", required=True, help="The pull request's head commit.")


def _client(repository: str | None) -> GitHub:
    return GitHub(GitHubEnv.from_environ(os.environ, repository=repository))


def _run_id() -> int:
    value = os.environ.get("GITHUB_RUN_ID", "")
    if not value.isdigit():
        raise click.UsageError("GITHUB_RUN_ID is not set (run this in a workflow step)")
    return int(value)


@click.command("pull-request-of-run")
@_head_sha
@click.option("--head-label", required=True, metavar="OWNER:BRANCH", help="The head branch.")
@click.option("--artifact", default=ARTIFACT_PREFIX, show_default=True, help="Name prefix.")
@_github_repository
def pull_request_of_run(
    head_sha: str, head_label: str, artifact: str, github_repository: str | None
) -> None:
    """The open pull request a workflow_run was triggered by (outputs pull-request and
    artifact, the plan artifact's name)."""
    with _client(github_repository) as client:
        number = pull_request_for_run(client, head_sha, head_label)
    click.echo(f"Planning pull request #{number} at {head_sha[:12]}.")
    set_outputs(
        os.environ,
        {"pull-request": str(number), "artifact": artifact_name(artifact, number, head_sha)},
    )


def _write_notice(path: Path | None, text: str) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@click.command("import-pull-request")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The pull request's checkout (read as data, never run).",
)
@click.option(
    "--notice",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here, for the top of the plan comment, which guards and catalog settings "
    "the pull request changes, or why it is refused (removed when there is nothing to say).",
)
@repo_option
def import_pull_request_cmd(source: Path, notice: Path | None, repo: Path) -> None:
    """Copy the pull request's employer files and configuration into REPO (the base
    branch's checkout, whose guards it keeps); refuse (exit 3) when it changes a
    connection setting."""
    if notice is not None:
        notice.unlink(missing_ok=True)  # never a notice from before this run
    try:
        imported = import_pull_request(repo, source)
    except PullRequestRefused as refused:  # the comment says why there is no plan
        _write_notice(notice, refusal_notice(str(refused)))
        _fail_quoted(refused)
    except MijnloketError as error:  # the pull request's configuration, quoted
        _fail_quoted(error)
    click.echo(f"Imported {len(imported.files)} files of the pull request as data.")
    if imported.notice:
        _write_notice(notice, imported.notice)
        click.echo("It changes settings in mijnloket-gitops.yaml besides employer files.")
    for path in imported.skipped:
        # A file name may hold a newline: escaped, it cannot start a workflow command.
        click.echo(f"::warning title=Skipped (not a regular file)::{command_data(path)}")


def _fail_quoted(error: MijnloketError) -> NoReturn:
    """Say ``error`` and exit with its code, its text between ``::stop-commands::`` and
    its end token: the message quotes the pull request's files and configuration (a key
    may hold a line break), which in this privileged job must never become a workflow
    command (``::add-mask::``, a fake ``::error``)."""
    click.echo(quoted(f"error: {error}"), err=True, nl=False)
    raise SystemExit(error.exit_code)


@click.command("require-private")
@click.option("--github-repository", default=None, help="owner/name [default: $GITHUB_REPOSITORY].")
def require_private_cmd(github_repository: str | None) -> None:
    """Refuse (exit 3) unless the repository is private: the workflows publish live
    state (logins, rights) in comments, artifacts, journals and the drift issue."""
    with _client(github_repository) as client:
        require_private(client)
    click.echo(f"{client.env.repository} is private.")


@click.command("record-run")
@click.option(
    "--dir",
    "folder",
    required=True,
    type=click.Path(path_type=Path),
    help="The folder of the saved plan (run.json is written there).",
)
@click.option(
    "--pull-request", type=click.IntRange(min=1), required=True, help="The pull request planned."
)
@_head_sha
def record_run(folder: Path, pull_request: int, head_sha: str) -> None:
    """Write run.json (pull request, head commit, this run) next to the saved plan."""
    base = os.environ.get("GITHUB_SHA", "")
    path = provenance.Provenance(pull_request, head_sha, _run_id(), base).write(folder)
    click.echo(f"Recorded the plan's provenance in {path}.")


@click.command("reviewed-plan")
@click.option("--commit", required=True, help="The commit on main (e.g. $GITHUB_SHA).")
@click.option(
    "--workflow",
    default=PLAN_WORKFLOW,
    show_default=True,
    help="The workflow whose runs saved the plans.",
)
@click.option("--artifact", default=ARTIFACT_PREFIX, show_default=True, help="Name prefix.")
@_github_repository
def reviewed_plan(commit: str, workflow: str, artifact: str, github_repository: str | None) -> None:
    """Find the run whose artifact holds the plan reviewed for COMMIT (outputs run-id,
    pull-request, head-sha and artifact)."""
    with _client(github_repository) as client:
        found = reviewed_run(client, commit, workflow, artifact)
    click.echo(f"Reviewed plan: pull request #{found.pull_request}, run {found.run_url}")
    set_outputs(
        os.environ,
        {
            "run-id": str(found.run_id),
            "pull-request": str(found.pull_request),
            "head-sha": found.head_sha,
            "artifact": artifact_name(artifact, found.pull_request, found.head_sha),
        },
    )


@click.command("check-plan")
@click.option(
    "--dir",
    "folder",
    required=True,
    type=click.Path(path_type=Path),
    help="The folder of the downloaded plan artifact (with run.json).",
)
@click.option(
    "--pull-request",
    type=click.IntRange(min=1),
    required=True,
    help="The pull request that was merged.",
)
@_head_sha
@click.option(
    "--run-id",
    type=click.IntRange(min=1),
    required=True,
    help="The plan run the artifact must come from.",
)
def check_plan(folder: Path, pull_request: int, head_sha: str, run_id: int) -> None:
    """Refuse (exit 3) unless the downloaded plan was made for this pull request, head
    commit and run."""
    provenance.check(folder, pull_request=pull_request, head_sha=head_sha, run_id=run_id)
    click.echo(f"The plan was made by run {run_id} for pull request #{pull_request}.")


@click.command("check-tip")
@click.option("--commit", required=True, help="This run's commit (e.g. $GITHUB_SHA).")
@_github_repository
def check_tip_cmd(commit: str, github_repository: str | None) -> None:
    """Refuse (exit 3) unless COMMIT is still the tip of the default branch."""
    with _client(github_repository) as client:
        branch = check_tip(client, commit)
    click.echo(f"{commit[:12]} is the tip of {branch}.")


@click.command("journal-run")
@click.option("--commit", required=True, help="The commit being applied (e.g. $GITHUB_SHA).")
@click.option(
    "--workflow",
    default=APPLY_WORKFLOW,
    show_default=True,
    help="The apply workflow whose runs keep the journals.",
)
@_github_repository
def journal_run_cmd(commit: str, workflow: str, github_repository: str | None) -> None:
    """Find the newest apply run on the default branch whose journal artifact the
    apply of COMMIT restores (output run-id, empty when there is none yet)."""
    with _client(github_repository) as client:
        run_id = journal_run(client, commit, workflow)
    if run_id is None:
        click.echo("No earlier apply journal to restore (the first apply, or all expired).")
    else:
        click.echo(f"Restoring the apply journals of run {run_id}.")
    set_outputs(os.environ, {"run-id": "" if run_id is None else str(run_id)})


@click.command("prune-journals")
@click.option(
    "--dir",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The journal folder (e.g. .mijnloket/journal, restored from the last apply).",
)
@click.option(
    "--keep-days",
    type=click.IntRange(min=1),
    default=90,
    show_default=True,
    help="Remove finished journals that started longer ago (the artifact's retention).",
)
def prune_journals(folder: Path, keep_days: int) -> None:
    """Remove finished journals older than --keep-days; interrupted ones stay for the
    next apply to reconcile."""
    removed = prune(folder, keep_days)
    click.echo(f"Removed {plural(len(removed), 'journal')} older than {plural(keep_days, 'day')}.")


_JOURNAL_DIR = click.option(
    "--dir",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The journal folder (e.g. .mijnloket/journal).",
)


@click.command("seal-journals")
@_JOURNAL_DIR
def seal_journals(folder: Path) -> None:
    """Seal the journal set before upload (HMAC keyed by $MIJNLOKET_JOURNAL_KEY)."""
    path = journal_seal.seal(folder, journal_seal.journal_key(os.environ))
    click.echo(f"Sealed the apply journals in {path}.")


@click.command("check-journals")
@_JOURNAL_DIR
def check_journals(folder: Path) -> None:
    """Refuse (exit 3) restored journals whose seal is missing or wrong."""
    journal_seal.check(folder, journal_seal.journal_key(os.environ))
    click.echo(f"The seal of the apply journals in {folder} checks out.")


SUBCOMMANDS = (
    seal_journals,
    check_journals,
    require_private_cmd,
    check_tip_cmd,
    journal_run_cmd,
    prune_journals,
    pull_request_of_run,
    import_pull_request_cmd,
    record_run,
    reviewed_plan,
    check_plan,
)
