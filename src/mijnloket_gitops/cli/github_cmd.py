"""``github ...``: what the GitHub workflows and the composite action run.

Each command reads the runner's variables (``GITHUB_TOKEN``, ``GITHUB_REPOSITORY``,
``GITHUB_API_URL``, ``GITHUB_OUTPUT`` ...), calls :mod:`mijnloket_gitops.gitops` and
turns the result into output and an exit code. Tokens are never printed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import click

from mijnloket_gitops.cli import github_approvals, github_plan
from mijnloket_gitops.cli.common import FullHelpGroup, repo_option, settings_for
from mijnloket_gitops.config import LoketProviderConfig, Settings
from mijnloket_gitops.gitops import action, plan_age, publish
from mijnloket_gitops.gitops import rotation as token
from mijnloket_gitops.gitops.github import GitHub, GitHubEnv, GitHubError
from mijnloket_gitops.gitops.runner_io import (
    append_summary,
    command_data,
    in_actions,
    quoted,
    set_outputs,
)
from mijnloket_gitops.loket.session import token_store_path
from mijnloket_gitops.loket.store import TokenStore
from mijnloket_gitops.providers.sandbox import sandbox_path

_github_repository = click.option(
    "--github-repository",
    metavar="OWNER/NAME",
    help="The GitHub repository [default: $GITHUB_REPOSITORY].",
)
_author = click.option(
    "--author",
    envvar="MIJNLOKET_BOT_LOGIN",
    default=publish.BOT,
    show_default=True,
    help="The login that writes the comment/issue (a GitHub App: its '<slug>[bot]'); "
    "only what it wrote is ever edited [env: MIJNLOKET_BOT_LOGIN].",
)
_secret_options = [
    click.option(
        "--secret-name",
        default=token.CONTENT_ENV,
        show_default=True,
        help="The secret (and environment variable) that holds the token store.",
    ),
    click.option(
        "--secret-environment",
        default="",
        help="The deployment environment the secret belongs to (empty: a repository secret).",
    ),
]


def _secret(func: Any) -> Any:
    for option in reversed(_secret_options):
        func = option(func)
    return func


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
@click.option("--commit", help="The commit planned [default: $GITHUB_SHA].")
@click.option(
    "--notice-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Markdown put first (import-pull-request --notice); skipped when missing.",
)
@click.option(
    "--plan-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The saved plan (plan.json): the comment says until when apply accepts it"
    " (safety.max_plan_age_hours of the repository).",
)
@_author
@_github_repository
@repo_option
def upsert_comment(
    pr: int,
    body_file: Path | None,
    plan_failed: bool,
    commit: str | None,
    notice_file: Path | None,
    plan_file: Path | None,
    author: str,
    github_repository: str | None,
    repo: Path,
) -> None:
    """Create or update THE plan comment of a pull request (found by its marker and
    author); it names the commit and links the run."""
    if (body_file is None) == (not plan_failed):
        raise click.UsageError("give exactly one of --body-file and --plan-failed")
    commit = commit or os.environ.get("GITHUB_SHA", "?")
    url = publish.run_url(os.environ)
    if body_file is not None:
        until = plan_age.valid_until(repo, plan_file) if plan_file is not None else None
        body = _read(body_file) + publish.footer(commit, url, until)
    else:
        body = publish.failed_plan_body(commit, url)
    if notice_file is not None and notice_file.is_file():
        body = publish.with_notice(body, _read(notice_file))
    with _client(github_repository) as client:
        result = publish.upsert_comment(client, pr, body, author)
    dropped = result.deleted_duplicates
    extra = f" (deleted {dropped} older copies)" if dropped else ""
    click.echo(f"Plan comment {result.action}: {result.url}{extra}")


@github.command("drift-issue")
@click.option(
    "--state",
    type=click.Choice(["open", "closed", "failed"]),
    required=True,
    help="open: there is drift (needs --body-file); closed: there is none any more; "
    "failed: the check could not run.",
)
@click.option(
    "--body-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The Markdown plan (with --state open).",
)
@_author
@_github_repository
def drift_issue(
    state: str, body_file: Path | None, author: str, github_repository: str | None
) -> None:
    """Open or update THE drift issue (found by its label, marker and author), close
    it, or report in it that the drift check failed (--state failed)."""
    if (state == "open") != (body_file is not None):
        raise click.UsageError("--body-file goes with --state open, and only with it")
    url = publish.run_url(os.environ)
    with _client(github_repository) as client:
        if body_file is not None:
            result = publish.open_drift_issue(client, _read(body_file), author)
        elif state == "failed":
            result = publish.drift_check_failed(client, url, author)
        else:
            note = f"Drift is gone: live state matches the configuration ({url})."
            result = publish.close_drift_issue(client, note, author)
    click.echo(f"Drift issue {result.action}" + (f": {result.url}" if result.url else ""))


def _loket(settings: Settings) -> LoketProviderConfig | None:
    config = settings.config.provider
    return config if isinstance(config, LoketProviderConfig) else None


def _mask(value: str) -> None:
    if in_actions(os.environ) and value:
        click.echo(f"::add-mask::{value}")


def _writer(environment: str, repository: str | None = None) -> token.GhSecretWriter:
    if not os.environ.get(token.SECRETS_TOKEN_ENV):
        raise GitHubError(
            "no token may write the Loket.nl token store secret: give the action the input "
            "secrets-token (a GitHub App installation token, or a fine-grained personal "
            "access token with 'Secrets' and 'Environments: read and write'; GITHUB_TOKEN "
            "cannot write secrets). Nothing was done, so the stored token is still valid"
        )
    env = GitHubEnv.from_environ(
        os.environ, repository=repository, token_var=token.SECRETS_TOKEN_ENV
    )
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    return token.GhSecretWriter(env.repository, env.token, server, environment)


def _store(settings: Settings, config: LoketProviderConfig) -> Path:
    return token_store_path(config, settings.root)


@github.command("prepare-provider")
@_secret
@repo_option
@click.pass_context
def prepare_provider(
    ctx: click.Context, secret_name: str, secret_environment: str, repo: Path
) -> None:
    """Before plan/apply in CI: restore the Loket.nl token store from $LOKET_TOKEN_STORE
    (after proving the rotated token can be saved), or seed a missing sandbox."""
    settings = settings_for(repo)
    config = _loket(settings)
    if config is None:
        if not sandbox_path(settings).exists():
            from mijnloket_gitops.cli.sandbox_cmd import seed

            ctx.invoke(seed, reset=False, db=None, repo=repo)
        return
    store = _store(settings, config)
    content = os.environ.get(token.CONTENT_ENV, "")
    token.check_can_persist(store, content, secret_name, _writer(secret_environment))
    _mask(token.restore(store, content, secret_name=secret_name))
    click.echo(f"Restored the Loket.nl token store ({store}).")


def _persist_failed(error: token.TokenPersistError) -> None:
    if in_actions(os.environ):
        click.echo(f"::error title=Loket.nl refresh token NOT saved::{command_data(str(error))}")


@github.command("persist-token")
@_secret
@repo_option
@_github_repository
def persist_token(
    secret_name: str, secret_environment: str, repo: Path, github_repository: str | None
) -> None:
    """After plan/apply in CI: write a rotated refresh token back to the secret.
    Fails loudly when it cannot, because the secret then holds a dead token."""
    settings = settings_for(repo)
    config = _loket(settings)
    if config is None:
        return
    store = _store(settings, config)
    if not token.fingerprint_path(store).exists():
        click.echo("No token store was restored in this job; nothing to save.")
        return
    if store.exists():
        _mask(TokenStore(store).read().refresh_token)
    try:
        outcome = token.persist(store, secret_name, _writer(secret_environment, github_repository))
    except token.TokenPersistError as error:
        _persist_failed(error)
        raise
    messages = {
        "not-restored": "No token store was restored in this job; nothing to save.",
        "unchanged": "The Loket.nl refresh token did not rotate; the secret is current.",
        "saved": f"Saved the rotated Loket.nl refresh token to the secret {secret_name}.",
    }
    click.echo(messages[outcome])


def _watcher(inputs: action.Inputs) -> token.Watcher | None:
    """While plan/drift/apply run on Loket.nl: save every rotation as it happens."""
    if inputs.command not in action.PROVIDER_COMMANDS:
        return None
    config = _loket(settings_for(inputs.workdir))
    if config is None or not os.environ.get(token.SECRETS_TOKEN_ENV):
        return None
    store = token_store_path(config, inputs.workdir)
    if not token.fingerprint_path(store).exists():
        return None
    name = os.environ.get("SECRET_NAME") or token.CONTENT_ENV
    writer = _writer(os.environ.get("SECRET_ENVIRONMENT", ""))
    return token.Watcher(store, name, writer).start()


@github.command("run-action")
def run_action() -> None:
    """Run the composite action's command from its INPUT_* variables (see action.yml)."""
    inputs = action.Inputs.from_environ(os.environ)
    temp = Path(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir()) / "mijnloket-gitops"
    watcher = _watcher(inputs)
    try:
        outcome = action.run(inputs, temp)
    finally:
        if watcher is not None:
            try:
                saved = watcher.stop()
            except token.TokenPersistError as error:
                _persist_failed(error)
                raise
            if saved:
                click.echo(f"Saved {saved} rotations of the Loket.nl refresh token.", err=True)
    passthrough = inputs.command == "validate" and inputs.fmt == "github"
    if outcome.output:
        click.echo(outcome.output if passthrough else quoted(outcome.output), nl=False)
    if outcome.annotation:
        click.echo(outcome.annotation)
    set_outputs(os.environ, outcome.outputs)
    append_summary(os.environ, outcome.summary)
    if not outcome.succeeded:
        raise SystemExit(outcome.exit_code or 1)


for _command in github_plan.SUBCOMMANDS:
    github.add_command(_command)
github.add_command(github_approvals.check_approvals_command)  # issue 23
github.add_command(github_approvals.plan_run_command)

COMMANDS = (github,)
