"""``auth login | status``: bootstrap and inspect the Loket.nl refresh-token store."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from mijnloket_gitops.cli.common import FullHelpGroup, repo_option, settings_for
from mijnloket_gitops.config import LoketProviderConfig, Settings
from mijnloket_gitops.errors import ConfigError, ExitCode


def _loket_config(settings: Settings) -> LoketProviderConfig:
    config = settings.config.provider
    if not isinstance(config, LoketProviderConfig):
        where = settings.config_path or settings.root / "mijnloket-gitops.yaml"
        raise ConfigError(
            f"{where}: provider.type is {config.type!r}; `auth` is for the loket provider "
            "(set `provider: {type: loket}`)"
        )
    return config


def _read_answer() -> str:
    sys.stdout.flush()  # a script reading the URL from a pipe needs it now
    if sys.stdin.isatty():
        answer: str = click.prompt("Paste the code, or the whole redirect URL", err=True)
        return answer
    return sys.stdin.readline()


@click.group(cls=FullHelpGroup)
def auth() -> None:
    """Authorize this tool with Loket.nl (the loket provider's token store)."""


@auth.command()
@click.option(
    "--code",
    metavar="CODE",
    help="The authorization code, or the whole redirect URL (for scripts). Without it "
    "the code is prompted for, or read from standard input.",
)
@click.option(
    "--state",
    metavar="STATE",
    help="Use this state in the authorize URL (and require it in a redirect URL given "
    "with --code); default: a random one.",
)
@repo_option
def login(code: str | None, state: str | None, repo: Path) -> None:
    """Authorize once: open the printed URL, consent, then give the code back.

    Exchanges the code for tokens and writes the refresh token to the token store
    (provider.token_store, mode 0600). Loket.nl rotates refresh tokens, so later runs
    keep the store current by themselves; run this again only when told to.
    """
    from mijnloket_gitops.loket.oauth import code_from_answer, login, new_state
    from mijnloket_gitops.loket.session import OAuthSession
    from mijnloket_gitops.loket.store import unignored_in_git

    settings = settings_for(repo)
    config = _loket_config(settings)
    session = OAuthSession(config, settings.root)
    try:
        expected = state
        if code is None:
            expected = state or new_state()
            click.echo("Open this URL, log in to Loket.nl and consent:", err=True)
            click.echo(session.oauth.authorize_url(config.redirect_uri, expected))
            code = _read_answer()
        exchange = code_from_answer(code, expected)
        token = login(session.store, session.oauth, exchange, config.redirect_uri)
    finally:
        session.close()
    click.echo(f"Authorized. Refresh token stored in {session.store.path} (mode 0600).")
    click.echo(f"Rotated at {token.rotated_at}; it rotates on every refresh from now on.")
    if unignored_in_git(session.store.path):
        click.secho(
            f"warning: {session.store.path} is inside a git work tree and not ignored; "
            "add it to .gitignore so the token is never committed",
            fg="yellow",
            err=True,
        )


@auth.command()
@click.option(
    "--online",
    is_flag=True,
    help="Also check the token with Loket.nl: one refresh (which rotates the stored "
    "refresh token) and one GET /providers.",
)
@repo_option
def status(online: bool, repo: Path) -> None:
    """Show whether the token store exists, its mode and when it last rotated.

    Never shows a token. Exit 0 when the store is usable (with --online: and Loket.nl
    accepts it), 1 otherwise.
    """
    from mijnloket_gitops.loket.session import token_store
    from mijnloket_gitops.loket.store import LOGIN_HINT

    settings = settings_for(repo)
    config = _loket_config(settings)
    shown = token_store(config, settings.root).status()
    api_url, _ = config.urls
    client_id = os.environ.get(config.client_id_env)
    # which Loket.nl and which OAuth client the token is for (neither is a secret)
    click.echo(f"loket:        {config.environment}, {api_url}")
    click.echo(
        f"client id:    {client_id}"
        if client_id
        else f"client id:    not set (${config.client_id_env} is empty)"
    )
    click.echo(f"token store:  {shown.path}")
    click.echo(f"exists:       {'yes' if shown.exists else 'no'}")
    if shown.mode is not None:
        click.echo(f"mode:         {shown.mode:04o}")
    if shown.rotated_at is not None:
        click.echo(f"last rotated: {shown.rotated_at}")
    if shown.oauth_url is not None:
        click.echo(f"oauth server: {shown.oauth_url}")
    problem = shown.problem if not shown.usable else None
    if not shown.exists:  # the first status, before any login: nothing to do "again"
        problem = "not logged in yet: run `mijnloket-gitops auth login` to authorize"
    _, oauth_url = _loket_config(settings).urls
    if problem is None and shown.oauth_url is not None and shown.oauth_url.rstrip("/") != oauth_url:
        # a plan would refuse this store at its first refresh: say so now, offline
        problem = (
            f"the token store was made for {shown.oauth_url}, but the configuration uses"
            f" {oauth_url}; {LOGIN_HINT}"
        )
    if problem is not None:
        click.secho(f"problem:      {problem}", fg="red", err=True)
        raise SystemExit(ExitCode.ERROR)
    if online:
        from mijnloket_gitops.loket.session import ApiSession

        with ApiSession(_loket_config(settings), settings.root) as session:
            # AuthError / ProviderError: exit 1, message
            _, page = session.api.page("providers", 1)
        click.echo("online:       yes (Loket.nl accepted the token for GET /providers)")
        for item in page.items if page is not None else ():
            if isinstance(item, dict):
                click.echo(f"account:      {item.get('name', '?')} ({item.get('id', '?')})")


COMMANDS = (auth,)
