"""``github ...``: what the GitHub workflows and the composite action run.

Each command reads the runner's variables (``GITHUB_TOKEN``, ``GITHUB_REPOSITORY``,
``GITHUB_API_URL``, ``GITHUB_OUTPUT`` ...), calls :mod:`mijnloket_gitops.gitops` and
turns the result into output and an exit code. Tokens are never printed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from mijnloket_gitops.cli.common import FullHelpGroup, repo_option, settings_for
from mijnloket_gitops.config import LoketProviderConfig, Settings
from mijnloket_gitops.gitops import action, publish
from mijnloket_gitops.gitops import rotation as token
from mijnloket_gitops.gitops.github import GitHub, GitHubEnv
from mijnloket_gitops.gitops.reviewed import reviewed_run
from mijnloket_gitops.gitops.runner_io import append_summary, in_actions, quoted, set_outputs
from mijnloket_gitops.loket.store import TokenStore
from mijnloket_gitops.providers.sandbox import sandbox_path

_github_repository = click.option(
    "--github-repository",
    metavar="OWNER/NAME",
    help="The GitHub repository [default: $GITHUB_REPOSITORY].",
)


def _client(repository: str | None, token_var: str = "GITHUB_TOKEN") -> GitHub:
    return GitHub(GitHubEnv.from_environ(os.environ, repository=repository, token_var=token_var))


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@click.group("github", cls=FullHelpGroup)
def github() -> None:
    """Helpers for the GitHub workflows (see `mijnloket-gitops init`)."""


@github.command("upsert-comment")
@click.option("--pr", type=click.IntRange(min=1), required=True, help="Pull request number.")
@click.option(
    "--body-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The Markdown plan to post (`plan --format markdown`).",
)
@click.option("--plan-failed", is_flag=True, help="Say that no plan could be made this time.")
@click.option("--commit", help="With --plan-failed: the commit [default: $GITHUB_SHA].")
@_github_repository
def upsert_comment(
    pr: int,
    body_file: Path | None,
    plan_failed: bool,
    commit: str | None,
    github_repository: str | None,
) -> None:
    """Create or update THE plan comment of a pull request (found by its marker)."""
    if (body_file is None) == (not plan_failed):
        raise click.UsageError("give exactly one of --body-file and --plan-failed")
    if body_file is not None:
        body = _read(body_file)
    else:
        body = publish.failed_plan_body(
            commit or os.environ.get("GITHUB_SHA", "?"), publish.run_url(os.environ)
        )
    with _client(github_repository) as client:
        result = publish.upsert_comment(client, pr, body)
    dropped = result.deleted_duplicates
    extra = f" (deleted {dropped} older copies)" if dropped else ""
    click.echo(f"Plan comment {result.action}: {result.url}{extra}")


@github.command("drift-issue")
@click.option(
    "--state",
    type=click.Choice(["open", "closed"]),
    required=True,
    help="open: there is drift (needs --body-file); closed: there is none any more.",
)
@click.option(
    "--body-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The Markdown plan (with --state open).",
)
@_github_repository
def drift_issue(state: str, body_file: Path | None, github_repository: str | None) -> None:
    """Open or update THE drift issue (found by its marker), or close it."""
    if (state == "open") != (body_file is not None):
        raise click.UsageError("--body-file goes with --state open, and only with it")
    with _client(github_repository) as client:
        if body_file is not None:
            result = publish.open_drift_issue(client, _read(body_file))
        else:
            url = publish.run_url(os.environ)
            note = f"Drift is gone: live state matches the configuration ({url})."
            result = publish.close_drift_issue(client, note)
    click.echo(f"Drift issue {result.action}" + (f": {result.url}" if result.url else ""))


@github.command("reviewed-plan")
@click.option("--commit", required=True, help="The commit on main (e.g. $GITHUB_SHA).")
@click.option(
    "--workflow",
    default="mijnloket-pr.yml",
    show_default=True,
    help="The pull-request workflow whose runs saved the plan.",
)
@click.option(
    "--artifact",
    default="mijnloket-plan",
    show_default=True,
    help="The name of the artifact that holds the plan file.",
)
@_github_repository
def reviewed_plan(commit: str, workflow: str, artifact: str, github_repository: str | None) -> None:
    """Find the run whose artifact holds the plan reviewed for COMMIT (output run-id)."""
    with _client(github_repository) as client:
        found = reviewed_run(client, commit, workflow, artifact)
    click.echo(f"Reviewed plan: pull request #{found.pull_request}, run {found.run_url}")
    set_outputs(os.environ, {"run-id": str(found.run_id), "pull-request": str(found.pull_request)})


def _loket(settings: Settings) -> LoketProviderConfig | None:
    config = settings.config.provider
    return config if isinstance(config, LoketProviderConfig) else None


def _mask(value: str) -> None:
    if in_actions(os.environ) and value:
        click.echo(f"::add-mask::{value}")


@github.command("prepare-provider")
@click.option(
    "--secret-name",
    default=token.CONTENT_ENV,
    show_default=True,
    help="The repository secret (and environment variable) holding the token store.",
)
@repo_option
@click.pass_context
def prepare_provider(ctx: click.Context, secret_name: str, repo: Path) -> None:
    """Before plan/apply in CI: restore the Loket.nl token store from $LOKET_TOKEN_STORE
    (after checking the rotated token can be saved), or seed a missing sandbox."""
    settings = settings_for(repo)
    config = _loket(settings)
    if config is None:
        if not sandbox_path(settings).exists():
            from mijnloket_gitops.cli.sandbox_cmd import seed

            ctx.invoke(seed, reset=False, db=None, repo=repo)
        return
    with _client(None, token.SECRETS_TOKEN_ENV) as client:
        token.check_can_persist(client)
    content = os.environ.get(token.CONTENT_ENV, "")
    _mask(token.restore(settings.root / config.token_store, content, secret_name=secret_name))
    click.echo(f"Restored the Loket.nl token store ({config.token_store}).")


@github.command("persist-token")
@click.option(
    "--secret-name",
    default=token.CONTENT_ENV,
    show_default=True,
    help="The repository secret (and environment variable) holding the token store.",
)
@repo_option
@_github_repository
def persist_token(secret_name: str, repo: Path, github_repository: str | None) -> None:
    """After plan/apply in CI: write a rotated refresh token back to the secret.
    Fails loudly when it cannot, because the secret then holds a dead token."""
    settings = settings_for(repo)
    config = _loket(settings)
    if config is None:
        return
    store = settings.root / config.token_store
    if not token.fingerprint_path(store).exists():
        click.echo("No token store was restored in this job; nothing to save.")
        return
    if store.exists():
        _mask(TokenStore(store).read().refresh_token)
    env = GitHubEnv.from_environ(
        os.environ, repository=github_repository, token_var=token.SECRETS_TOKEN_ENV
    )
    writer = token.GhSecretWriter(
        env.repository, env.token, os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    )
    try:
        outcome = token.persist(store, secret_name, writer)
    except token.TokenPersistError as error:
        if in_actions(os.environ):
            click.echo(f"::error title=Loket.nl refresh token NOT saved::{error}")
        raise
    messages = {
        "not-restored": "No token store was restored in this job; nothing to save.",
        "unchanged": "The Loket.nl refresh token did not rotate; the secret is current.",
        "saved": f"Saved the rotated Loket.nl refresh token to the secret {secret_name}.",
    }
    click.echo(messages[outcome])


@github.command("run-action")
def run_action() -> None:
    """Run the composite action's command from its INPUT_* variables (see action.yml)."""
    inputs = action.Inputs.from_environ(os.environ)
    temp = Path(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir()) / "mijnloket-gitops"
    outcome = action.run(inputs, temp)
    passthrough = inputs.command == "validate" and inputs.fmt == "github"
    if outcome.output:
        click.echo(outcome.output if passthrough else quoted(outcome.output), nl=False)
    if outcome.annotation:
        click.echo(outcome.annotation)
    set_outputs(os.environ, outcome.outputs)
    append_summary(os.environ, outcome.summary)
    if not outcome.succeeded:
        raise SystemExit(outcome.exit_code or 1)


COMMANDS = (github,)
